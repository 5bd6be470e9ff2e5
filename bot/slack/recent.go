package slack

import (
	"container/list"
	"sync"
)

// recent remembers the last max keys seen (event ids, pinned messages), so that a
// delivery Slack repeats is handled once, in bounded memory.
type recent struct {
	mu    sync.Mutex
	max   int
	order *list.List // most recent at the front
	keys  map[string]*list.Element
}

func newRecent(max int) *recent {
	return &recent{max: max, order: list.New(), keys: map[string]*list.Element{}}
}

// add records key; it reports false when key was already there.
func (r *recent) add(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.keys[key]; ok {
		r.order.MoveToFront(e)
		return false
	}
	r.keys[key] = r.order.PushFront(key)
	for r.order.Len() > r.max {
		e := r.order.Back()
		r.order.Remove(e)
		delete(r.keys, e.Value.(string))
	}
	return true
}

// forget removes key, so that a later delivery is handled again (after a failure).
func (r *recent) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.keys[key]; ok {
		r.order.Remove(e)
		delete(r.keys, key)
	}
}

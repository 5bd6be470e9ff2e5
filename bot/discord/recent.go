package discord

import (
	"container/list"
	"sync"
)

// recent remembers the last max keys seen (permission overwrites known to be in
// place), in bounded memory.
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

// has reports whether key is there.
func (r *recent) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.keys[key]
	return ok
}

package bot

import (
	"container/list"
	"sync"
)

// Recent remembers the last max keys seen, in bounded memory: event ids, so that a
// delivery a platform repeats is handled once; facts known to hold on the platform.
type Recent struct {
	mu    sync.Mutex
	max   int
	order *list.List // most recent at the front
	keys  map[string]*list.Element
}

// NewRecent remembers up to max keys.
func NewRecent(max int) *Recent {
	return &Recent{max: max, order: list.New(), keys: map[string]*list.Element{}}
}

// Add records key; it reports false when key was already there.
func (r *Recent) Add(key string) bool {
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

// Forget removes key, so that a later delivery is handled again (after a failure).
func (r *Recent) Forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.keys[key]; ok {
		r.order.Remove(e)
		delete(r.keys, key)
	}
}

// Has reports whether key is there.
func (r *Recent) Has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.keys[key]
	return ok
}

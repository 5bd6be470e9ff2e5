package bot

import (
	"sync"
	"time"

	"mimbot/mim"
)

// Progress follows declarations from their reply to their war room being ready, keyed
// by the request key the incident was declared with, so that an adapter can show
// "Opening war room... done" in place. R is how the adapter answers the person (a
// response_url, an interaction token). It lives in memory only: after a restart the
// person is simply not told that the room became ready.
type Progress[R any] struct {
	ttl   time.Duration
	clock mim.Clock
	mu    sync.Mutex
	m     map[string]*progress[R]
}

// progress is one declaration being shown in place.
type progress[R any] struct {
	reply   R
	started time.Time
	shown   string // the declare reply, once it is out
	ready   string // the war room's last line, when the room was ready before the reply
}

// NewProgress follows declarations for at most ttl (how long the platform lets the
// answer be edited), by clock.
func NewProgress[R any](ttl time.Duration, clock mim.Clock) *Progress[R] {
	return &Progress[R]{ttl: ttl, clock: clock, m: map[string]*progress[R]{}}
}

// Begin starts following the declaration with request key key.
func (b *Progress[R]) Begin(key string, reply R) {
	if key == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	if len(b.m) > 1000 {
		for k, p := range b.m {
			if now.Sub(p.started) > b.ttl {
				delete(b.m, k)
			}
		}
	}
	b.m[key] = &progress[R]{reply: reply, started: now}
}

// Drop stops following key (the command declared no new war room).
func (b *Progress[R]) Drop(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
}

// Shown records that the declare reply text is out. When the room was ready in the
// meantime it returns the reply and the final text to show, and ok.
func (b *Progress[R]) Shown(key, text string) (reply R, final string, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.m[key]
	if p == nil {
		return reply, "", false
	}
	if p.ready == "" {
		p.shown = text
		return reply, "", false
	}
	delete(b.m, key)
	return p.reply, text + "\n" + p.ready, true
}

// Ready records the war room's last line. When the declare reply is already out it
// returns the reply and the final text to show, and ok.
func (b *Progress[R]) Ready(key, line string) (reply R, final string, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.m[key]
	if p == nil || b.clock.Now().Sub(p.started) > b.ttl {
		delete(b.m, key)
		return reply, "", false
	}
	if p.shown == "" {
		p.ready = line
		return reply, "", false
	}
	delete(b.m, key)
	return p.reply, p.shown + "\n" + line, true
}

package discord

import (
	"sync"
	"time"
)

// progressTTL is how long a declaration's progress is kept: the interaction token
// that shows it works for fifteen minutes.
const progressTTL = 14 * time.Minute

// progressBook follows declarations from their reply to their war room being ready,
// keyed by the request key the incident was declared with. It lives in memory only:
// after a restart the person is simply not told that the room became ready.
type progressBook struct {
	mu sync.Mutex
	m  map[string]*progress
}

// progress is one declaration being shown in place.
type progress struct {
	reply   *reply
	started time.Time
	shown   string // the declare reply, once it is out
	ready   string // the war room's last line, when the room was ready before the reply
}

func newProgressBook() *progressBook { return &progressBook{m: map[string]*progress{}} }

// begin starts following the declaration with request key key.
func (b *progressBook) begin(key string, r *reply) {
	if key == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if len(b.m) > 1000 {
		for k, p := range b.m {
			if now.Sub(p.started) > progressTTL {
				delete(b.m, k)
			}
		}
	}
	b.m[key] = &progress{reply: r, started: now}
}

// drop stops following key (the command was no declaration of a new war room).
func (b *progressBook) drop(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
}

// shown records that the declare reply text is out. When the room was ready in the
// meantime it returns the reply and the final text to show.
func (b *progressBook) shown(key, text string) (*reply, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.m[key]
	if p == nil {
		return nil, ""
	}
	if p.ready == "" {
		p.shown = text
		return nil, ""
	}
	delete(b.m, key)
	return p.reply, text + "\n" + p.ready
}

// ready records the war room's last line. When the declare reply is already out it
// returns the reply and the final text to show.
func (b *progressBook) ready(key, line string) (*reply, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.m[key]
	if p == nil || time.Since(p.started) > progressTTL {
		delete(b.m, key)
		return nil, ""
	}
	if p.shown == "" {
		p.ready = line
		return nil, ""
	}
	delete(b.m, key)
	return p.reply, p.shown + "\n" + line
}

package bot

import (
	"context"
	"slices"
	"sync"

	"mimbot/mim"
)

// Lanes keep an adapter's calls to one channel in order: one at a time, first come
// first served, so that a war room reads its messages in the order they were sent.
type Lanes struct {
	mu sync.Mutex
	m  map[string]*lane
}

// lane is one channel's queue: who holds the turn, and who waits for it, in order.
type lane struct {
	busy    bool
	waiting []chan struct{}
	users   int // holder and waiters; the lane is forgotten at zero
}

// NewLanes returns an empty set of lanes.
func NewLanes() *Lanes { return &Lanes{m: map[string]*lane{}} }

// Acquire waits for channel's turn; release hands it to the next caller in line.
func (l *Lanes) Acquire(ctx context.Context, channel string) (release func(), err error) {
	l.mu.Lock()
	ln := l.m[channel]
	if ln == nil {
		ln = &lane{}
		l.m[channel] = ln
	}
	ln.users++
	release = func() { l.release(channel, ln) }
	if !ln.busy {
		ln.busy = true
		l.mu.Unlock()
		return release, nil
	}
	turn := make(chan struct{})
	ln.waiting = append(ln.waiting, turn)
	l.mu.Unlock()
	// A delivery of a stopping process gives up its place too (see Sleep): the call
	// it waits to make would start after the stop.
	select {
	case <-turn:
		return release, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-mim.Stopping(ctx):
		err = mim.ErrStopping
	}
	l.mu.Lock()
	if i := slices.Index(ln.waiting, turn); i >= 0 {
		ln.waiting = slices.Delete(ln.waiting, i, i+1)
		l.leaveLocked(channel, ln)
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	release() // the turn came as the wait ended: pass it on
	return nil, err
}

func (l *Lanes) release(channel string, ln *lane) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(ln.waiting) > 0 {
		next := ln.waiting[0]
		ln.waiting = ln.waiting[1:]
		close(next)
	} else {
		ln.busy = false
	}
	l.leaveLocked(channel, ln)
}

func (l *Lanes) leaveLocked(channel string, ln *lane) {
	ln.users--
	if ln.users == 0 {
		delete(l.m, channel)
	}
}

// Len is how many callers hold or wait for channel's turn. Tests read it to start the
// next caller only once the previous one has its place in line.
func (l *Lanes) Len(channel string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ln := l.m[channel]; ln != nil {
		return ln.users
	}
	return 0
}

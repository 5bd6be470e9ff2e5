package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"mimbot/mim"
)

// Workers runs the background work of a chat adapter (answers and progress after an
// acknowledgement), at most a fixed number at a time, each bounded by a timeout, and
// waits for it on shutdown. Both adapters shut down the same way through it.
type Workers struct {
	name    string // the adapter, in errors
	timeout time.Duration
	slots   chan struct{}
	wg      sync.WaitGroup
	base    context.Context
	cancel  context.CancelFunc
}

// NewWorkers runs at most n pieces of work at once, each for at most timeout.
func NewWorkers(name string, n int, timeout time.Duration) *Workers {
	base, cancel := context.WithCancel(context.Background())
	return &Workers{name: name, timeout: timeout, slots: make(chan struct{}, n), base: base, cancel: cancel}
}

// Go runs fn in the background once a slot is free.
func (w *Workers) Go(fn func(ctx context.Context)) {
	w.wg.Go(func() {
		select {
		case w.slots <- struct{}{}:
		case <-w.base.Done():
			return
		}
		defer func() { <-w.slots }()
		ctx, cancel := context.WithTimeout(w.base, w.timeout)
		defer cancel()
		fn(ctx)
	})
}

// Now runs fn in the background at once, outside the slots, for at most timeout:
// work that must start within the platform's limits whatever else is going on.
func (w *Workers) Now(timeout time.Duration, fn func(ctx context.Context)) {
	w.wg.Go(func() {
		ctx, cancel := context.WithTimeout(w.base, timeout)
		defer cancel()
		fn(ctx)
	})
}

// Context is the context of the adapter's work: it ends when Shutdown gives up.
func (w *Workers) Context() context.Context { return w.base }

// Shutdown waits for the work in flight, until ctx ends; then it cancels what is
// left. Call it once nothing hands the adapter new work.
func (w *Workers) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		w.cancel()
		return nil
	case <-ctx.Done():
		w.cancel()
		return fmt.Errorf("%s: shutdown: %w", w.name, ctx.Err())
	}
}

// Sleep waits d or until ctx ends. In a delivery it also ends, with mim.ErrStopping,
// when the process begins to stop: every wait before a platform call goes through
// here, so a stopping process starts no new call.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-mim.Stopping(ctx):
		return mim.ErrStopping
	}
}

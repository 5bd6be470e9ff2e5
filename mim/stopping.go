package mim

import (
	"context"
	"errors"
)

// ErrStopping is the error of a delivery that gave up a wait because its process is
// stopping: nothing was sent, and the message goes back to the outbox at once for
// whichever process runs next.
var ErrStopping = errors.New("not sent: the process is stopping")

type stoppingKey struct{}

// WithStopping marks ctx as a delivery's whose process begins to stop when stop
// closes. The relay gives every delivery one; tests of an adapter's waits make their
// own.
func WithStopping(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, stoppingKey{}, stop)
}

// Stopping is closed when the process running the delivery that ctx belongs to
// begins to stop; it is nil (never ready) outside a delivery. An adapter's wait before
// a platform call (a rate limit, a Retry-After, a retry's backoff) ends on it with
// ErrStopping, so that a stopping process starts no new call, while a call already
// under way finishes (Relay.Grace): cut off, it might have been shown and would be
// sent again.
func Stopping(ctx context.Context) <-chan struct{} {
	stop, _ := ctx.Value(stoppingKey{}).(<-chan struct{})
	return stop
}

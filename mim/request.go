package mim

import (
	"context"
	"errors"
	"sync/atomic"
)

// A chat platform may deliver one request more than once: Slack retries an event it
// is unsure was received, a person double-clicks, a proxy re-sends. Each request
// takes effect once: its key (the platform's identity of the request) is recorded in
// the same transaction as the change it makes, and a second delivery finds it there
// and changes nothing. Declarations have their own key (DeclareInput.RequestKey).

// ErrSeen is returned by a store when a change carries a request key it recorded
// before: the request already took effect, and nothing was saved again.
var ErrSeen = errors.New("request already carried out")

// requestMark is the request a context carries, and whether a change took its key.
type requestMark struct {
	key  string
	used atomic.Bool
}

type requestCtxKey struct{}

// WithRequest returns ctx carrying the platform's identity of the request it serves
// ("slack:<trigger id>", "discord:<interaction id>"); the first change made under it
// records the key.
func WithRequest(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, requestCtxKey{}, &requestMark{key: key})
}

// requestKey is the key for the first change made under ctx, "" for the others and
// for a context that serves no request (a timer).
func requestKey(ctx context.Context) string {
	m, ok := ctx.Value(requestCtxKey{}).(*requestMark)
	if !ok || m.used.Swap(true) {
		return ""
	}
	return m.key
}

package discordfake

import (
	"sync"
	"time"
)

// Call is one REST request the fake received.
type Call struct {
	// Time is the Clock's time when the request arrived.
	Time time.Time
	// Method and Path are as received (Path includes /api/vN).
	Method string
	Path   string
	// Route is the matched route, e.g. "POST /channels/{channel_id}/messages";
	// empty when no route matched.
	Route string
	// Bucket is the X-RateLimit-Bucket the call was counted in.
	Bucket string
	// Status is the HTTP status sent, 0 for a dropped connection.
	Status int
	// Duration is the real time spent serving the call.
	Duration time.Duration
	// RateLimited is set on a 429, Global when it was the global limit.
	RateLimited bool
	Global      bool
	// EarlyRetry is set when the call came before a retry_after the fake
	// had given for its bucket (or the global limit) had elapsed.
	EarlyRetry bool
	// Fault is set when an injected fault answered the call.
	Fault bool
}

type callLog struct {
	mu    sync.Mutex
	calls []Call
}

func (l *callLog) add(c Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

func (l *callLog) snapshot() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

func (l *callLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}

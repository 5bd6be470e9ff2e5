package teamsfake

import (
	"sync"
	"time"
)

// Call records one request as the fake answered it.
type Call struct {
	Method, Path string // Path as sent, unescaped, e.g. "/connector/v3/conversations/a:1/activities"
	Status       int    // 0 when the connection was dropped
	At           time.Time
	// RetryAfter is the wait announced with a 429 or 503.
	RetryAfter time.Duration
	// EarlyRetry is true when the call came before a Retry-After given for
	// its conversation, team or faulted path had passed.
	EarlyRetry bool
	// Fault is true when an injected fault answered the call.
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

// Calls returns every request answered so far, in order.
func (s *Server) Calls() []Call {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return append([]Call(nil), s.calls.calls...)
}

// ResetCalls forgets the recorded calls; pacing state is kept.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.calls = nil
}

// EarlyRetries counts the calls that came before a Retry-After given for
// them had passed. A well-behaved client never makes one.
func (s *Server) EarlyRetries() int {
	n := 0
	for _, c := range s.Calls() {
		if c.EarlyRetry {
			n++
		}
	}
	return n
}

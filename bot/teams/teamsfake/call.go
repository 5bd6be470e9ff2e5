package teamsfake

import (
	"strings"
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
	// it had passed: for its conversation (a message post or update), its
	// team (a channel creation), else for the same method and path.
	EarlyRetry bool
	// Fault is true when an injected fault answered the call.
	Fault bool
}

type callLog struct {
	mu       sync.Mutex
	calls    []Call
	underWay []string // paths of the calls received and not yet answered
}

func (l *callLog) begin(path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.underWay = append(l.underWay, path)
}

func (l *callLog) end(path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, p := range l.underWay {
		if p == path {
			l.underWay = append(l.underWay[:i], l.underWay[i+1:]...)
			return
		}
	}
}

// UnderWay is how many calls under the path prefix the fake has received and
// not answered yet (their latency still running): a test can stop the bot
// while one is under way. Calls lists a call once it is answered.
func (s *Server) UnderWay(prefix string) int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	n := 0
	for _, p := range s.calls.underWay {
		if strings.HasPrefix(p, prefix) {
			n++
		}
	}
	return n
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

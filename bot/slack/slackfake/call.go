package slackfake

import (
	"sync"
	"time"
)

// Call records one Web API request as the fake saw it.
type Call struct {
	Method  string
	Channel string    // "channel" or "channel_id" argument, if any
	Time    time.Time // arrival, by Options.Clock
	// Status is the HTTP status sent: 200 (including {"ok":false} errors),
	// 429, an injected 5xx, or 0 when the connection was dropped or the client
	// went away before the response.
	Status int
	// Error is the Slack error code of an {"ok":false} response, or
	// "connection_dropped" / "client_gone".
	Error string
	// RetryAfter is the exact wait announced with a 429.
	RetryAfter time.Duration
	// EarlyRetry is true when the call arrived while a Retry-After, given
	// earlier for the same rate-limit bucket (the method, plus the channel for
	// chat.postMessage), had not yet expired. A well-behaved bot never does this.
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

// Calls returns every Web API call received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return append([]Call(nil), s.calls.calls...)
}

// CallsTo returns the recorded calls to one method.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// EarlyRetries counts calls that arrived before a Retry-After given to the
// same rate-limit bucket had expired.
func (s *Server) EarlyRetries() int {
	n := 0
	for _, c := range s.Calls() {
		if c.EarlyRetry {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls (rate-limit state is kept).
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.calls = nil
}

// underWay counts the calls received and not yet answered, by method.
type underWay struct {
	mu sync.Mutex
	n  map[string]int
}

func (u *underWay) add(method string, d int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.n[method] += d
}

// UnderWay is how many calls to method the fake has received and not answered yet
// (their latency still running): a test can stop the bot while one is under way.
// Calls only lists a call once it is answered.
func (s *Server) UnderWay(method string) int {
	s.underWay.mu.Lock()
	defer s.underWay.mu.Unlock()
	return s.underWay.n[method]
}

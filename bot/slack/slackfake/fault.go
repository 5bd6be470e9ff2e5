package slackfake

import (
	"sync"
	"time"
)

// Fault is an injected failure for the next Times calls to a method. Exactly
// one of Drop, Status or Error should be set; with none set the fault answers
// {"ok":false,"error":"fatal_error"}.
type Fault struct {
	// Drop closes the connection without sending a response.
	Drop bool
	// Status is an HTTP status to answer with, e.g. 500 or 503 (with an HTML
	// body, as Slack's edge does). 429 behaves like a real rate limit: it sends
	// Retry-After (see RetryAfter) and later calls to the same bucket inside
	// that window are refused and counted as early retries.
	Status int
	// Error is a Slack error code, sent as HTTP 200 {"ok":false,"error":Error}.
	Error string
	// RetryAfter is the wait announced by a Status 429 fault. Default 1 s.
	RetryAfter time.Duration
	// Times is how many calls the fault affects. Default 1.
	Times int
}

type faultTable struct {
	mu      sync.Mutex
	latency map[string]time.Duration
	queued  map[string][]Fault
}

func newFaultTable() *faultTable {
	return &faultTable{latency: map[string]time.Duration{}, queued: map[string][]Fault{}}
}

// SetLatency delays every response of method by d ("" applies to all methods
// that have no latency of their own; d <= 0 removes the setting). The request
// is processed on arrival and the response held back, as network and server
// time would.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if d <= 0 {
		delete(s.faults.latency, method)
		return
	}
	s.faults.latency[method] = d
}

// InjectFault makes the next f.Times calls to method fail as f describes.
// method "" matches any method. Faults queue up in the order injected;
// a method's own faults are used before the "" ones. An injected fault
// answers before rate limiting, so it consumes no rate-limit token.
func (s *Server) InjectFault(method string, f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if !f.Drop && f.Status == 0 && f.Error == "" {
		f.Error = "fatal_error"
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queued[method] = append(s.faults.queued[method], f)
}

// ClearFaults removes every pending fault and latency setting.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = map[string]time.Duration{}
	s.faults.queued = map[string][]Fault{}
}

func (t *faultTable) latencyFor(method string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d, ok := t.latency[method]; ok {
		return d
	}
	return t.latency[""]
}

// take consumes one use of the first pending fault for method.
func (t *faultTable) take(method string) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, key := range []string{method, ""} {
		q := t.queued[key]
		if len(q) == 0 {
			continue
		}
		f := q[0]
		q[0].Times--
		if q[0].Times <= 0 {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(t.queued, key)
		} else {
			t.queued[key] = q
		}
		return f, true
	}
	return Fault{}, false
}

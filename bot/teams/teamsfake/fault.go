package teamsfake

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is an injected failure for the next Times calls under a path prefix.
type Fault struct {
	// Status is the HTTP status to answer with (default 500 unless Drop).
	Status int
	// Code and Message fill the error body, in the shape of the service the
	// path belongs to. Defaults follow the status (TooManyRequests, ...).
	Code, Message string
	// RetryAfter is sent as Retry-After (whole seconds, rounded up); 429 and
	// 503 default to 1 s. It applies to what the call was for: the
	// conversation of a message post or update, the team of a channel
	// creation, else the same method and path. Such calls before it has
	// passed count in EarlyRetries; after a 429, paced ones are also refused.
	RetryAfter time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Times is how many calls the fault answers. Default 1.
	Times int
}

type queuedFault struct {
	prefix string
	f      Fault
}

type faultTable struct {
	mu      sync.Mutex
	latency map[string]time.Duration
	queued  []queuedFault
}

func newFaultTable() *faultTable {
	return &faultTable{latency: map[string]time.Duration{}}
}

// InjectFault makes the next f.Times calls whose path starts with prefix
// (the path after the base URL, e.g. "/connector/v3/conversations" or
// "/graph/v1.0/teams") fail as f says. Faults answer in the order injected,
// before authentication and pacing, and consume no pacing.
func (s *Server) InjectFault(prefix string, f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if !f.Drop && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.RetryAfter <= 0 && (f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable) {
		f.RetryAfter = time.Second
	}
	if f.Code == "" {
		f.Code = defaultCode(f.Status)
	}
	if f.Message == "" {
		f.Message = http.StatusText(f.Status)
	}
	s.fault.mu.Lock()
	defer s.fault.mu.Unlock()
	s.fault.queued = append(s.fault.queued, queuedFault{prefix: prefix, f: f})
}

func defaultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusBadGateway:
		return "BadGateway"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusBadRequest:
		return "BadRequest"
	}
	return "InternalServerError"
}

// SetLatency holds back every answer under the path prefix by d (the
// longest matching prefix wins; d <= 0 removes it). The request is handled
// on arrival and its answer delayed, as network and server time would.
func (s *Server) SetLatency(prefix string, d time.Duration) {
	s.fault.mu.Lock()
	defer s.fault.mu.Unlock()
	if d <= 0 {
		delete(s.fault.latency, prefix)
		return
	}
	s.fault.latency[prefix] = d
}

func (t *faultTable) latencyFor(path string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	best, d := -1, time.Duration(0)
	for p, v := range t.latency {
		if strings.HasPrefix(path, p) && len(p) > best {
			best, d = len(p), v
		}
	}
	return d
}

// take consumes one use of the first fault queued for path.
func (t *faultTable) take(path string) (queuedFault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.queued {
		q := t.queued[i]
		if !strings.HasPrefix(path, q.prefix) {
			continue
		}
		t.queued[i].f.Times--
		if t.queued[i].f.Times <= 0 {
			t.queued = append(t.queued[:i], t.queued[i+1:]...)
		}
		return q, true
	}
	return queuedFault{}, false
}

// recorder holds an answer back until its latency has passed.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// serve wraps a handler with faults, early-retry detection, latency and the call log.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	at := s.now()
	s.calls.begin(r.URL.Path)
	defer s.calls.end(r.URL.Path)
	c := Call{Method: r.Method, Path: r.URL.Path, At: at}
	key := callKey(r, s.opts.TeamID)
	c.EarlyRetry = s.pace.early(key, at)
	rec := &recorder{header: http.Header{}}
	if q, ok := s.fault.take(r.URL.Path); ok {
		c.Fault = true
		if q.f.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
			s.calls.add(c)
			return
		}
		if q.f.RetryAfter > 0 {
			setRetryAfter(rec, q.f.RetryAfter)
			s.pace.block(key, q.f.Status == http.StatusTooManyRequests, at.Add(time.Duration(retryAfterSeconds(q.f.RetryAfter))*time.Second))
		}
		s.writeFault(rec, r.URL.Path, q.f)
	} else {
		next(rec, r)
	}
	if d := s.fault.latencyFor(r.URL.Path); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
	c.Status = rec.status
	if ra, err := strconv.Atoi(rec.header.Get("Retry-After")); err == nil {
		c.RetryAfter = time.Duration(ra) * time.Second
	}
	s.calls.add(c)
}

// writeFault answers with f in the error shape of path's service.
func (s *Server) writeFault(w http.ResponseWriter, path string, f Fault) {
	switch {
	case strings.HasPrefix(path, graphPrefix+"/"):
		s.writeGraphError(w, f.Status, f.Code, f.Message)
	case strings.HasPrefix(path, loginPrefix+"/"):
		writeJSON(w, f.Status, obj{"error": f.Code, "error_description": f.Message})
	default:
		writeError(w, f.Status, f.Code, f.Message)
	}
}

package pagerdutyfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// EnqueuePath is the Events API v2 path the server serves.
const EnqueuePath = "/v2/enqueue"

const maxBodyBytes = 512 << 10 // PagerDuty rejects events over 512 KB

// Options configures a Server.
type Options struct {
	// RateLimitPerMinute caps accepted events per routing key in any
	// sliding 60-second window; further events answer 429. Zero or less
	// means no limit. (PagerDuty's documented limit is about 120.)
	RateLimitPerMinute int
	// Now is the clock for event times and the rate-limit window; nil
	// means time.Now. Tests can supply a fake clock to cross windows.
	Now func() time.Time
}

// Server is a fake PagerDuty Events API v2. It is an http.Handler, and
// Start serves it on a loopback port. All methods are safe for concurrent
// use.
type Server struct {
	now func() time.Time

	done      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	http      *httptest.Server
	limiter   *limiter
	faults    []Fault
	chaos     chaosState
	events    []Event
	incidents []*Incident
	attempts  int
	subs      []Subscription
}

// New returns a server configured by opts. Call Start to listen, or use the
// Server directly as an http.Handler.
func New(opts Options) *Server {
	s := &Server{
		now:     opts.Now,
		done:    make(chan struct{}),
		limiter: newLimiter(opts.RateLimitPerMinute),
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Start serves on 127.0.0.1 at a free port. It panics if called twice or
// after Close, or if it cannot listen.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		panic("pagerdutyfake: Start after Close")
	default:
	}
	if s.http != nil {
		panic("pagerdutyfake: Start called twice")
	}
	s.http = httptest.NewServer(s)
}

// URL returns the base URL, such as http://127.0.0.1:41234, to pass to
// go-pagerduty's WithV2EventsAPIEndpoint option, which appends /v2/enqueue.
// It panics before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.http == nil {
		panic("pagerdutyfake: URL called before Start")
	}
	return s.http.URL
}

// EnqueueURL returns the full URL of the enqueue endpoint, URL() +
// EnqueuePath, for clients that take the complete URL.
func (s *Server) EnqueueURL() string {
	return s.URL() + EnqueuePath
}

// Close stops the server. Requests still waiting out a fault's Delay end at
// once without an answer. Close is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	h := s.http
	s.mu.Unlock()
	if h != nil {
		h.Close()
	}
}

// InjectFault queues faults for the next requests to /v2/enqueue, one each,
// in order. Requests after the queue empties are processed normally.
func (s *Server) InjectFault(fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fs...)
}

// Events returns copies of the accepted events, oldest first.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, len(s.events))
	for i, e := range s.events {
		out[i] = e.clone()
	}
	return out
}

// Incidents returns copies of the incidents opened so far, oldest first.
func (s *Server) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, len(s.incidents))
	for i, in := range s.incidents {
		out[i] = in.clone()
	}
	return out
}

// Attempts returns how many requests reached /v2/enqueue, including
// rejected, rate-limited and faulted ones.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

type response struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != EnqueuePath {
		writeJSON(w, http.StatusNotFound, response{Status: "not found", Message: "Not Found"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, response{Status: "method not allowed", Message: "Method Not Allowed"})
		return
	}
	fault, faulted, fate := s.takeFault()
	if fate.reset {
		panic(http.ErrAbortHandler)
	}
	if fate.status != 0 {
		writeJSON(w, fate.status, response{Status: "chaos", Message: http.StatusText(fate.status)})
		return
	}
	if fate.delay > 0 {
		defer s.wait(r.Context(), fate.delay)
	}
	if fault.Delay > 0 && !s.wait(r.Context(), fault.Delay) {
		// The client left or the server is closing: drop the connection
		// without an answer.
		panic(http.ErrAbortHandler)
	}
	if faulted && fault.Status != 0 {
		http.Error(w, http.StatusText(fault.Status), fault.Status)
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, invalid("Request body could not be read: "+err.Error()))
		return
	}
	ev, errs := parseEvent(body)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, invalid(errs...))
		return
	}
	if ev.Action == ActionTrigger && ev.DedupKey == "" {
		ev.DedupKey, ev.DedupKeyGenerated = newDedupKey(), true
	}
	if !s.accept(ev) {
		writeJSON(w, http.StatusTooManyRequests, response{
			Status:  "throttle event",
			Message: "Requests for this service are arriving too quickly. Please retry later.",
		})
		return
	}
	writeJSON(w, http.StatusAccepted, response{Status: "success", Message: "Event processed", DedupKey: ev.DedupKey})
}

// takeFault counts the attempt and pops the next fault, if any, or else draws
// what Chaos does to the request.
func (s *Server) takeFault() (Fault, bool, chaosFate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if len(s.faults) == 0 {
		return Fault{}, false, s.rollLocked()
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true, chaosFate{}
}

// accept records a valid event unless its routing key is over the limit.
func (s *Server) accept(ev Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev.Received = s.now()
	if !s.limiter.allow(ev.RoutingKey, ev.Received) {
		return false
	}
	s.events = append(s.events, ev)
	s.incidents = applyEvent(s.incidents, ev)
	return true
}

// wait sleeps for d and reports whether it ran to the end, rather than
// being cut short by ctx or by Close.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func invalid(errs ...string) response {
	return response{Status: "invalid event", Message: "Event object is invalid", Errors: errs}
}

// newDedupKey returns 32 random hex characters, like PagerDuty's keys.
func newDedupKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("pagerdutyfake: encoding response: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

package msapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/mim/mimtest"
)

// epoch is where the tests' clocks start.
var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// hit is one request the test server received.
type hit struct {
	Method, Path, RawPath, Query, Auth, Type, Body string
	At                                             time.Time // on the test's clock
}

// server stands for the token service, the Connector and Graph, each under its own
// prefix (/login, /connector, /graph). It issues tokens "tok-1", "tok-2"... valid an
// hour, and answers everything else with handle (by default 201 with a new id).
type server struct {
	t     *testing.T
	clock *mimtest.Clock
	srv   *httptest.Server

	mu       sync.Mutex
	hits     []hit // every call but the token's
	tokens   []hit // token requests
	ids      int
	tokenFor func(n int) (status int, body string) // nil: tok-n for an hour
	handle   func(w http.ResponseWriter, h hit, n int)
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, clock: mimtest.NewClock(epoch)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := hit{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), Type: r.Header.Get("Content-Type"), Body: string(body), At: s.clock.Now()}
	if strings.HasPrefix(r.URL.Path, "/login/") {
		s.mu.Lock()
		s.tokens = append(s.tokens, h)
		n, tokenFor := len(s.tokens), s.tokenFor
		s.mu.Unlock()
		status, out := http.StatusOK, fmt.Sprintf(`{"token_type":"Bearer","expires_in":3600,"access_token":"tok-%d"}`, n)
		if tokenFor != nil {
			status, out = tokenFor(n)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, out)
		return
	}
	s.mu.Lock()
	s.hits = append(s.hits, h)
	n, handle := len(s.hits), s.handle
	s.ids++
	id := s.ids
	s.mu.Unlock()
	if handle != nil {
		handle(w, h, n)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"id":"m%d"}`, id)
}

// calls returns what the server received, tokens apart.
func (s *server) calls() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// tokenCalls returns the token requests.
func (s *server) tokenCalls() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.tokens...)
}

func (s *server) tokensClient() *Tokens {
	return NewTokens(s.srv.URL+"/login", "tenant-1", "app-1", "s3cr3t-value", s.srv.Client(), s.clock)
}

func (s *server) connector() *Connector {
	return NewConnector(s.tokensClient(), s.srv.Client(), s.clock)
}

func (s *server) graph() *Graph {
	return NewGraph(s.srv.URL+"/graph", "team-1", s.tokensClient(), s.srv.Client(), s.clock)
}

func (s *server) serviceURL() string { return s.srv.URL + "/connector/" }

// answer writes status with a JSON error body and, when retry is not "", a
// Retry-After.
func answer(w http.ResponseWriter, status int, code, retry string) {
	if retry != "" {
		w.Header().Set("Retry-After", retry)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":"%s happened"}}`, code, code)
}

// waitFor waits (in real time, bounded) until cond holds: for what another goroutine
// does next, never to measure how long it took.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

// settle lets the goroutines under test run a while on a clock that stands still,
// so that a call they must not make yet would be made.
func settle() { time.Sleep(20 * pollStep) }

// advanceUntil moves the clock forward by step until cond holds, letting the
// goroutines under test see each new time; it fails after max steps.
func advanceUntil(t *testing.T, clock *mimtest.Clock, step time.Duration, max int, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < max; i++ {
		if cond() {
			return
		}
		clock.Advance(step)
		for j := 0; j < 10 && !cond(); j++ {
			time.Sleep(pollStep)
		}
	}
	if !cond() {
		t.Fatalf("%s: not after %d steps of %s", what, max, step)
	}
}

// gate holds the test server's handlers until open is called, and opens by itself
// when the test ends, so that a failing test does not leave them waiting (and the
// server's Close with them).
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{ch: make(chan struct{})}
	t.Cleanup(g.open) // runs before the server's Close, registered earlier
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }
func (g *gate) wait() { <-g.ch }

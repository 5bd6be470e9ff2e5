package slackfake

import (
	"math/rand"
	"net/http"
	"sync"
	"time"
)

// Chaos answers a random share of Web API calls with a fault, drawn from a
// seeded source so that a run can be repeated. Shares are probabilities in
// [0, 1] and are tried in the order RateLimited, ServerError, Reset; a call
// that gets none of them is answered normally, and a Spike share of those has
// its answer held back by SpikeLatency. Queued faults (InjectFault) go first.
type Chaos struct {
	Seed int64
	// RateLimited calls get HTTP 429 with Retry-After; calls to the same
	// bucket inside that window count as early retries.
	RateLimited float64
	// RetryAfter is the wait announced with those 429s. Default 1 s.
	RetryAfter time.Duration
	// ServerError calls get HTTP 503.
	ServerError float64
	// Reset calls have their connection closed before they are processed.
	Reset float64
	// Spike calls are answered after SpikeLatency (default 1 s) more.
	Spike        float64
	SpikeLatency time.Duration
}

// ChaosCount is how many calls each kind of chaos fault answered.
type ChaosCount struct {
	RateLimited, ServerError, Reset, Spike, Calls int
}

type chaosTable struct {
	mu    sync.Mutex
	on    bool
	c     Chaos
	rng   *rand.Rand
	count ChaosCount
}

// SetChaos turns random faults on; the zero Chaos turns them off.
func (s *Server) SetChaos(c Chaos) {
	if c.RetryAfter <= 0 {
		c.RetryAfter = time.Second
	}
	if c.SpikeLatency <= 0 {
		c.SpikeLatency = time.Second
	}
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	s.chaos.on = c.RateLimited+c.ServerError+c.Reset+c.Spike > 0
	s.chaos.c = c
	s.chaos.rng = rand.New(rand.NewSource(c.Seed))
}

// ChaosCounts reports the faults Chaos has injected so far.
func (s *Server) ChaosCounts() ChaosCount {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	return s.chaos.count
}

// roll draws the fate of one call: a fault to answer with, or extra latency.
func (t *chaosTable) roll() (f Fault, hit bool, spike time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return Fault{}, false, 0
	}
	t.count.Calls++
	p := t.rng.Float64()
	switch c := t.c; {
	case p < c.RateLimited:
		t.count.RateLimited++
		return Fault{Status: http.StatusTooManyRequests, RetryAfter: c.RetryAfter, Times: 1}, true, 0
	case p < c.RateLimited+c.ServerError:
		t.count.ServerError++
		return Fault{Status: http.StatusServiceUnavailable, Times: 1}, true, 0
	case p < c.RateLimited+c.ServerError+c.Reset:
		t.count.Reset++
		return Fault{Drop: true, Times: 1}, true, 0
	}
	if t.rng.Float64() < t.c.Spike {
		t.count.Spike++
		return Fault{}, false, t.c.SpikeLatency
	}
	return Fault{}, false, 0
}

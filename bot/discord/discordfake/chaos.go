package discordfake

import (
	"math/rand"
	"net/http"
	"sync"
	"time"
)

// Chaos answers a random share of REST calls with a fault, drawn from a
// seeded source so that a run can be repeated. Shares are probabilities in
// [0, 1] and are tried in the order RateLimited, ServerError, Reset; a call
// that gets none of them is answered normally, and a Spike share of those has
// its answer held back by SpikeLatency. Queued faults (InjectFault) go first.
type Chaos struct {
	Seed int64
	// RateLimited calls get a 429 with retry_after RetryAfter (default 1 s)
	// on their bucket; calls to the bucket inside that window count as early
	// retries.
	RateLimited float64
	RetryAfter  time.Duration
	// ServerError calls get HTTP 502 from the edge.
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

// chaosFate is what Chaos decided for one call.
type chaosFate struct {
	rateLimited bool
	retryAfter  time.Duration
	fault       *Fault
	spike       time.Duration
}

func (t *chaosTable) roll() chaosFate {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return chaosFate{}
	}
	t.count.Calls++
	p := t.rng.Float64()
	switch c := t.c; {
	case p < c.RateLimited:
		t.count.RateLimited++
		return chaosFate{rateLimited: true, retryAfter: c.RetryAfter}
	case p < c.RateLimited+c.ServerError:
		t.count.ServerError++
		return chaosFate{fault: &Fault{Status: http.StatusBadGateway}}
	case p < c.RateLimited+c.ServerError+c.Reset:
		t.count.Reset++
		return chaosFate{fault: &Fault{Drop: true}}
	}
	if t.rng.Float64() < t.c.Spike {
		t.count.Spike++
		return chaosFate{spike: t.c.SpikeLatency}
	}
	return chaosFate{}
}

// block refuses rule's bucket for major until the end of retry, as a 429
// with that retry_after does; it returns the decision to answer with.
func (l *rateLimiter) block(rule, major string, now time.Time, retry time.Duration) limitDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := rule + "|" + major
	retry = ceilMS(retry)
	if until := now.Add(retry); until.After(l.blocked[key]) {
		l.blocked[key] = until
		l.injected[key] = now
	}
	rl := l.scaled(l.rules[rule])
	return limitDecision{hash: bucketHash(rule), limit: rl.Limit, resetAt: now.Add(retry), resetAfter: retry, retryAfter: retry}
}

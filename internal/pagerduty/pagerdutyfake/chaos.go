package pagerdutyfake

import (
	"math/rand"
	"time"
)

// Chaos answers a random share of enqueue requests with a failure, drawn from
// a seeded source so that a run can be repeated. Shares are probabilities in
// [0, 1], tried in the order RateLimited, ServerError, Reset; a request that
// gets none of them is processed, and a Spike share of those is answered
// SpikeLatency (default 1 s) late. Scripted faults (InjectFault) go first.
type Chaos struct {
	Seed int64
	// RateLimited requests get 429 "throttle event" (PagerDuty sends no
	// Retry-After).
	RateLimited float64
	// ServerError requests get HTTP 500.
	ServerError float64
	// Reset requests have their connection closed before they are read.
	Reset        float64
	Spike        float64
	SpikeLatency time.Duration
}

// ChaosCount is how many requests each kind of chaos failure answered.
type ChaosCount struct {
	RateLimited, ServerError, Reset, Spike, Calls int
}

type chaosState struct {
	on    bool
	c     Chaos
	rng   *rand.Rand
	count ChaosCount
}

// SetChaos turns random failures on; the zero Chaos turns them off.
func (s *Server) SetChaos(c Chaos) {
	if c.SpikeLatency <= 0 {
		c.SpikeLatency = time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = chaosState{on: c.RateLimited+c.ServerError+c.Reset+c.Spike > 0, c: c, rng: rand.New(rand.NewSource(c.Seed))}
}

// ChaosCounts reports the failures Chaos has injected so far.
func (s *Server) ChaosCounts() ChaosCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chaos.count
}

// chaosFate is what Chaos decided for one request.
type chaosFate struct {
	status int
	reset  bool
	delay  time.Duration
}

// rollLocked draws the fate of one request; s.mu is held.
func (s *Server) rollLocked() chaosFate {
	st := &s.chaos
	if !st.on {
		return chaosFate{}
	}
	st.count.Calls++
	p := st.rng.Float64()
	switch c := st.c; {
	case p < c.RateLimited:
		st.count.RateLimited++
		return chaosFate{status: 429}
	case p < c.RateLimited+c.ServerError:
		st.count.ServerError++
		return chaosFate{status: 500}
	case p < c.RateLimited+c.ServerError+c.Reset:
		st.count.Reset++
		return chaosFate{reset: true}
	}
	if st.rng.Float64() < st.c.Spike {
		st.count.Spike++
		return chaosFate{delay: st.c.SpikeLatency}
	}
	return chaosFate{}
}

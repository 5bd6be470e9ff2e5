package mim

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Rotation is the SMO on-call rotation: Members[0] is on call from Start; each
// activation of Handoff after Start hands over to the next member, wrapping around.
type Rotation struct {
	Members []string
	Start   time.Time
	Handoff Schedule // evaluated in the configured time zone
	// walked remembers the latest handoff OnCall reached, so that the next call walks
	// on from there instead of from Start (a daily rotation started years ago is a
	// thousand handoffs per declaration otherwise); nil: walk from Start each time.
	walked *walk
}

// walk is a handoff reached, and how many handoffs came before it.
type walk struct {
	mu sync.Mutex
	at time.Time
	n  int
}

// NewRotation returns a rotation that remembers how far it walked.
func NewRotation(members []string, start time.Time, handoff Schedule) Rotation {
	return Rotation{Members: members, Start: start, Handoff: handoff, walked: &walk{}}
}

// maxHandoffs bounds the walk from Start to t, so that a per-minute handoff started
// decades ago cannot stall a declare. A real rotation is far below it.
const maxHandoffs = 2_000_000

// Shift is one member's turn on call.
type Shift struct {
	Member string
	Start  time.Time // zero when t is before the rotation's start
	End    time.Time
}

// OnCall returns the shift that covers t.
func (r Rotation) OnCall(t time.Time) Shift {
	if len(r.Members) == 0 {
		return Shift{}
	}
	if t.Before(r.Start) || r.Handoff == nil {
		end := r.Start
		if r.Handoff == nil {
			end = time.Time{}
		}
		return Shift{Member: r.Members[0], End: end}
	}
	start, n := r.Start, 0
	if r.walked != nil {
		r.walked.mu.Lock()
		if !r.walked.at.IsZero() && !r.walked.at.After(t) {
			start, n = r.walked.at, r.walked.n
		}
		r.walked.mu.Unlock()
	}
	shift := func(end time.Time) Shift {
		if r.walked != nil {
			r.walked.mu.Lock()
			if start.After(r.walked.at) {
				r.walked.at, r.walked.n = start, n
			}
			r.walked.mu.Unlock()
		}
		return Shift{Member: r.Members[n%len(r.Members)], Start: start, End: end}
	}
	for i := 0; i < maxHandoffs; i++ {
		next := r.Handoff.Next(start)
		if next.IsZero() {
			return shift(time.Time{})
		}
		if next.After(t) {
			return shift(next)
		}
		start = next
		n++
	}
	return shift(time.Time{})
}

// Order returns the members in the order they should be asked at t: the one on call,
// then the ones after in rotation order.
func (r Rotation) Order(t time.Time) []string {
	on := r.OnCall(t).Member
	i := slices.Index(r.Members, on)
	if i < 0 {
		return slices.Clone(r.Members)
	}
	return append(slices.Clone(r.Members[i:]), r.Members[:i]...)
}

// Skip is a rotation member passed over for neutrality or load, with the reason.
type Skip struct {
	Member string
	Reason string
}

// Selection is the outcome of choosing a neutral incident manager.
type Selection struct {
	IM    string // "" when nobody is eligible
	Skips []Skip
}

// SelectIM chooses the incident manager for an incident that impacts towers, at t:
// the on-call member first, skipping anyone who leads an impacted tower or already
// holds maxConcurrent open major incidents (held reports that number).
func SelectIM(cfg *Config, towers []string, t time.Time, held func(string) int) Selection {
	var sel Selection
	for _, m := range cfg.Rotation.Order(t) {
		if led := leadsAny(cfg, m, towers); led != "" {
			sel.Skips = append(sel.Skips, Skip{m, fmt.Sprintf("leads the impacted %s tower", led)})
			continue
		}
		if cfg.MaxConcurrent > 0 {
			if n := held(m); n >= cfg.MaxConcurrent {
				sel.Skips = append(sel.Skips, Skip{m, fmt.Sprintf("already manages %d open major incident(s) (max_concurrent %d)", n, cfg.MaxConcurrent)})
				continue
			}
		}
		sel.IM = m
		return sel
	}
	return sel
}

// leadsAny returns the first of towers that key leads, or "".
func leadsAny(cfg *Config, key string, towers []string) string {
	for _, t := range towers {
		if slices.Contains(cfg.Towers[t].Leads, key) {
			return t
		}
	}
	return ""
}

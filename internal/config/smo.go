package config

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// smo reads the SMO: the rotation, the head and max_concurrent.
func (r *reader) smo(n *yaml.Node, path string, cfg *mim.Config) {
	f := r.fields(n, path, "rotation", "head", "max_concurrent", "problem_owner")
	cfg.Rotation = r.rotation(f["rotation"], join(path, "rotation"), cfg)

	headPath := join(path, "head")
	cfg.Head = r.persons(f["head"], headPath, cfg.People)
	if len(cfg.Head) == 0 && !r.reported(headPath) {
		r.addf(headPath, "at least one person is required: hierarchical escalations go there")
	}

	cfg.MaxConcurrent = r.atLeastOne(f["max_concurrent"], join(path, "max_concurrent"), 1)

	// problem_owner: who owns the RCA of closed incidents (default: the first head).
	if n := f["problem_owner"]; !absent(n) {
		p := join(path, "problem_owner")
		if key := r.text(n, p); key != "" {
			if _, ok := cfg.People[key]; !ok {
				r.addf(p, "unknown person %q", key)
			}
			cfg.ProblemOwner = key
		}
	}
}

// rotation reads members, start and handoff.
func (r *reader) rotation(n *yaml.Node, path string, cfg *mim.Config) mim.Rotation {
	f := r.fields(n, path, "members", "start", "handoff")
	var rot mim.Rotation

	membersPath := join(path, "members")
	rot.Members = r.persons(f["members"], membersPath, cfg.People)
	if len(rot.Members) == 0 && !r.reported(membersPath) {
		r.addf(membersPath, "at least one member is required")
	}

	startPath := join(path, "start")
	switch start := strings.TrimSpace(r.text(f["start"], startPath)); {
	case start == "":
		if !r.reported(startPath) {
			r.addf(startPath, "required: when the first member's first shift begins, such as 2026-01-05T09:00:00Z")
		}
	default:
		t, err := time.Parse(time.RFC3339, start)
		switch {
		case err != nil:
			r.addf(startPath, "%q is not an RFC 3339 time (such as 2026-01-05T09:00:00Z)", start)
		case t.Year() < 2000:
			// Who is on call is counted in handoffs from the start: a start decades ago
			// makes every declaration count them all.
			r.addf(startPath, "%s is before 2000: use the start of a recent shift of the first member, such as 2026-01-05T09:00:00Z", start)
		}
		rot.Start = t
	}

	rot = mim.NewRotation(rot.Members, rot.Start, nil)
	handoffPath := join(path, "handoff")
	rot.Handoff, _ = r.schedule(f["handoff"], handoffPath, cfg.Location, true)
	if rot.Handoff != nil && !rot.Start.IsZero() && !r.reported(handoffPath) {
		if gap := shortestGap(rot.Handoff, rot.Start, 64); gap < time.Hour {
			r.addf(handoffPath, "hands over %s after the previous handoff: a shift must last at least an hour (such as \"0 9 * * MON\", weekly)", duration(gap))
		}
	}
	return rot
}

// shortestGap is the shortest time between two of the first n activations of s after
// from.
func shortestGap(s mim.Schedule, from time.Time, n int) time.Duration {
	shortest := time.Duration(1<<63 - 1)
	prev := s.Next(from)
	for range n {
		next := s.Next(prev)
		if next.IsZero() || prev.IsZero() {
			break
		}
		shortest = min(shortest, next.Sub(prev))
		prev = next
	}
	return shortest
}

// reported tells whether a problem was already recorded at path or under it, so that a
// value that is malformed is not also reported as missing.
func (r *reader) reported(path string) bool {
	for _, p := range r.problems {
		if p.Key == path || strings.HasPrefix(p.Key, path+"[") || strings.HasPrefix(p.Key, path+".") {
			return true
		}
	}
	return false
}

// atLeastOne reads a whole number >= 1; def when absent.
func (r *reader) atLeastOne(n *yaml.Node, path string, def int) int {
	if absent(n) {
		return def
	}
	s := r.text(n, path)
	if r.reported(path) {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		r.addf(path, "%q is not a whole number", s)
	case v < 1:
		r.addf(path, "must be at least 1")
	}
	return v
}

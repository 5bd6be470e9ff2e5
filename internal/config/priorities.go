package config

import (
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// defaultMatrix is the contract's impact x urgency matrix.
func defaultMatrix() map[mim.Level]map[mim.Level]mim.Priority {
	return map[mim.Level]map[mim.Level]mim.Priority{
		mim.High:   {mim.High: mim.P0, mim.Medium: mim.P1, mim.Low: mim.P2},
		mim.Medium: {mim.High: mim.P1, mim.Medium: mim.P2, mim.Low: mim.P3},
		mim.Low:    {mim.High: mim.P2, mim.Medium: mim.P3, mim.Low: mim.P4},
	}
}

// defaultTargets is the contract's policy: P0-P2 have a status-update cadence, P3 and P4
// have none.
func defaultTargets() map[mim.Priority]mim.Target {
	return map[mim.Priority]mim.Target{
		mim.P0: {Respond: 5 * time.Minute, Resolve: 4 * time.Hour, UpdateEvery: 15 * time.Minute},
		mim.P1: {Respond: 15 * time.Minute, Resolve: 8 * time.Hour, UpdateEvery: 30 * time.Minute},
		mim.P2: {Respond: time.Hour, Resolve: 24 * time.Hour, UpdateEvery: time.Hour},
		mim.P3: {Respond: 8 * time.Hour, Resolve: 72 * time.Hour},
		mim.P4: {Respond: 24 * time.Hour, Resolve: 120 * time.Hour},
	}
}

// priorities reads the matrix, the major priorities and the policy.
func (r *reader) priorities(n *yaml.Node, path string) mim.Policy {
	f := r.fields(n, path, "matrix", "major", "policy")
	var p mim.Policy
	p.Matrix = r.matrix(f["matrix"], join(path, "matrix"))
	p.Major = r.major(f["major"], join(path, "major"))
	p.Targets = r.policy(f["policy"], join(path, "policy"), p.Major)
	return p
}

// matrix reads impact -> urgency -> priority; the contract's matrix when absent, and
// all nine cells when given.
func (r *reader) matrix(n *yaml.Node, path string) map[mim.Level]map[mim.Level]mim.Priority {
	if absent(n) {
		return defaultMatrix()
	}
	rows, ok := r.entries(n, path, "impact levels to rows, such as high: {high: P0, medium: P1, low: P2}")
	if !ok {
		return nil
	}
	m := map[mim.Level]map[mim.Level]mim.Priority{}
	given := map[string]bool{} // paths of rows and cells present, valid or not
	for _, row := range rows {
		given[row.path] = true
		impact := mim.Level(row.key)
		if !slices.Contains(mim.Levels, impact) {
			r.addf(row.path, "%q is not an impact level (use high, medium or low)", row.key)
			continue
		}
		cells, ok := r.entries(row.value, row.path, "urgency levels to priorities, such as {high: P0, medium: P1, low: P2}")
		if !ok {
			continue
		}
		m[impact] = map[mim.Level]mim.Priority{}
		for _, c := range cells {
			given[c.path] = true
			urgency := mim.Level(c.key)
			if !slices.Contains(mim.Levels, urgency) {
				r.addf(c.path, "%q is not an urgency level (use high, medium or low)", c.key)
				continue
			}
			if pr, ok := r.priority(c.value, c.path); ok {
				m[impact][urgency] = pr
			}
		}
	}
	for _, impact := range mim.Levels {
		rowPath := join(path, string(impact))
		if !given[rowPath] {
			r.addf(rowPath, "required: the matrix needs a row for each impact (high, medium, low)")
			continue
		}
		if m[impact] == nil {
			continue
		}
		for _, urgency := range mim.Levels {
			if cellPath := join(rowPath, string(urgency)); !given[cellPath] {
				r.addf(cellPath, "required: each row needs a priority for each urgency (high, medium, low)")
			}
		}
	}
	return m
}

// priority reads one of P0..P4.
func (r *reader) priority(n *yaml.Node, path string) (mim.Priority, bool) {
	s := r.text(n, path)
	if r.reported(path) {
		return 0, false
	}
	pr, err := mim.ParsePriority(s)
	if err != nil {
		r.addf(path, "%q is not a priority (use P0, P1, P2, P3 or P4)", s)
		return 0, false
	}
	return pr, true
}

// major reads the priorities that get the major-incident procedure; [P0, P1] when absent.
func (r *reader) major(n *yaml.Node, path string) []mim.Priority {
	if absent(n) {
		return []mim.Priority{mim.P0, mim.P1}
	}
	items := r.texts(n, path, "[P0, P1]")
	var out []mim.Priority
	for _, it := range items {
		if !it.ok {
			continue
		}
		pr, err := mim.ParsePriority(it.value)
		switch {
		case err != nil:
			r.addf(it.path, "%q is not a priority (use P0, P1, P2, P3 or P4)", it.value)
		case slices.Contains(out, pr):
			r.addf(it.path, "%q is listed twice", it.value)
		default:
			out = append(out, pr)
		}
	}
	if len(items) == 0 && !r.reported(path) {
		r.addf(path, "at least one priority is required: without one, no incident is major")
	}
	return out
}

// policy reads the targets of every priority; the contract's policy when absent. Either
// way, every major priority needs an update cadence.
func (r *reader) policy(n *yaml.Node, path string, major []mim.Priority) map[mim.Priority]mim.Target {
	out := defaultTargets()
	if !absent(n) {
		out = r.targets(n, path)
	}
	for _, pr := range major {
		t, ok := out[pr]
		p := join(join(path, pr.String()), "update_every")
		if !ok || r.reported(p) {
			continue
		}
		if t.UpdateEvery <= 0 {
			r.addf(p, "required, more than 0, for a major priority (%s is in priorities.major): a major incident without a cadence would never be reminded", pr)
		}
	}
	return out
}

// targets reads a written policy, which must cover P0..P4.
func (r *reader) targets(n *yaml.Node, path string) map[mim.Priority]mim.Target {
	es, ok := r.entries(n, path, "priorities to targets, such as P0: {respond: 5m, resolve: 4h, update_every: 15m}")
	if !ok {
		return nil
	}
	out := map[mim.Priority]mim.Target{}
	given := map[string]bool{}
	for _, e := range es {
		given[e.key] = true
		pr, err := mim.ParsePriority(e.key)
		if err != nil || pr.String() != e.key {
			r.addf(e.path, "%q is not a priority (use P0, P1, P2, P3 or P4)", e.key)
			continue
		}
		f := r.fields(e.value, e.path, "respond", "resolve", "update_every", "rca_within")
		t := mim.Target{
			Respond: r.positive(f["respond"], join(e.path, "respond"), 0),
			Resolve: r.positive(f["resolve"], join(e.path, "resolve"), 0),
		}
		if rca := f["rca_within"]; !absent(rca) {
			t.RCAWithin = r.positive(rca, join(e.path, "rca_within"), 0)
		}
		if u := f["update_every"]; !absent(u) {
			every, ok := r.duration(u, join(e.path, "update_every"))
			if ok && every < 0 {
				r.addf(join(e.path, "update_every"), "must not be negative (0 or leave it out: no cadence)")
			}
			t.UpdateEvery = every
		}
		out[pr] = t
	}
	for _, pr := range mim.Priorities {
		if !given[pr.String()] {
			r.addf(join(path, pr.String()), "required: the policy needs respond and resolve for every priority, P0 to P4")
		}
	}
	return out
}

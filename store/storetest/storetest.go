package storetest

import (
	"errors"
	"testing"
	"time"

	"mimbot/mim"
)

// Run runs the suite. open must return an empty, migrated store of its own for each
// call (the subtests run in parallel) and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) mim.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Incident", incidentTests()},
		{"Room", roomTests()},
		{"Timer", timerTests()},
		{"Outbox", outboxTests()},
		{"Model", modelTests()},
		{"Queue", queueTests()},
		{"Problem", problemTests()},
		{"Action", actionTests()},
		{"Lease", leaseTests()},
		{"Trend", trendTests()},
		{"Similar", similarTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					tt.run(t, open(t))
				})
			}
		})
	}
}

// test is one named case of the suite, run on a fresh store.
type test struct {
	name string
	run  func(t *testing.T, s mim.Store)
}

// at is the suite's clock: d after 2026-03-01T10:00:00Z.
func at(d time.Duration) time.Time {
	return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).Add(d)
}

// declare creates a major P1 incident declared by alice at at(0), with one timeline
// entry, and lets edit add to it. It fails the test unless the incident is created.
func declare(t *testing.T, s mim.Store, requestKey string, edit func(*mim.Incident, *mim.Change)) *mim.Incident {
	t.Helper()
	inc, created, err := s.CreateIncident(t.Context(), requestKey, func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
		basic(inc, ch)
		if edit != nil {
			edit(inc, ch)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("CreateIncident(%q): %v", requestKey, err)
	}
	if !created {
		t.Fatalf("CreateIncident(%q): created = false, want true", requestKey)
	}
	return inc
}

// basic fills what every declared incident has.
func basic(inc *mim.Incident, ch *mim.Change) {
	inc.Title = "Payments down"
	inc.Impact, inc.Urgency = mim.High, mim.Medium
	inc.Priority = mim.P1
	inc.Major = true
	inc.State = mim.Declared
	inc.DeclaredBy = "alice"
	inc.Source = "slack"
	inc.Platforms = []string{"slack"}
	inc.DeclaredAt = at(0)
	ch.Log(at(0), mim.KindDeclared, "alice", "Declared "+inc.Ref())
}

// update runs UpdateIncident and fails the test if it fails.
func update(t *testing.T, s mim.Store, n int, fn func(*mim.Incident, *mim.Change)) *mim.Incident {
	t.Helper()
	inc, err := s.UpdateIncident(t.Context(), n, func(inc *mim.Incident, ch *mim.Change) error {
		fn(inc, ch)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateIncident(%d): %v", n, err)
	}
	return inc
}

// get runs Incident and fails the test if it fails.
func get(t *testing.T, s mim.Store, n int) *mim.Incident {
	t.Helper()
	inc, err := s.Incident(t.Context(), n)
	if err != nil {
		t.Fatalf("Incident(%d): %v", n, err)
	}
	return inc
}

// claimTimers runs ClaimTimers with a one-minute lease and fails the test if it fails.
func claimTimers(t *testing.T, s mim.Store, now time.Time, owner string, limit int) []mim.Timer {
	t.Helper()
	ts, err := s.ClaimTimers(t.Context(), now, time.Minute, owner, limit)
	if err != nil {
		t.Fatalf("ClaimTimers(%v, %s): %v", now, owner, err)
	}
	return ts
}

// claimMessages runs ClaimMessages for every platform the suite uses, with a
// one-minute lease, and fails the test if it fails.
func claimMessages(t *testing.T, s mim.Store, now time.Time, owner string, limit int) []mim.Outgoing {
	t.Helper()
	var ms []mim.Outgoing
	for _, d := range claimDeliveries(t, s, now, owner, []string{"discord", "slack"}, limit) {
		ms = append(ms, d.Message)
	}
	return ms
}

// claimDeliveries runs ClaimMessages for platforms with a one-minute lease and fails
// the test if it fails.
func claimDeliveries(t *testing.T, s mim.Store, now time.Time, owner string, platforms []string, limit int) []mim.Delivery {
	t.Helper()
	ds, err := s.ClaimMessages(t.Context(), now, time.Minute, owner, platforms, limit)
	if err != nil {
		t.Fatalf("ClaimMessages(%v, %s, %q): %v", now, owner, platforms, err)
	}
	return ds
}

// nextDue runs NextDue and fails the test if it fails.
func nextDue(t *testing.T, s mim.Store) time.Time {
	t.Helper()
	due, err := s.NextDue(t.Context())
	if err != nil {
		t.Fatalf("NextDue: %v", err)
	}
	return due
}

// wantCode fails the test unless err carries a *mim.Error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *mim.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want a *mim.Error with code %q", err, code)
	}
}

// wantStale fails the test unless err is mim.ErrStale.
func wantStale(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, mim.ErrStale) {
		t.Fatalf("err = %v, want mim.ErrStale", err)
	}
}

// keys returns the keys of ts, in order.
func keys(ts []mim.Timer) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Key)
	}
	return out
}

// texts returns the texts of ms, in order.
func texts(ms []mim.Outgoing) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

package storetest

import (
	stdcmp "cmp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// trendStore is what the trend report reads; every store of the suite has it.
type trendStore interface {
	mim.TrendReader
	mim.ProblemLister
}

func trendTests() []test {
	return []test{
		{"IncidentsInWindow", testTrendIncidents},
		{"Problems", testTrendProblems},
	}
}

func trendOf(t *testing.T, s mim.Store) trendStore {
	t.Helper()
	ts, ok := s.(trendStore)
	if !ok {
		t.Fatalf("%T does not read trends (mim.TrendReader, mim.ProblemLister)", s)
	}
	return ts
}

// testTrendIncidents: the window is [since, until) on the declaration, every figure's
// input comes back as written, and a change after the declaration is what is read.
func testTrendIncidents(t *testing.T, s mim.Store) {
	ctx := t.Context()
	ts := trendOf(t, s)
	declareAt := func(d time.Duration, edit func(*mim.Incident)) *mim.Incident {
		return declare(t, s, "", func(inc *mim.Incident, ch *mim.Change) {
			inc.DeclaredAt = at(d)
			if edit != nil {
				edit(inc)
			}
		})
	}
	declareAt(-time.Minute, nil) // before the window
	first := declareAt(0, func(inc *mim.Incident) {
		inc.Towers = []string{"application", "database"}
		inc.IM = "alice"
		inc.RespondedAt = at(4 * time.Minute)
		inc.ResolveDue = at(8 * time.Hour)
		inc.Pages = []mim.Page{
			{Person: "dave", Tower: "application", PagedAt: at(time.Minute), AckedAt: at(3 * time.Minute)},
			{Person: "frank", Tower: "database", Level: 1, PagedAt: at(time.Minute), Replaced: true},
		}
		inc.Updates = mim.UpdateTally{OnTime: 2, Late: 1}
	})
	second := declareAt(time.Hour, func(inc *mim.Incident) {
		inc.Priority, inc.Major = mim.P3, false
	})
	declareAt(2*time.Hour, nil) // at until: outside
	if _, err := s.UpdateIncident(ctx, first.Number, func(inc *mim.Incident, ch *mim.Change) error {
		inc.State, inc.ResolvedAt = mim.Resolved, at(3*time.Hour)
		inc.Updates.Missed++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := ts.TrendIncidents(ctx, at(0), at(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b mim.TrendIncident) int { return stdcmp.Compare(a.Number, b.Number) })
	want := []mim.TrendIncident{
		{
			Number: first.Number, Priority: mim.P1, Major: true, State: mim.Resolved,
			Towers: []string{"application", "database"}, IM: "alice",
			DeclaredAt: at(0), RespondedAt: at(4 * time.Minute), ResolvedAt: at(3 * time.Hour), ResolveDue: at(8 * time.Hour),
			Pages: []mim.Page{
				{Person: "dave", Tower: "application", PagedAt: at(time.Minute), AckedAt: at(3 * time.Minute)},
				{Person: "frank", Tower: "database", Level: 1, PagedAt: at(time.Minute), Replaced: true},
			},
			Updates: mim.UpdateTally{OnTime: 2, Late: 1, Missed: 1},
		},
		{Number: second.Number, Priority: mim.P3, State: mim.Declared, DeclaredAt: at(time.Hour)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TrendIncidents [at(0), at(2h)) (-want +got):\n%s", diff)
	}
	none, err := ts.TrendIncidents(ctx, at(10*time.Hour), at(20*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(none) != 0 {
		t.Errorf("TrendIncidents of an empty window = %d incidents, want none", len(none))
	}
}

// testTrendProblems: each problem record once, oldest first, with every incident it
// links, whether it is still open and whether its root cause is recorded; and every
// follow-up action with its due and done times.
func testTrendProblems(t *testing.T, s mim.Store) {
	ctx := t.Context()
	ts := trendOf(t, s)
	declare(t, s, "", nil) // no problem record
	a := declare(t, s, "", nil).Number
	b := declare(t, s, "", nil).Number
	c := declare(t, s, "", nil).Number
	first := openProblem(t, s, a, func(p *mim.Problem) { p.Owner, p.CreatedAt = "hana", at(time.Hour) })
	update(t, s, c, func(_ *mim.Incident, ch *mim.Change) { ch.Problems = append(ch.Problems, first) })
	second := openProblem(t, s, b, func(p *mim.Problem) { p.CreatedAt = at(2 * time.Hour) })
	work(t, s, second.Ref, func(e *mim.ProblemEdit) {
		e.Problem.RootCause, e.Problem.State, e.Problem.ClosedAt = "A full disk", mim.ProblemClosed, at(3*time.Hour)
	})
	late := addAction(t, s, a, "Alert on disk space", "frank", at(24*time.Hour))
	addAction(t, s, b, "Runbook for fail-over", "dave", at(48*time.Hour))
	if _, err := s.UpdateAction(ctx, late.Number, func(e *mim.ActionEdit) error {
		e.Action.DoneAt, e.Action.DoneBy = at(30*time.Hour), "frank"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, actions, err := ts.TrendProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []mim.TrendProblem{
		{Ref: first.Ref, Owner: "hana", Due: first.Due, Open: true, Incidents: []int{a, c}},
		{Ref: second.Ref, Owner: "bob", Due: second.Due, Open: false, RootCause: true, Incidents: []int{b}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TrendProblems (-want +got):\n%s", diff)
	}
	wantActions := []mim.TrendAction{{Due: at(24 * time.Hour), DoneAt: at(30 * time.Hour)}, {Due: at(48 * time.Hour)}}
	if diff := cmp.Diff(wantActions, actions); diff != "" {
		t.Errorf("TrendProblems actions (-want +got):\n%s", diff)
	}
}

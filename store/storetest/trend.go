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

// testTrendProblems: one problem per reference, with every incident that shares it,
// whatever the incidents' age.
func testTrendProblems(t *testing.T, s mim.Store) {
	ctx := t.Context()
	ts := trendOf(t, s)
	declare(t, s, "", nil) // no problem record
	withProblem := func(ref string, d time.Duration) int {
		return declare(t, s, "", func(inc *mim.Incident, ch *mim.Change) {
			inc.DeclaredAt = at(d)
			inc.State = mim.Closed
			inc.Problem = &mim.Problem{Ref: ref, Owner: "hana", Due: at(d + 120*time.Hour), CreatedAt: at(d + time.Hour)}
		}).Number
	}
	a := withProblem("PRB-1", -9000*time.Hour)
	b := withProblem("PRB-2", 0)
	c := withProblem("PRB-1", time.Hour)
	got, actions, err := ts.TrendProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []mim.TrendProblem{
		{Ref: "PRB-1", Owner: "hana", Due: at(-9000*time.Hour + 120*time.Hour), Open: true, Incidents: []int{a, c}},
		{Ref: "PRB-2", Owner: "hana", Due: at(120 * time.Hour), Open: true, Incidents: []int{b}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TrendProblems (-want +got):\n%s", diff)
	}
	if len(actions) != 0 {
		t.Errorf("TrendProblems actions = %v, want none (no store keeps actions yet)", actions)
	}
}

package storetest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func similarTests() []test {
	return []test{
		{"RankedTheSameOnEveryDialect", testSimilarRanking},
		{"ReopenedLeavesTheIndex", testSimilarReopened},
		{"EditsOfAResolvedIncidentReindex", testSimilarReindex},
		{"NoTermsNoResults", testSimilarNoTerms},
		{"NarrowedSearchRanksAsTheWhole", testSimilarNarrowed},
	}
}

// similarFixture is a past incident of the conformance fixtures.
type similarFixture struct {
	title, description, diagnosis, workaround string
	towers                                    []string
	state                                     mim.State
	resolved                                  time.Duration // after at(0)
}

// seedSimilar declares and resolves (or closes) each fixture in order, so that the
// n-th fixture is incident #n, and returns their numbers.
func seedSimilar(t *testing.T, s mim.Store, fixtures []similarFixture) []int {
	t.Helper()
	var numbers []int
	for _, f := range fixtures {
		inc := declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
			inc.Title, inc.Description, inc.Towers = f.title, f.description, f.towers
			inc.DeclaredAt = at(f.resolved - 90*time.Minute)
		})
		update(t, s, inc.Number, func(inc *mim.Incident, _ *mim.Change) {
			inc.Diagnosis, inc.Workaround = f.diagnosis, f.workaround
			inc.State = f.state
			if f.state == mim.Resolved || f.state == mim.Closed {
				inc.ResolvedAt = at(f.resolved)
			}
			if f.state == mim.Closed {
				inc.ClosedAt = at(f.resolved + time.Hour)
			}
		})
		numbers = append(numbers, inc.Number)
	}
	return numbers
}

// refs are the refs of results, in order.
func refs(results []mim.Similar) []string {
	out := []string{}
	for _, r := range results {
		out = append(out, fmt.Sprintf("%s/%d", r.Ref(), r.Matched))
	}
	return out
}

func similar(t *testing.T, s mim.Store, q mim.SimilarQuery) []mim.Similar {
	t.Helper()
	got, err := s.Similar(t.Context(), q)
	if err != nil {
		t.Fatalf("Similar(%v): %v", q.Terms, err)
	}
	return got
}

// testSimilarRanking checks the exact ranking of the conformance fixtures: known
// errors first, then terms matched, shared towers, most recent, number; incidents
// older than Since, still open, or matching no term are left out.
func testSimilarRanking(t *testing.T, s mim.Store) {
	day := 24 * time.Hour
	n := seedSimilar(t, s, []similarFixture{
		// #1: every term, but resolved 400 days ago: outside the window.
		{title: "Checkout payments timing out", workaround: "Restart the gateway", towers: []string{"application"}, state: mim.Resolved, resolved: -400 * day},
		// #2: three terms (title and diagnosis), database tower.
		{title: "Payments timing out", diagnosis: "Checkout pool exhausted", workaround: "Raise the pool size", towers: []string{"database"}, state: mim.Resolved, resolved: -30 * day},
		// #3: three terms, application tower (shared), older than #4.
		{title: "Checkout slow", description: "payments are timing out for some users", workaround: "Fail over to the secondary provider", towers: []string{"application"}, state: mim.Closed, resolved: -20 * day},
		// #4: three terms, application tower, more recent than #3.
		{title: "Payments timing out at checkout", workaround: "Flush the cache", towers: []string{"application", "network"}, state: mim.Resolved, resolved: -10 * day},
		// #5: one term only ("Payments" in any case), most recent of all.
		{title: "PAYMENTS report late", workaround: "Rerun the batch", towers: []string{"application"}, state: mim.Resolved, resolved: -2 * day},
		// #6: every term but still open: not searched.
		{title: "Checkout payments timing out again", towers: []string{"application"}, state: mim.Investigating, resolved: -day},
		// #7: no term at all ("time" is not "timing"; words are not stemmed).
		{title: "Login time drift", workaround: "Resync the clocks", towers: []string{"application"}, state: mim.Resolved, resolved: -3 * day},
		// #8: "timing" as a whole word inside hyphenated text, one term.
		{title: "Batch-timing/skew", workaround: "Pin the cron host", towers: []string{"platform"}, state: mim.Closed, resolved: -4 * day},
	})
	// A known error matching one term still ranks first.
	p := openProblem(t, s, n[1], nil)
	work(t, s, p.Ref, func(e *mim.ProblemEdit) {
		k := &mim.KnownError{Number: e.NextKnownError, Problem: p.Ref, Title: "Connection pool exhausted on payments",
			RootCause: "Pool sized for last year's load", Workaround: "Raise the pool size", PublishedAt: at(-25 * day)}
		e.Publish = k
		e.Problem.State, e.Problem.KnownError = mim.ProblemKnownError, k.Ref()
	})

	q := mim.SimilarQuery{
		Terms:  mim.QueryTerms("Checkout payments are timing out"),
		Towers: []string{"application"},
		Since:  at(-365 * day),
	}
	if diff := cmp.Diff([]string{"checkout", "payments", "timing"}, q.Terms); diff != "" {
		t.Fatalf("QueryTerms (-want +got):\n%s", diff)
	}
	all := similar(t, s, q)
	want := []string{"KE-1/1", "#4/3", "#3/3", "#2/3", "#5/1", "#8/1"}
	if diff := cmp.Diff(want, refs(all)); diff != "" {
		t.Errorf("ranked refs/terms matched (-want +got):\n%s", diff)
	}
	q.Limit = 3
	if diff := cmp.Diff(want[:3], refs(similar(t, s, q))); diff != "" {
		t.Errorf("best three (-want +got):\n%s", diff)
	}
	if len(all) > 1 {
		got := all[1]
		wantInc := mim.Similar{Kind: mim.SimilarIncident, Number: n[3], Title: "Payments timing out at checkout", Workaround: "Flush the cache",
			Towers: []string{"application", "network"}, At: at(-10 * day), Took: 90 * time.Minute, Matched: 3}
		if diff := cmp.Diff(wantInc, got); diff != "" {
			t.Errorf("result #4 (-want +got):\n%s", diff)
		}
		if ke := all[0]; ke.Kind != mim.SimilarKnownError || ke.Title != "Connection pool exhausted on payments" || ke.Workaround != "Raise the pool size" ||
			!ke.At.Equal(at(-25*day)) || cmp.Diff([]string{"database"}, ke.Towers) != "" {
			t.Errorf("known error = %+v, want KE-1 with the towers of #2", ke)
		}
	}
	// Excluding an incident, and with the window cut to 15 days.
	q.Limit, q.Exclude, q.Since = 0, n[3], at(-15*day)
	if diff := cmp.Diff([]string{"KE-1/1", "#5/1", "#8/1"}, refs(similar(t, s, q))); diff != "" {
		t.Errorf("excluding #4, last 15 days (-want +got):\n%s", diff)
	}
}

func testSimilarReopened(t *testing.T, s mim.Store) {
	n := seedSimilar(t, s, []similarFixture{
		{title: "Disk full on the ledger database", workaround: "Purge the archive", towers: []string{"database"}, state: mim.Resolved, resolved: -time.Hour},
	})
	q := mim.SimilarQuery{Terms: []string{"ledger"}, Since: at(-24 * time.Hour)}
	if diff := cmp.Diff([]string{"#1/1"}, refs(similar(t, s, q))); diff != "" {
		t.Fatalf("resolved (-want +got):\n%s", diff)
	}
	update(t, s, n[0], func(inc *mim.Incident, _ *mim.Change) {
		inc.State, inc.ResolvedAt = mim.Investigating, time.Time{}
	})
	if diff := cmp.Diff([]string{}, refs(similar(t, s, q))); diff != "" {
		t.Errorf("reopened (-want +got):\n%s", diff)
	}
	update(t, s, n[0], func(inc *mim.Incident, _ *mim.Change) {
		inc.State, inc.ResolvedAt = mim.Resolved, at(0)
	})
	if diff := cmp.Diff([]string{"#1/1"}, refs(similar(t, s, q))); diff != "" {
		t.Errorf("resolved again (-want +got):\n%s", diff)
	}
}

func testSimilarReindex(t *testing.T, s mim.Store) {
	n := seedSimilar(t, s, []similarFixture{
		{title: "Queue backlog", workaround: "Scale the consumers", towers: []string{"application"}, state: mim.Resolved, resolved: -time.Hour},
	})
	update(t, s, n[0], func(inc *mim.Incident, _ *mim.Change) {
		inc.Diagnosis = "Kafka partition leader lost"
		inc.State, inc.ClosedAt = mim.Closed, at(0)
	})
	got := similar(t, s, mim.SimilarQuery{Terms: []string{"kafka", "backlog"}, Since: at(-24 * time.Hour)})
	if diff := cmp.Diff([]string{"#1/2"}, refs(got)); diff != "" {
		t.Errorf("after the diagnosis (-want +got):\n%s", diff)
	}
	// Resolved at stays what ranks it, once closed.
	if len(got) == 1 && !got[0].At.Equal(at(-time.Hour)) {
		t.Errorf("at = %v, want the resolve time %v", got[0].At, at(-time.Hour))
	}
}

func testSimilarNoTerms(t *testing.T, s mim.Store) {
	seedSimilar(t, s, []similarFixture{
		{title: "Queue backlog", towers: []string{"application"}, state: mim.Resolved, resolved: -time.Hour},
	})
	if got := similar(t, s, mim.SimilarQuery{Since: at(-24 * time.Hour)}); len(got) != 0 {
		t.Errorf("Similar without terms = %v, want nothing", refs(got))
	}
}

// testSimilarNarrowed: past incidents of two or three words of a small vocabulary, so
// that no incident has all four terms of a query and a store that narrows its search
// (all terms, then all but one, ...) must still return exactly the best three of the
// whole ranking (Limit 0: every candidate).
func testSimilarNarrowed(t *testing.T, s mim.Store) {
	vocab := []string{"payments", "checkout", "latency", "timeout", "gateway", "database"}
	towers := []string{"application", "database", "network"}
	rnd := rand.New(rand.NewPCG(7, 11))
	var fixtures []similarFixture
	for i := range 36 {
		words := rnd.Perm(len(vocab))[:2+i%2]
		title := ""
		for _, w := range words {
			title += vocab[w] + " "
		}
		fixtures = append(fixtures, similarFixture{title: title, towers: []string{towers[rnd.IntN(len(towers))]},
			state: mim.Resolved, resolved: -time.Duration(1+rnd.IntN(48)) * time.Hour})
	}
	seedSimilar(t, s, fixtures)
	for i := range 12 {
		perm := rnd.Perm(len(vocab))
		var terms []string
		for _, w := range perm[:4-i%3] {
			terms = append(terms, vocab[w])
		}
		q := mim.SimilarQuery{Terms: terms, Towers: []string{towers[i%3]}, Since: at(-72 * time.Hour), Limit: 3}
		whole := q
		whole.Limit = 0
		all := similar(t, s, whole)
		want := refs(all[:min(3, len(all))])
		if diff := cmp.Diff(want, refs(similar(t, s, q))); diff != "" {
			t.Errorf("Similar(%v, Limit 3) is not the top of the whole ranking (-want +got):\n%s", terms, diff)
		}
	}
}

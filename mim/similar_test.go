package mim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// TestSimilarOnMajorAndRecurrenceOnce: a major incident is shown its similar
// predecessors in its war room; with them it reaches the recurrence count and opens
// one problem linking all; the next similar incident joins that problem rather than
// open a second one, though each closed predecessor has a problem of its own.
func TestSimilarOnMajorAndRecurrenceOnce(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) { c.ProblemOwner = "bob" })
	h.closed("Payments API timing out", "Fail over to the secondary provider")
	h.closed("Payments API timing out for EU cards", "Restart the gateway")
	h.closed("Payments API timing out again", "")
	h.flush()

	four := h.declare("Payments API timing out", mim.High, mim.High, "database")
	h.flush()
	posts := h.tick(0)
	seen := matching(posts, "war_room", "Seen before? Similar to #4")
	if len(seen) != 1 {
		t.Fatalf("war-room posts of similar incidents: %d, want 1:\n%s", len(seen), describe(posts))
	}
	for _, want := range []string{"#1 Payments API timing out (resolved in 0s); workaround: Fail over to the secondary provider", "#3 Payments API timing out again", "#2 Payments API"} {
		if !strings.Contains(seen[0], want) {
			t.Errorf("post lacks %q:\n%s", want, seen[0])
		}
	}
	if got := matching(posts, "dm:bob", "You own the RCA of PRB-4", "#1, #2, #3 and #4"); len(got) != 1 {
		t.Errorf("bob told %d times, want once:\n%s", len(got), describe(posts))
	}
	inc := h.incident(four.Number)
	if len(inc.Similar) != 3 || inc.Problem == nil || inc.Problem.Ref != "PRB-4" {
		t.Fatalf("#4: similar %v, problem %+v; want three and PRB-4", inc.Similar, inc.Problem)
	}
	for n := 1; n <= 4; n++ {
		if got := count(h.kinds(n), mim.KindProblemOpened); got != 1 {
			t.Errorf("#%d has %d problem_opened entries, want 1", n, got)
		}
	}

	h.declare("Payments API timing out once more", mim.High, mim.High, "database")
	posts = h.tick(0)
	if got := matching(posts, "dm:bob", "You own the RCA"); len(got) != 0 {
		t.Errorf("a fifth incident told the problem owner again:\n%s", describe(got))
	}
	problems, err := h.svc.Store.Problems(h.ctx)
	must(t, err)
	var linked []string
	for _, p := range problems {
		if len(p.Incidents) > 1 {
			linked = append(linked, fmt.Sprint(p.Ref, p.Incidents))
		}
	}
	if diff := cmp.Diff([]string{"PRB-4[1 2 3 4 5]"}, linked); diff != "" {
		t.Errorf("problems linking several incidents (-want +got):\n%s", diff)
	}
	if got := count(h.kinds(5), mim.KindProblemOpened); got != 0 {
		t.Errorf("#5 has %d problem_opened entries, want none (it joined PRB-4)", got)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/api"
)

// similarScript is the README's tour of similar incidents: two incidents resolved
// with a workaround; the third, declared, is shown them at once and, the third of the
// database tower within 30 days, opens a problem record; the problem is worked to a
// known error; the fourth is shown KE-1 first and joins the same problem.
const similarScript = `declare Checkout payments timing out impact=medium urgency=medium towers=database
/as frank
take incident=1
/sleep 4s
workaround Raised the connection pool from 20 to 50 incident=1
resolve Pool size raised incident=1
/as alice
declare Payments timing out at checkout impact=medium urgency=medium towers=database
/as frank
take incident=2
/sleep 3s
workaround Raised the connection pool again incident=2
resolve Pool size raised incident=2
/as alice
declare Checkout payments timing out for EU cards impact=medium urgency=medium towers=database
/sleep 1s
status incident=3
/as hana
problem rca PRB-3 Connection pool sized for last year's load
problem workaround PRB-3 Raise the connection pool to 50
problem known PRB-3
/as alice
declare Checkout payments timing out impact=medium urgency=medium towers=database
/sleep 1s
status incident=4
problem show PRB-3
`

// TestShellSimilarTour runs the tour and keeps its transcript in a golden file, which
// the README shows as it is. Regenerate with go test ./cmd/mimbot -run SimilarTour
// -update.
func TestShellSimilarTour(t *testing.T) {
	e := newEnv(t)
	code, out, errOut := e.run(similarScript, "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var problems []api.Problem
	jsonOf(t, e, &problems, "problem", "list", "--json")
	if len(problems) != 1 || problems[0].Ref != "PRB-3" || fmt.Sprint(problems[0].Incidents) != "[1 2 3 4]" || problems[0].Owner != "hana" {
		t.Errorf("problem list --json: %+v; want PRB-3 alone, owned by hana, linking #1 to #4", problems)
	}
	for n, kind := range map[string]string{"1": "problem_opened", "2": "problem_opened", "3": "problem_opened", "4": "problem"} {
		inc := e.show(n)
		found := 0
		for _, en := range inc.Timeline {
			if en.Kind == kind && strings.Contains(en.Text, "PRB-3") {
				found++
			}
		}
		if found != 1 {
			t.Errorf("#%s has %d %s entries naming PRB-3, want 1", n, found, kind)
		}
	}
	var got []string
	for _, s := range e.show("4").Similar {
		got = append(got, s.Kind+" "+s.Ref+" "+s.Title+" / "+s.Workaround)
	}
	want := []string{
		"known_error KE-1 Checkout payments timing out / Raise the connection pool to 50",
		"incident #2 Payments timing out at checkout / Raised the connection pool again",
		"incident #1 Checkout payments timing out / Raised the connection pool from 20 to 50",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incident show 4 --json similar (-want +got):\n%s", diff)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "shell <<'EOF'\n"+similarScript+"EOF\n") {
		t.Errorf("README.md does not show the tour's script as this test runs it")
	}
	if !strings.Contains(string(readme), out) {
		t.Errorf("README.md does not show the tour's transcript as the shell prints it (testdata/similar.txt)")
	}
	path := filepath.Join("testdata", "similar.txt")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(path); err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	} else if string(want) != out {
		t.Errorf("the transcript changed; if that is meant, run with -update and review the diff.\n--- got\n%s", out)
	}
}

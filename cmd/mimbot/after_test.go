package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mimbot/internal/api"
)

// afterScript closes an incident, works its problem record to a known error (the
// first `problem known` is refused for the missing root cause), and adds an action
// due yesterday: its owner is reminded and the head told, once, however long the
// clock then runs.
const afterScript = `declare Payments down impact=high urgency=high towers=database
/as carol
workaround Traffic on the secondary provider
resolve Pool size raised
close
/sleep 1s
problem show PRB-1
problem known PRB-1
/as dave
problem rca PRB-1 Pool too small
/as hana
problem rca PRB-1 Connection pool exhausted by the new batch job
problem known PRB-1
known search BATCH
/as carol
action add Alert on connection pool saturation owner=frank due=2026-03-01
/sleep 1s
/sleep 72h
action list
/as frank
action list mine
action done 1
action done 1
/as hana
problem close PRB-1 change=CHG-42
known list
/as carol
summary
`

// TestShellAfterTheIncident is the acceptance of problem management, known errors
// and follow-up actions through the terminal chat, kept in a golden file.
// Regenerate with go test ./cmd/mimbot -run AfterTheIncident -update.
func TestShellAfterTheIncident(t *testing.T) {
	e := newEnv(t)
	code, out, errOut := e.run(afterScript, "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"PRB-1 has no root cause yet; a known error needs both. Record it with `problem rca PRB-1 <root cause>`, then `problem known PRB-1`.",
		"Only the owner of PRB-1 (hana) or the SMO",
		"PRB-1 is published as known error KE-1",
		"KE-1 (PRB-1) Payments down",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if got := lines(out, "[dm @frank] Reminder: follow-up action 1"); len(got) != 1 {
		t.Errorf("reminders to frank: %q", got)
	}
	if got := lines(out, "[dm @hana] Escalation on #1 Payments down (P0): follow-up action 1 is overdue"); len(got) != 1 {
		t.Errorf("the head told %d times, want once: %q", len(got), got)
	}
	path := filepath.Join("testdata", "after.txt")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(path); err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	} else if string(want) != out {
		t.Errorf("the transcript changed; if that is meant, run with -update and review the diff.\n--- got\n%s", out)
	}

	// The same through the CLI's JSON.
	inc := e.show("1")
	if inc.Problem == nil || inc.Problem.State != "closed" || inc.Problem.KnownError != "KE-1" || inc.Problem.Change != "CHG-42" ||
		inc.Problem.RootCause != "Connection pool exhausted by the new batch job" || inc.Problem.Workaround != "Traffic on the secondary provider" {
		t.Errorf("incident show --json: problem %+v", inc.Problem)
	}
	if len(inc.Actions) != 1 || inc.Actions[0].Number != 1 || inc.Actions[0].Owner != "frank" || inc.Actions[0].DoneAt == nil {
		t.Errorf("incident show --json: actions %+v", inc.Actions)
	}
	var problems []ProblemRow
	jsonOf(t, e, &problems, "problem", "list", "--json")
	if len(problems) != 1 || problems[0].Ref != "PRB-1" || problems[0].Incident != 1 || problems[0].State != "closed" || len(problems[0].Incidents) != 1 {
		t.Errorf("problem list --json: %+v", problems)
	}
	var one ProblemRow
	jsonOf(t, e, &one, "problem", "show", "prb-1", "--json")
	if one.Ref != "PRB-1" || one.KnownError != "KE-1" || one.Title != "Payments down" {
		t.Errorf("problem show --json: %+v", one)
	}
	var known []api.KnownError
	jsonOf(t, e, &known, "known", "list", "--json")
	if len(known) != 1 || known[0].Ref != "KE-1" || known[0].Problem != "PRB-1" || known[0].Workaround != "Traffic on the secondary provider" {
		t.Errorf("known list --json: %+v", known)
	}
	var actions []api.Action
	jsonOf(t, e, &actions, "action", "list", "--json")
	if len(actions) != 0 {
		t.Errorf("action list --json lists open actions; action 1 is done: %+v", actions)
	}
	if code, _, errOut := e.run("", "problem", "show", "PRB-9"); code != 1 || !strings.Contains(errOut, "no problem record PRB-9") {
		t.Errorf("problem show PRB-9: exit %d: %s", code, errOut)
	}
	if code, _, _ := e.run("", "known", "search"); code != 2 {
		t.Errorf("known search (not a CLI command): exit %d, want 2", code)
	}
}

// TestCLIActionListOpen lists an open action with mimbot action list, in both forms.
func TestCLIActionListOpen(t *testing.T) {
	e := newEnv(t)
	script := "declare Disk full impact=low urgency=low towers=database\n/as frank\ntake incident=1\naction add Rotate logs daily owner=noor due=72h incident=1\n"
	if code, out, errOut := e.run(script, "shell"); code != 0 || !strings.Contains(out, "Action 1 added to #1: owner noor") {
		t.Fatalf("shell: exit %d: %s\n%s", code, errOut, out)
	}
	var actions []api.Action
	jsonOf(t, e, &actions, "action", "list", "--json")
	if len(actions) != 1 || actions[0].Text != "Rotate logs daily" || actions[0].Owner != "noor" || actions[0].Incident != 1 || actions[0].DoneAt != nil {
		t.Errorf("action list --json: %+v", actions)
	}
	code, out, _ := e.run("", "action", "list")
	if code != 0 || !strings.Contains(out, "Rotate logs daily") || !strings.Contains(out, "noor") {
		t.Errorf("action list: exit %d:\n%s", code, out)
	}
	if inc := e.show("1"); len(inc.Actions) != 1 || inc.Actions[0].Text != "Rotate logs daily" {
		t.Errorf("incident show --json: actions %+v", inc.Actions)
	}
}

func jsonOf(t *testing.T, e *env, v any, args ...string) {
	t.Helper()
	code, out, errOut := e.run("", args...)
	if code != 0 {
		t.Fatalf("mimbot %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("mimbot %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestShellAfterRefusals: wrong problem, known and action commands are answered with
// what is wrong and what would work, and change nothing.
func TestShellAfterRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ line, says string }{
		{"problem show", "problem show needs the problem record: problem show PRB-12"},
		{"problem show PRB-x", `"PRB-x" is not a problem record; name one such as PRB-12`},
		{"problem show PRB-9", "There is no problem record PRB-9."},
		{"problem rca PRB-9 x change=CHG-1", "change= goes with problem close: problem close PRB-9 change=CHG-42"},
		{"known search", "known search needs words to look for: known search certificate"},
		{"known list", "No known errors yet."},
		{"action done two", "action done needs the action's number: action done 3"},
		{"action done 4", "There is no action 4. `action list` shows the open ones."},
		{"action list everything", "action list takes mine or nothing"},
		{"action add Rotate logs owner=noor due=72h", "Which incident? Type action in its war room, or add incident=<number>."},
		{"action add Rotate logs owner=noor due=soon incident=1", "due=soon is neither a date nor a duration; use due=2026-03-20 or due=72h."},
		{"action add Rotate logs owner=nobody due=72h incident=1", `Unknown person "nobody"`},
		{"action add Rotate logs due=72h incident=1", "action add needs owner=<person>"},
		{"action list", "Open follow-up actions: none."},
	}
	if code, _, errOut := e.run("declare Disk full impact=low urgency=low towers=database\n", "shell"); code != 0 {
		t.Fatalf("declare: exit %d: %s", code, errOut)
	}
	before := len(e.show("1").Timeline)
	script := ""
	for _, tc := range tests {
		script += tc.line + "\n"
	}
	code, out, errOut := e.run(script, "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, tc := range tests {
		if !strings.Contains(out, tc.says) {
			t.Errorf("%s: the answer does not say %q", tc.line, tc.says)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	if inc := e.show("1"); len(inc.Actions) != 0 || len(inc.Timeline) != before {
		t.Errorf("refusals changed #1: %d actions, %d timeline entries", len(inc.Actions), len(inc.Timeline))
	}
}

package mim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// closed declares a major incident, lets its IM (alice, on call) resolve and close
// it, and flushes what that said.
func (h *harness) closed(title, workaround string) *mim.Incident {
	h.t.Helper()
	inc := h.declare(title, mim.High, mim.High, "database")
	if workaround != "" {
		_, err := h.svc.Workaround(h.ctx, inc.Number, "alice", workaround)
		must(h.t, err)
	}
	_, err := h.svc.Resolve(h.ctx, inc.Number, "alice", "fixed")
	must(h.t, err)
	inc, err = h.svc.Close(h.ctx, inc.Number, "alice")
	must(h.t, err)
	h.tick(0) // the summary
	return inc
}

func TestProblemWorkedToKnownError(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) { c.ProblemOwner = "bob" })
	inc := h.closed("Payments down", "")
	ref := inc.Problem.Ref
	steps := []struct {
		name  string
		run   func() (*mim.Problem, error)
		code  string // "" when it succeeds
		says  string // in the refusal
		state mim.ProblemState
	}{
		{"known without root cause or workaround", func() (*mim.Problem, error) { return h.svc.ProblemKnown(h.ctx, ref, "bob") },
			mim.EINVALID, "PRB-1 has no root cause and no workaround yet; a known error needs both. Record it with `problem rca PRB-1 <root cause>` and `problem workaround PRB-1 <text>`", ""},
		{"rca by someone else", func() (*mim.Problem, error) { return h.svc.ProblemRCA(h.ctx, ref, "dave", "x") },
			mim.EFORBIDDEN, "Only the owner of PRB-1 (bob) or the SMO", ""},
		{"empty rca", func() (*mim.Problem, error) { return h.svc.ProblemRCA(h.ctx, ref, "bob", " ") },
			mim.EINVALID, "problem rca needs the root cause", ""},
		{"workaround by the owner", func() (*mim.Problem, error) {
			return h.svc.ProblemWorkaround(h.ctx, ref, "bob", "Fail over to the replica")
		}, "", "", mim.ProblemOpen},
		{"known without root cause", func() (*mim.Problem, error) { return h.svc.ProblemKnown(h.ctx, ref, "bob") },
			mim.EINVALID, "PRB-1 has no root cause yet; a known error needs both. Record it with `problem rca PRB-1 <root cause>`", ""},
		{"rca by the SMO", func() (*mim.Problem, error) {
			return h.svc.ProblemRCA(h.ctx, ref, "hana", "Connection pool too small for the new batch job")
		}, "", "", mim.ProblemOpen},
		{"known", func() (*mim.Problem, error) { return h.svc.ProblemKnown(h.ctx, ref, "bob") }, "", "", mim.ProblemKnownError},
		{"rca after publishing", func() (*mim.Problem, error) { return h.svc.ProblemRCA(h.ctx, ref, "bob", "y") },
			mim.ECONFLICT, "is published as known error KE-1", ""},
		{"close with a change", func() (*mim.Problem, error) { return h.svc.ProblemClose(h.ctx, ref, "bob", "CHG-7") }, "", "", mim.ProblemClosed},
		{"close twice", func() (*mim.Problem, error) { return h.svc.ProblemClose(h.ctx, ref, "bob", "") },
			mim.ECONFLICT, "PRB-1 is already closed", ""},
	}
	for _, st := range steps {
		p, err := st.run()
		if st.code != "" {
			if mim.ErrorCode(err) != st.code || !strings.Contains(mim.ErrorMessage(err), st.says) {
				t.Errorf("%s: err = %v, want %s saying %q", st.name, err, st.code, st.says)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if p.State != st.state {
			t.Errorf("%s: state %s, want %s", st.name, p.State, st.state)
		}
	}
	p, err := h.svc.Problem(h.ctx, ref)
	must(t, err)
	want := &mim.Problem{Ref: "PRB-1", Owner: "bob", Due: p.CreatedAt.Add(5 * 24 * time.Hour), CreatedAt: p.CreatedAt, State: mim.ProblemClosed,
		RootCause: "Connection pool too small for the new batch job", Workaround: "Fail over to the replica", Change: "CHG-7",
		KnownError: "KE-1", ClosedAt: p.ClosedAt, Incidents: []int{1}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("problem (-want +got):\n%s", diff)
	}
	known, err := h.svc.KnownErrorsText(h.ctx, "pool")
	must(t, err)
	if !strings.Contains(known, "KE-1 (PRB-1) Payments down") || !strings.Contains(known, "Workaround: Fail over to the replica") {
		t.Errorf("known search pool:\n%s", known)
	}
	var problemEntries []string
	for _, e := range h.incident(1).Timeline {
		if e.Kind == mim.KindProblem {
			problemEntries = append(problemEntries, e.Text)
		}
	}
	if diff := cmp.Diff([]string{
		"Problem record PRB-1 opened for root-cause analysis: owner bob, due Sat 7 Mar 2026.",
		"PRB-1 workaround: Fail over to the replica",
		"PRB-1 root cause: Connection pool too small for the new batch job",
		"PRB-1 published as known error KE-1: Connection pool too small for the new batch job (workaround: Fail over to the replica)",
		"PRB-1 closed: the permanent fix is in (change CHG-7)",
	}, problemEntries); diff != "" {
		t.Errorf("problem steps on #1's timeline (-want +got):\n%s", diff)
	}
}

// TestProblemReminders moves the clock through an RCA's life: the owner is reminded a
// day before it is due, the head is told once when it is overdue, and nothing more.
func TestProblemReminders(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) { c.ProblemOwner = "bob" })
	inc := h.closed("Payments down", "Fail over")
	due := inc.Problem.Due.Sub(h.clock.Now()) // 5 days
	if p := h.tick(due - 25*time.Hour); len(matching(p, "dm:bob")) != 0 || len(matching(p, "dm:hana")) != 0 {
		t.Errorf("two days before the RCA is due: %s", describe(p))
	}
	p := h.tick(time.Hour)
	if got := matching(p, "dm:bob", "Reminder: the RCA of PRB-1", "is due Sat 7 Mar 2026 10:00 GMT", "problem rca PRB-1"); len(got) != 1 {
		t.Errorf("a day before: want one reminder to bob; %s", describe(p))
	}
	if got := matching(p, "dm:hana"); len(got) != 0 {
		t.Errorf("a day before, the head was told: %s", describe(got))
	}
	p = h.tick(24 * time.Hour)
	if got := matching(p, "dm:hana", "Escalation on #1", "the RCA of PRB-1 is overdue", "owner bob"); len(got) != 1 {
		t.Errorf("when due: want one escalation to hana; %s", describe(p))
	}
	if p := h.tick(72 * time.Hour); len(p) != 0 {
		t.Errorf("after the escalation: %s", describe(p))
	}
	kinds := h.kinds(inc.Number)
	if count(kinds, mim.KindEscalated) != 1 || count(kinds, mim.KindReminder) != 1 {
		t.Errorf("timeline kinds %v: want one reminder and one escalation", kinds)
	}

	// A root cause recorded in time stops both.
	two := h.closed("Disk full", "")
	_, err := h.svc.ProblemRCA(h.ctx, two.Problem.Ref, "bob", "Log rotation off")
	must(t, err)
	if p := h.tick(6 * 24 * time.Hour); len(p) != 0 {
		t.Errorf("after the root cause was recorded: %s", describe(p))
	}
}

// TestActionReminders: an action due yesterday, added to a closed incident, reminds
// its owner and tells the head once; an action done in time is neither reminded nor
// escalated.
func TestActionReminders(t *testing.T) {
	h := newHarness(t, nil)
	inc := h.closed("Payments down", "")
	_, err := h.svc.ProblemRCA(h.ctx, inc.Problem.Ref, "hana", "Pool too small") // no RCA reminders in the way
	must(t, err)
	yesterday := h.clock.Now().AddDate(0, 0, -1).Format("2006-01-02")
	_, err = h.svc.ActionAdd(h.ctx, inc.Number, "dave", "Alert on pool saturation", "frank", yesterday)
	if mim.ErrorCode(err) != mim.EFORBIDDEN {
		t.Errorf("action add by dave, who was not on #1: %v, want forbidden", err)
	}
	_, err = h.svc.ActionAdd(h.ctx, inc.Number, "alice", "Alert on pool saturation", "frank", "")
	if mim.ErrorCode(err) != mim.EINVALID || !strings.Contains(mim.ErrorMessage(err), "due=<YYYY-MM-DD or duration>") {
		t.Errorf("action add without due: %v", err)
	}
	a, err := h.svc.ActionAdd(h.ctx, inc.Number, "alice", "Alert on pool saturation", "frank", yesterday)
	must(t, err)
	if a.Number != 1 || a.Owner != "frank" || !a.Due.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("action = %+v, want number 1 for frank, due by the end of 1 Mar", a)
	}
	p := h.tick(0)
	if got := matching(p, "dm:frank", "Reminder: follow-up action 1 on #1", "is due Sun 1 Mar 2026"); len(got) != 1 {
		t.Errorf("want one reminder to frank; %s", describe(p))
	}
	if got := matching(p, "dm:hana", "follow-up action 1 is overdue", "owner frank"); len(got) != 1 {
		t.Errorf("want the head told once; %s", describe(p))
	}
	if p := h.tick(72 * time.Hour); len(matching(p, "dm:hana")) != 0 || len(matching(p, "dm:frank")) != 0 {
		t.Errorf("days later, told again: %s", describe(p))
	}

	// Due in two days: reminded at 09:00 on the due date, done before it is overdue.
	b, err := h.svc.ActionAdd(h.ctx, inc.Number, "hana", "Runbook step for the pool", "dave", "48h")
	must(t, err)
	if p := h.tick(time.Hour); len(matching(p, "dm:dave", "Reminder")) != 0 {
		t.Errorf("reminded long before the due date: %s", describe(p))
	}
	if _, err := h.svc.ActionDone(h.ctx, b.Number, "frank"); mim.ErrorCode(err) != mim.EFORBIDDEN {
		t.Errorf("action done by frank, not its owner: %v, want forbidden", err)
	}
	p = h.tick(b.Due.Sub(h.clock.Now()) - 30*time.Minute) // 09:30 on the due date (Sat 10:00 GMT)
	if got := matching(p, "dm:dave", "Reminder: follow-up action 2"); len(got) != 1 {
		t.Errorf("on the due date: want one reminder to dave; %s", describe(p))
	}
	if _, err := h.svc.ActionDone(h.ctx, b.Number, "dave"); err != nil {
		t.Fatal(err)
	}
	if p := h.tick(48 * time.Hour); len(p) != 0 {
		t.Errorf("after done: %s", describe(p))
	}
	text, err := h.svc.ActionsText(h.ctx, 0, "")
	must(t, err)
	if !strings.Contains(text, "[ ] 1. Alert on pool saturation (#1; owner frank; due Sun 1 Mar 2026; OVERDUE)") || strings.Contains(text, "2. Runbook") {
		t.Errorf("action list:\n%s", text)
	}
	kinds := h.kinds(inc.Number)
	if count(kinds, mim.KindActionAdded) != 2 || count(kinds, mim.KindActionDone) != 1 || count(kinds, mim.KindEscalated) != 1 {
		t.Errorf("timeline kinds %v", kinds)
	}
}

func TestParseDue(t *testing.T) {
	h := newHarness(t, nil) // Europe/London; t0 is Mon 2 Mar 2026 10:00 GMT
	tests := []struct {
		name, in string
		want     time.Time
		says     string
	}{
		{"a date is due by the end of that day", "2026-03-20", time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC), ""},
		{"in summer time, the end of the day in London", "2026-07-01", time.Date(2026, 7, 1, 23, 0, 0, 0, time.UTC), ""},
		{"a duration from now", "72h", t0.Add(72 * time.Hour), ""},
		{"empty", " ", time.Time{}, "action add needs due=<YYYY-MM-DD or duration>"},
		{"no such date", "2026-13-01", time.Time{}, "due=2026-13-01 is neither a date nor a duration"},
		{"a duration must be ahead", "-1h", time.Time{}, "due=-1h is neither a date nor a duration"},
		{"words", "soon", time.Time{}, "use due=2026-03-20 or due=72h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.svc.ParseDue(tc.in, t0)
			if tc.says != "" {
				if mim.ErrorCode(err) != mim.EINVALID || !strings.Contains(mim.ErrorMessage(err), tc.says) {
					t.Errorf("ParseDue(%q) = %v, %v; want a refusal saying %q", tc.in, got, err, tc.says)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("ParseDue(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseProblemRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PRB-12", "PRB-12"}, {"prb-7", "PRB-7"}, {"12", "PRB-12"}, {" PRB-3 ", "PRB-3"},
		{"PRB-0", ""}, {"PRB-x", ""}, {"KE-1", ""}, {"", ""}, {"PRB-99999999999999999999", ""},
	}
	for _, tc := range tests {
		got, err := mim.ParseProblemRef(tc.in)
		if tc.want == "" {
			if mim.ErrorCode(err) != mim.EINVALID || !strings.Contains(mim.ErrorMessage(err), "such as PRB-12") {
				t.Errorf("ParseProblemRef(%q) = %q, %v; want a refusal naming PRB-12", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseProblemRef(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

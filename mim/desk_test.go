package mim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// The FCFS trap: ten printer incidents come first, then payments go down. The queue
// puts the P0 first for everyone, and a tower member's `queue mine` lists what they
// own in queue order.
func TestQueueBeatsFirstComeFirstServed(t *testing.T) {
	h := newHarness(t, nil)
	for i := range 10 {
		h.declare("Printer jam on floor "+string(rune('1'+i)), mim.Low, mim.Low, "application")
	}
	p0 := h.declare("Payments down", mim.High, mim.High, "application", "database")
	p2 := h.declare("Invoices slow", mim.Medium, mim.Low, "database") // P3
	h.clock.Advance(time.Minute)

	list, total, err := h.svc.Queue(h.ctx, mim.QueueFilter{})
	must(t, err)
	if total != 12 || list[0].Number != p0.Number || list[1].Number != p2.Number {
		t.Fatalf("queue = %d incidents starting %v, want 12 with #%d (P0) then #%d (P3)", total, numbers(list[:2]), p0.Number, p2.Number)
	}
	// The printers keep their order of arrival among themselves: same priority, same
	// resolve target, so the earlier deadline (and then the number) goes first.
	if got := numbers(list[2:]); !cmp.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("printers in the queue: %v", got)
	}

	// lee (an application member) takes two printers: his queue shows them in order,
	// after nothing else; the IM's queue shows the P0 she manages.
	for _, n := range []int{7, 3} {
		_, err := h.svc.Take(h.ctx, n, "lee")
		must(t, err)
	}
	mine, total, err := h.svc.Queue(h.ctx, mim.QueueFilter{Person: "lee"})
	must(t, err)
	if got := numbers(mine); total != 2 || !cmp.Equal(got, []int{3, 7}) {
		t.Errorf("lee's queue = %v, want [3 7]", got)
	}
	text, err := h.svc.QueueText(h.ctx, mim.QueueFilter{Person: p0.IM})
	must(t, err)
	if !strings.Contains(text, "#11 P0") || strings.Contains(text, "Printer") {
		t.Errorf("the IM's queue:\n%s", text)
	}
	// tower= keeps the database incidents.
	db, _, err := h.svc.Queue(h.ctx, mim.QueueFilter{Tower: "database"})
	must(t, err)
	if got := numbers(db); !cmp.Equal(got, []int{11, 12}) {
		t.Errorf("database queue = %v, want [11 12]", got)
	}
	text, err = h.svc.QueueText(h.ctx, mim.QueueFilter{})
	must(t, err)
	lines := strings.Split(text, "\n")
	if len(lines) != 13 || !strings.HasPrefix(lines[1], "#11 P0 investigating · Payments down · IM ") ||
		!strings.Contains(text, "#3 P4 investigating · Printer jam on floor 3 · owner lee · resolve SLA 119h59m left") ||
		!strings.Contains(text, "#1 P4 declared · Printer jam on floor 1 · unassigned") {
		t.Errorf("queue text:\n%s", text)
	}
}

func numbers(list []*mim.Incident) []int {
	var out []int
	for _, inc := range list {
		out = append(out, inc.Number)
	}
	return out
}

// Who may own a non-major incident, and what owning it changes.
func TestOwners(t *testing.T) {
	h := newHarness(t, nil)
	inc := h.declare("Printer jam", mim.Low, mim.Low, "application")
	if st := h.svc.StatusText(h.incident(inc.Number)); !strings.Contains(st, "Owner: unassigned") || strings.Contains(st, "IM:") {
		t.Errorf("status of an unowned P4:\n%s", st)
	}
	refusals := []struct {
		name string
		do   func() error
		code string
	}{
		{"a member of another tower takes", func() error { _, err := h.svc.Take(h.ctx, 1, "noor"); return err }, mim.EFORBIDDEN},
		{"the SMO takes (not a tower member)", func() error { _, err := h.svc.Take(h.ctx, 1, "alice"); return err }, mim.EFORBIDDEN},
		{"a member assigns", func() error { _, err := h.svc.AssignOwner(h.ctx, 1, "lee", "dave"); return err }, mim.EFORBIDDEN},
		{"the owner is outside the towers", func() error { _, err := h.svc.AssignOwner(h.ctx, 1, "dave", "frank"); return err }, mim.EFORBIDDEN},
		{"an unowned incident is resolved by a member", func() error { _, err := h.svc.Resolve(h.ctx, 1, "lee", "fixed"); return err }, mim.EFORBIDDEN},
	}
	for _, r := range refusals {
		if err := r.do(); mim.ErrorCode(err) != r.code {
			t.Errorf("%s: %v, want %s", r.name, err, r.code)
		}
	}
	if n := count(h.kinds(1), mim.KindAssigned); n != 0 {
		t.Fatalf("refusals wrote %d assigned entries", n)
	}

	h.clock.Advance(10 * time.Minute)
	_, err := h.svc.AssignOwner(h.ctx, 1, "dave", "lee") // a lead of the tower assigns a member
	must(t, err)
	got := h.incident(1)
	if got.Owner != "lee" || got.RespondedAt != t0.Add(10*time.Minute) || got.State != mim.Investigating {
		t.Errorf("after assign: owner %q, responded %v, state %s", got.Owner, got.RespondedAt, got.State)
	}
	if st := h.svc.StatusText(got); !strings.Contains(st, "Owner: lee") {
		t.Errorf("status:\n%s", st)
	}
	if posts := matching(h.flush(), "dm:lee", "dave assigned #1"); len(posts) != 1 {
		t.Errorf("lee was not told of the assignment")
	}
	_, err = h.svc.Take(h.ctx, 1, "sam") // the service desk takes over
	must(t, err)
	_, err = h.svc.Workaround(h.ctx, 1, "sam", "Use the printer on floor 2")
	must(t, err)
	_, err = h.svc.Resolve(h.ctx, 1, "sam", "Roller replaced")
	must(t, err)

	// A major incident is owned by its IM: take and assign owner point to assign im.
	major := h.declare("Payments down", mim.High, mim.High, "application")
	if _, err := h.svc.Take(h.ctx, major.Number, "lee"); mim.ErrorCode(err) != mim.ECONFLICT || !strings.Contains(mim.ErrorMessage(err), "assign im") {
		t.Errorf("take on a major incident: %v", err)
	}
}

// Raising an owned incident to major starts the procedure and keeps the owner in the
// team.
func TestRaisedToMajorKeepsTheOwner(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Checkout errors", mim.Medium, mim.Low, "application") // P3
	_, err := h.svc.Take(h.ctx, 1, "lee")
	must(t, err)
	_, err = h.svc.SetPriority(h.ctx, 1, "alice", mim.Reprioritize{Priority: new(mim.P0), Reason: "all checkouts fail"})
	must(t, err)
	inc := h.incident(1)
	if !inc.Major || inc.IM == "" || inc.Owner != "lee" || !inc.InMIT("lee") {
		t.Fatalf("raised: major %v, IM %q, owner %q", inc.Major, inc.IM, inc.Owner)
	}
	if _, err := h.svc.Note(h.ctx, 1, "lee", "still on it"); err != nil {
		t.Errorf("the former owner cannot add notes: %v", err)
	}
}

// SLA escalation of a non-major incident does not wait for luck: unowned at 75% of the
// respond target -> every lead of its towers is told (functional); 75% of resolve ->
// the owner and the first lead are warned; a breach -> the SMO head (hierarchical).
func TestNonMajorSLAEscalation(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Invoices slow", mim.Medium, mim.Medium, "database") // P2: respond 1h, resolve 24h
	h.flush()

	posts := h.tick(45 * time.Minute)
	if got := matching(posts, "dm:frank", "Nobody owns #1"); len(got) != 1 {
		t.Errorf("frank (first database lead) not told at 75%% unowned: %s", describe(posts))
	}
	if got := matching(posts, "dm:grace", "Nobody owns #1"); len(got) != 1 {
		t.Errorf("grace (second database lead) not told: %s", describe(posts))
	}
	if k := h.kinds(1); count(k, mim.KindEscalated) != 1 || count(k, mim.KindSLAWarning) != 0 {
		t.Errorf("timeline kinds %v, want one functional escalation", k)
	}
	_, err := h.svc.Take(h.ctx, 1, "noor") // the respond clock stops: no breach later
	must(t, err)
	posts = h.tick(16 * time.Minute)
	if k := h.kinds(1); count(k, mim.KindSLABreach) != 0 {
		t.Errorf("respond breach after an owner took it: %v", k)
	}
	posts = append(posts, h.tick(17*time.Hour)...) // 18h01m: 75% of 24h
	if got := matching(posts, "dm:noor", "resolve SLA at 75%"); len(got) != 1 {
		t.Errorf("the owner was not warned at 75%% of resolve: %s", describe(posts))
	}
	if got := matching(posts, "dm:frank", "resolve SLA at 75%"); len(got) != 1 {
		t.Errorf("the first lead was not warned at 75%% of resolve: %s", describe(posts))
	}
	posts = h.tick(6 * time.Hour)
	if got := matching(posts, "dm:hana", "resolve SLA breached"); len(got) != 1 {
		t.Errorf("the head was not told of the breach: %s", describe(posts))
	}
	k := h.kinds(1)
	if count(k, mim.KindSLAWarning) != 1 || count(k, mim.KindSLABreach) != 1 || count(k, mim.KindEscalated) != 2 {
		t.Errorf("timeline kinds %v, want one warning, one breach, two escalations", k)
	}
}

// On resolve the reporter is asked; confirm closes; no answer closes it after
// closure.confirm_within, saying so.
func TestClosureWithTheReporter(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) { c.ConfirmWithin = 24 * time.Hour })
	for n := 1; n <= 2; n++ {
		h.declare("Printer jam", mim.Low, mim.Low, "application")
		_, err := h.svc.Take(h.ctx, n, "lee")
		must(t, err)
		_, err = h.svc.Resolve(h.ctx, n, "lee", "Roller replaced")
		must(t, err)
	}
	posts := h.flush()
	if got := matching(posts, "dm:sam", "is resolved", "confirm incident=1"); len(got) != 1 {
		t.Fatalf("the reporter was not asked about #1: %s", describe(posts))
	}
	if _, err := h.svc.Confirm(h.ctx, 1, "lee"); mim.ErrorCode(err) != mim.EFORBIDDEN {
		t.Errorf("the owner confirmed for the reporter: %v", err)
	}
	_, err := h.svc.Confirm(h.ctx, 1, "sam")
	must(t, err)
	one := h.incident(1)
	if one.State != mim.Closed || one.ConfirmedAt.IsZero() || count(h.kinds(1), mim.KindConfirmed) != 1 {
		t.Errorf("#1 after confirm: %s, confirmed %v", one.State, one.ConfirmedAt)
	}

	h.tick(23 * time.Hour)
	if h.incident(2).State != mim.Resolved {
		t.Fatalf("#2 closed before confirm_within")
	}
	h.tick(time.Hour)
	two := h.incident(2)
	last := two.Timeline[len(two.Timeline)-1]
	closed := false
	for _, e := range two.Timeline {
		closed = closed || (e.Kind == mim.KindClosed && strings.Contains(e.Text, "without confirmation"))
	}
	if two.State != mim.Closed || !two.ConfirmedAt.IsZero() || !closed {
		t.Errorf("#2 after 24h: %s, last entry %+v", two.State, last)
	}
}

// The reporter may reopen a resolved incident instead of confirming it; the timer to
// close without confirmation stops.
func TestReporterReopens(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Printer jam", mim.Low, mim.Low, "application")
	_, err := h.svc.Take(h.ctx, 1, "lee")
	must(t, err)
	_, err = h.svc.Resolve(h.ctx, 1, "lee", "Roller replaced")
	must(t, err)
	_, err = h.svc.Reopen(h.ctx, 1, "sam", "still jams")
	must(t, err)
	h.tick(100 * time.Hour)
	if inc := h.incident(1); inc.State == mim.Closed {
		t.Errorf("a reopened incident closed without confirmation")
	}
}

// A command delivered twice by its platform (the same request) takes effect once,
// and the second delivery is answered as the first.
func TestRequestTakesEffectOnce(t *testing.T) {
	h := newHarness(t, nil)
	inc := h.declare("Payments down", mim.High, mim.High, "database")
	ctx := mim.WithRequest(h.ctx, "slack:trigger-1")
	if _, err := h.svc.Update(ctx, inc.Number, inc.IM, "Failing over"); err != nil {
		t.Fatal(err)
	}
	again, err := h.svc.Update(mim.WithRequest(h.ctx, "slack:trigger-1"), inc.Number, inc.IM, "Failing over")
	if err != nil || again == nil {
		t.Fatalf("the same request again: %v", err)
	}
	if n := count(h.kinds(inc.Number), mim.KindUpdate); n != 1 {
		t.Errorf("%d updates on the timeline, want 1", n)
	}
	if _, err := h.svc.Update(mim.WithRequest(h.ctx, "slack:trigger-2"), inc.Number, inc.IM, "Failed over"); err != nil {
		t.Fatal(err)
	}
	if n := count(h.kinds(inc.Number), mim.KindUpdate); n != 2 {
		t.Errorf("%d updates after a second request, want 2", n)
	}
}

package mim_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/mim"
)

func TestDeclareMajor(t *testing.T) {
	h := newHarness(t, nil)
	inc := h.declare("Payments down", mim.High, mim.High, "application", "database")
	if inc.Priority != mim.P0 || !inc.Major || inc.State != mim.Investigating {
		t.Fatalf("declared %s major=%v %s, want P0 major investigating", inc.Priority, inc.Major, inc.State)
	}
	if inc.RoomName != "mi-1-payments-down" || inc.Bridge != "https://meet.jit.si/mi-1-payments-down" {
		t.Errorf("room %q bridge %q", inc.RoomName, inc.Bridge)
	}
	on := h.svc.Config.Rotation.OnCall(t0).Member
	if inc.IM != on || len(h.svc.Config.Leads(inc.IM)) > 0 {
		t.Errorf("IM = %q, want the on-call member %q who leads no tower", inc.IM, on)
	}
	var paged []string
	for _, p := range inc.Pages {
		paged = append(paged, p.Tower+"/"+p.Person)
	}
	if want := []string{"application/dave", "database/frank"}; !slices.Equal(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}
	posts := h.flush()
	if h.chat.rooms[0] != "mi-1-payments-down" || len(h.chat.rooms) != 1 {
		t.Errorf("rooms opened: %v", h.chat.rooms)
	}
	for _, want := range [][]string{{"dm:dave", "acknowledge within 10m"}, {"dm:frank", "database tower"}, {"stakeholders", "Major incident declared", "Next update due by"}, {"war_room", "Major incident #1"}} {
		if len(matching(posts, want[0], want[1:]...)) != 1 {
			t.Errorf("no single post to %s with %q in %s", want[0], want[1:], describe(posts))
		}
	}
	if got := h.incident(1).WarRooms; len(got) != 1 || got[0].ID != "C-mi-1-payments-down" || !got[0].Ready {
		t.Errorf("war rooms recorded: %+v", got)
	}
}

func TestNeutralIM(t *testing.T) {
	t.Run("on-call lead is skipped", func(t *testing.T) {
		var on string
		h := newHarness(t, func(c *mim.Config) {
			on = c.Rotation.OnCall(t0).Member
			tw := c.Towers["application"]
			tw.Leads = append([]string{on}, tw.Leads...)
			c.Towers["application"] = tw
		})
		inc := h.declare("Checkout errors", mim.High, mim.High, "application")
		if inc.IM == on || inc.IM == "" {
			t.Fatalf("IM = %q: %s leads application and must be skipped", inc.IM, on)
		}
		var skipped []string
		for _, e := range inc.Timeline {
			if e.Kind == mim.KindIMSkipped {
				skipped = append(skipped, e.Text)
			}
		}
		if len(skipped) != 1 || !strings.Contains(skipped[0], on) || !strings.Contains(skipped[0], "leads the impacted application tower") {
			t.Errorf("im_skipped entries: %q", skipped)
		}
	})
	t.Run("nobody eligible escalates to the head", func(t *testing.T) {
		h := newHarness(t, func(c *mim.Config) {
			tw := c.Towers["application"]
			tw.Leads = append(slices.Clone(c.Rotation.Members), tw.Leads...)
			c.Towers["application"] = tw
		})
		inc := h.declare("Checkout errors", mim.High, mim.High, "application")
		if inc.IM != "" || !inc.Major {
			t.Fatalf("IM = %q major=%v, want no IM on a major incident", inc.IM, inc.Major)
		}
		if n := count(h.kinds(1), mim.KindIMSkipped); n != 3 {
			t.Errorf("%d im_skipped entries, want 3", n)
		}
		if n := count(h.kinds(1), mim.KindEscalated); n != 1 {
			t.Errorf("%d escalated entries, want 1", n)
		}
		posts := h.flush()
		if len(matching(posts, "dm:hana", "needs an incident manager")) != 1 {
			t.Errorf("head not told: %s", describe(posts))
		}
		if len(h.chat.rooms) != 1 {
			t.Errorf("the incident must still open its war room; rooms %v", h.chat.rooms)
		}
	})
}

func TestCadence(t *testing.T) {
	h := newHarness(t, fast)
	inc := h.declare("Payments down", mim.High, mim.High, "database")
	h.flush()
	// The reminder comes half a second before the update is due (a sixth of 3s).
	if posts := h.tick(2 * time.Second); len(posts) != 0 {
		t.Errorf("before the reminder: %s", describe(posts))
	}
	posts := h.tick(600 * time.Millisecond)
	if len(matching(posts, "war_room", mim.Mention(inc.IM), "status update")) != 1 {
		t.Fatalf("want a reminder mentioning the IM: %s", describe(posts))
	}
	// Due at 3s, escalated at 4.5s.
	posts = h.tick(2 * time.Second)
	if len(matching(posts, "dm:hana", "status update overdue")) != 1 || len(matching(posts, "war_room", "Escalated to")) != 1 {
		t.Fatalf("want an escalation to the head: %s", describe(posts))
	}
	if _, err := h.svc.Update(h.ctx, 1, inc.IM, "Failing over to the secondary"); err != nil {
		t.Fatal(err)
	}
	posts = h.flush()
	due := h.incident(1).NextUpdateDue
	if !due.Equal(h.clock.Now().Add(3 * time.Second)) {
		t.Errorf("next update due %v, want 3s after the update", due)
	}
	if len(matching(posts, "stakeholders", "Failing over to the secondary", "Next update due by", "P0", "investigating", "Impact: high")) != 1 {
		t.Errorf("stakeholders post: %s", describe(posts))
	}
	kinds := h.kinds(1)
	if count(kinds, mim.KindReminder) != 1 || count(kinds, mim.KindEscalated) != 1 || count(kinds, mim.KindUpdate) != 1 {
		t.Errorf("timeline kinds %v", kinds)
	}
}

func TestPageTimeoutPagesNextLead(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Payments down", mim.High, mim.High, "application")
	h.flush()
	posts := h.tick(10*time.Minute + time.Second)
	if len(matching(posts, "dm:erin", "paged")) != 1 {
		t.Fatalf("erin (next application lead) not paged: %s", describe(posts))
	}
	inc := h.incident(1)
	if len(inc.Pages) != 2 || !inc.Pages[0].Replaced || inc.Pages[1].Person != "erin" {
		t.Errorf("pages %+v", inc.Pages)
	}
	// erin acknowledges: no further escalation for the tower.
	if _, err := h.svc.Ack(h.ctx, 1, "erin"); err != nil {
		t.Fatal(err)
	}
	h.flush()
	if posts := h.tick(11 * time.Minute); len(matching(posts, "dm:hana", "application")) != 0 {
		t.Errorf("escalated after an ack: %s", describe(posts))
	}
	if inc := h.incident(1); inc.RespondedAt.IsZero() {
		t.Error("the ack must stop the respond clock")
	}
}

func TestRefusalsChangeNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Payments down", mim.High, mim.High, "application")
	before := len(h.incident(1).Timeline)
	tests := []struct {
		name string
		run  func() error
		code string
		says string
	}{
		{"a tower lead resolves", func() error { _, err := h.svc.Resolve(h.ctx, 1, "dave", "fixed"); return err }, mim.EFORBIDDEN, "Only the incident manager"},
		{"close before resolve", func() error { _, err := h.svc.Close(h.ctx, 1, "alice"); return err }, mim.ECONFLICT, "resolve <fix> first"},
		{"ack without a page", func() error { _, err := h.svc.Ack(h.ctx, 1, "frank"); return err }, mim.EFORBIDDEN, "no page"},
		{"a lead as IM", func() error { _, err := h.svc.Assign(h.ctx, 1, "alice", "im", "dave"); return err }, mim.EFORBIDDEN, "neutral"},
		{"unknown person", func() error { _, err := h.svc.Assign(h.ctx, 1, "alice", "comms", "nobody"); return err }, mim.ENOTFOUND, "Unknown person"},
		{"update by a lead", func() error { _, err := h.svc.Update(h.ctx, 1, "dave", "x"); return err }, mim.EFORBIDDEN, "may post status updates"},
		{"priority without reason", func() error {
			p := mim.P1
			_, err := h.svc.SetPriority(h.ctx, 1, "alice", mim.Reprioritize{Priority: &p})
			return err
		}, mim.EINVALID, "reason="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if mim.ErrorCode(err) != tc.code || !strings.Contains(mim.ErrorMessage(err), tc.says) {
				t.Errorf("error = %v (%s), want %s saying %q", err, mim.ErrorCode(err), tc.code, tc.says)
			}
		})
	}
	if after := len(h.incident(1).Timeline); after != before {
		t.Errorf("timeline grew from %d to %d entries after refusals", before, after)
	}
}

func TestResolveSilencesTimers(t *testing.T) {
	h := newHarness(t, fast)
	h.declare("Payments down", mim.High, mim.High, "application")
	must(t, func() error { _, err := h.svc.Resolve(h.ctx, 1, "alice", "rolled back"); return err }())
	h.flush()
	posts := h.tick(0)
	if len(matching(posts, "war_room", "# Post-incident summary: #1")) != 1 {
		t.Errorf("resolve must write the summary: %s", describe(posts))
	}
	if posts := h.tick(5 * time.Hour); len(posts) != 0 {
		t.Errorf("timers fired after resolve: %s", describe(posts))
	}
	kinds := h.kinds(1)
	for _, k := range []mim.Kind{mim.KindReminder, mim.KindSLAWarning, mim.KindSLABreach} {
		if count(kinds, k) != 0 {
			t.Errorf("%s on the timeline after resolve: %v", k, kinds)
		}
	}
}

func TestTimerFiresOnceAfterRestart(t *testing.T) {
	h := newHarness(t, fast)
	h.declare("Payments down", mim.High, mim.High, "database")
	h.flush()
	h.clock.Advance(time.Minute) // the process was down while everything fell due
	h.open(h.svc.Config)
	first := h.tick(0)
	again := h.tick(0)
	if len(matching(first, "war_room", "status update for #1")) != 1 || len(again) != 0 {
		t.Errorf("after restart: first %s; again %s", describe(first), describe(again))
	}
}

func TestTwoWorkersFireEachTimerOnce(t *testing.T) {
	h := newHarness(t, fast)
	for i := 0; i < 20; i++ {
		h.declare("Outage", mim.High, mim.High)
	}
	h.flush()
	h.clock.Advance(2600 * time.Millisecond) // every reminder is due
	var wg sync.WaitGroup
	for _, owner := range []string{"a", "b"} {
		wg.Go(func() {
			if _, err := h.svc.FireDue(h.ctx, owner, 30*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for n := 1; n <= 20; n++ {
		if got := count(h.kinds(n), mim.KindReminder); got != 1 {
			t.Errorf("incident %d has %d reminders, want 1", n, got)
		}
	}
}

func TestPriorityChanges(t *testing.T) {
	h := newHarness(t, fast)
	inc := h.declare("Slow e-mail", mim.Medium, mim.Medium, "application")
	if inc.Major || inc.RoomName != "" || len(inc.Pages) != 0 || inc.IM != "" {
		t.Fatalf("a P2 got the major procedure: %+v", inc)
	}
	posts := h.flush()
	if len(matching(posts, "dm:dave", "not a page")) != 1 {
		t.Errorf("the lead of a minor incident is told, not paged: %s", describe(posts))
	}
	p := mim.P1
	inc, err := h.svc.SetPriority(h.ctx, 1, "bob", mim.Reprioritize{Priority: &p, Reason: "now customer-facing"})
	must(t, err)
	if !inc.Major || inc.RoomName == "" || inc.IM == "" || len(inc.Pages) != 1 || inc.NextUpdateDue.IsZero() {
		t.Fatalf("raising to P1 must start the procedure: major=%v room=%q im=%q pages=%d", inc.Major, inc.RoomName, inc.IM, len(inc.Pages))
	}
	h.flush()
	p = mim.P3
	inc, err = h.svc.SetPriority(h.ctx, 1, "bob", mim.Reprioritize{Priority: &p, Reason: "contained"})
	must(t, err)
	if inc.Major || inc.IM == "" || !inc.NextUpdateDue.IsZero() {
		t.Errorf("lowering keeps the IM and stops the cadence: major=%v im=%q due=%v", inc.Major, inc.IM, inc.NextUpdateDue)
	}
	h.flush()
	if posts := h.tick(time.Minute); len(matching(posts, "war_room", "status update")) != 0 {
		t.Errorf("reminder after downgrade: %s", describe(posts))
	}
}

func TestSLAWarningAndBreach(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Payments down", mim.High, mim.High, "application") // respond 5m
	h.flush()
	posts := h.tick(3*time.Minute + 46*time.Second)
	if len(matching(posts, "war_room", "respond SLA at 75%")) != 1 {
		t.Errorf("no respond warning: %s", describe(posts))
	}
	posts = h.tick(time.Minute + 15*time.Second)
	if len(matching(posts, "war_room", "<@carol> respond SLA breached")) != 1 || len(matching(posts, "dm:hana", "respond SLA breached")) != 1 {
		t.Errorf("no respond breach escalated: %s", describe(posts))
	}
}

func TestDigest(t *testing.T) {
	h := newHarness(t, nil)
	eng := &mim.Engine{Service: h.svc, Relay: h.relay, Owner: "test"}
	must(t, eng.Start(h.ctx))
	must(t, eng.Start(h.ctx)) // a second replica starting does not add a second digest
	h.declare("Payments down", mim.High, mim.High)
	h.flush()
	posts := h.tick(time.Hour)
	if got := matching(posts, "stakeholders", "roll-up", "#1 [P0"); len(got) != 1 {
		t.Errorf("want one digest listing #1: %s", describe(posts))
	}
}

func TestPagerDutyFollowsThePage(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) {
		tw := c.Towers["database"]
		tw.PagerDutyRoutingKey = "R0UT1NGKEY0000000000000000000001"
		c.Towers["database"] = tw
	})
	h.declare("Payments down", mim.High, mim.High, "application", "database")
	posts := h.flush()
	if got := matching(posts, "pager:paged:frank", "database"); len(got) != 1 {
		t.Errorf("the database page did not go to PagerDuty: %s", describe(posts))
	}
	if got := matching(posts, "pager:paged:dave"); len(got) != 0 {
		t.Errorf("application has no routing key but went to PagerDuty: %q", got)
	}
	_, err := h.svc.Ack(h.ctx, 1, "frank")
	must(t, err)
	if got := matching(h.flush(), "pager:page_acked:frank", "database"); len(got) != 1 {
		t.Error("the ack did not reach PagerDuty")
	}
	_, err = h.svc.Resolve(h.ctx, 1, h.incident(1).IM, "fixed")
	must(t, err)
	if got := matching(h.flush(), "pager:resolved:frank", "database"); len(got) != 1 {
		t.Error("resolving did not resolve the PagerDuty page")
	}
}

func TestSnoozeDelaysTheReminder(t *testing.T) {
	h := newHarness(t, fast) // update every 3s, reminder at 2.5s
	inc := h.declare("Payments down", mim.High, mim.High)
	h.flush()
	if _, err := h.svc.Snooze(h.ctx, 1, "dave", 2*time.Second, "on the bridge"); mim.ErrorCode(err) != mim.EFORBIDDEN {
		t.Errorf("a lead snoozing: %v, want forbidden", err)
	}
	if _, err := h.svc.Snooze(h.ctx, 1, inc.IM, 2*time.Second, ""); mim.ErrorCode(err) != mim.EINVALID {
		t.Errorf("snooze without a reason: %v, want invalid", err)
	}
	snoozed, err := h.svc.Snooze(h.ctx, 1, inc.IM, 2*time.Second, "on the bridge with the vendor")
	must(t, err)
	if !snoozed.NextUpdateDue.Equal(inc.NextUpdateDue.Add(2*time.Second)) || !strings.Contains(h.svc.StatusText(snoozed), "snoozed") {
		t.Errorf("next update due %v, want 2s later than %v, and the status to say snoozed", snoozed.NextUpdateDue, inc.NextUpdateDue)
	}
	h.flush()
	if posts := h.tick(2600 * time.Millisecond); len(matching(posts, "war_room", "status update for #1")) != 0 {
		t.Errorf("reminded at the old time: %s", describe(posts))
	}
	if posts := h.tick(2 * time.Second); len(matching(posts, "war_room", "status update for #1")) != 1 {
		t.Errorf("no reminder at the snoozed time: %s", describe(posts))
	}
	if n := count(h.kinds(1), mim.KindSnoozed); n != 1 {
		t.Errorf("%d snoozed entries, want 1", n)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func leaseTests() []test {
	return []test{
		{"ReleaseFreesOnlyTheOwners", testReleaseOwners},
		{"ReleaseLeavesDoneAndWaiting", testReleaseDone},
	}
}

// releaseLeases runs ReleaseLeases and fails the test if it fails.
func releaseLeases(t *testing.T, s mim.Store, owner string) (timers, messages int) {
	t.Helper()
	timers, messages, err := s.ReleaseLeases(t.Context(), owner)
	if err != nil {
		t.Fatalf("ReleaseLeases(%s): %v", owner, err)
	}
	return timers, messages
}

// A replica that stops gives back what it claimed: another claims it at once, while
// what a third replica holds stays held.
func testReleaseOwners(t *testing.T, s mim.Store) {
	a := declare(t, s, "", nil).Number
	b := declare(t, s, "", nil).Number
	schedule(t, s, a, mim.Timer{Incident: a, Key: "first", Due: at(0)})
	schedule(t, s, b, mim.Timer{Incident: b, Key: "second", Due: at(time.Second)})
	say(t, s, a, msg("slack", a, "to a"))
	say(t, s, b, msg("slack", b, "to b"))
	now := at(2 * time.Second)
	if got := keys(claimTimers(t, s, now, "stopping", 1)); !cmp.Equal(got, []string{"first"}) {
		t.Fatalf("stopping claimed timers %q, want [first]", got)
	}
	if got := keys(claimTimers(t, s, now, "staying", 1)); !cmp.Equal(got, []string{"second"}) {
		t.Fatalf("staying claimed timers %q, want [second]", got)
	}
	if got := texts(claimMessages(t, s, now, "stopping", 1)); !cmp.Equal(got, []string{"to a"}) {
		t.Fatalf("stopping claimed messages %q, want [to a]", got)
	}
	if got := texts(claimMessages(t, s, now, "staying", 1)); !cmp.Equal(got, []string{"to b"}) {
		t.Fatalf("staying claimed messages %q, want [to b]", got)
	}

	if tm, ms := releaseLeases(t, s, "stopping"); tm != 1 || ms != 1 {
		t.Errorf("released %d timers and %d messages, want 1 and 1", tm, ms)
	}
	// Within the one-minute leases: only what was released is claimable.
	soon := now.Add(time.Second)
	if got := keys(claimTimers(t, s, soon, "taker", 10)); !cmp.Equal(got, []string{"first"}) {
		t.Errorf("after the release, claimed timers %q, want [first] (second is still held)", got)
	}
	got := claimMessages(t, s, soon, "taker", 10)
	if !cmp.Equal(texts(got), []string{"to a"}) {
		t.Fatalf("after the release, claimed messages %q, want [to a] (to b is still held)", texts(got))
	}
	if got[0].Attempts != 2 {
		t.Errorf("the released message comes back on attempt %d, want 2 (the first claim counted)", got[0].Attempts)
	}
	if tm, ms := releaseLeases(t, s, "stopping"); tm != 0 || ms != 0 {
		t.Errorf("a second release freed %d timers and %d messages, want none", tm, ms)
	}
}

// A release touches neither what the owner finished (a fired timer keeps who fired
// it; a delivered message stays delivered) nor a message waiting for its retry.
func testReleaseDone(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	schedule(t, s, n, mim.Timer{Incident: n, Key: "fired", Due: at(0)})
	say(t, s, n, msg("slack", n, "delivered"), msg("discord", n, "retrying"))
	ts := claimTimers(t, s, at(time.Second), "w", 10)
	if len(ts) != 1 {
		t.Fatalf("claimed %d timers, want 1", len(ts))
	}
	if err := fire(t, s, ts[0]); err != nil {
		t.Fatal(err)
	}
	ms := claimMessages(t, s, at(time.Second), "w", 10)
	if len(ms) != 2 {
		t.Fatalf("claimed %q, want both messages", texts(ms))
	}
	for _, m := range ms {
		if m.Platform == "slack" {
			done(t, s, m.ID)
		} else if err := s.MessageRetry(t.Context(), m.ID, at(time.Hour), "503"); err != nil {
			t.Fatal(err)
		}
	}
	if tm, ms := releaseLeases(t, s, "w"); tm != 0 || ms != 0 {
		t.Errorf("released %d timers and %d messages, want none: nothing pending was held", tm, ms)
	}
	if got := claimMessages(t, s, at(2*time.Second), "x", 10); len(got) != 0 {
		t.Errorf("claimed %q before its retry time", texts(got))
	}
	if got := claimTimers(t, s, at(2*time.Second), "x", 10); len(got) != 0 {
		t.Errorf("claimed the fired timer again: %q", keys(got))
	}
}

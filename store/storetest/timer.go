package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mimbot/mim"
)

func timerTests() []test {
	return []test{
		{"ClaimDue", testClaimDue},
		{"ClaimLimit", testClaimLimit},
		{"LeaseHidesUntilExpiry", testLease},
		{"ConcurrentClaimsEachTimerOnce", testConcurrentClaims},
		{"ScheduleAgainMoves", testMove},
		{"Cancel", testCancel},
		{"CancelAll", testCancelAll},
		{"Fired", testFired},
		{"FiredStaleSavesNothing", testFiredStale},
		{"CompleteTimer", testCompleteTimer},
		{"EnsureTimer", testEnsureTimer},
		{"NextDue", testNextDue},
		{"DueTimers", testDueTimers},
	}
}

// schedule schedules timers on incident n through UpdateIncident, as the service does.
func schedule(t *testing.T, s mim.Store, n int, timers ...mim.Timer) {
	t.Helper()
	update(t, s, n, func(_ *mim.Incident, ch *mim.Change) {
		ch.Schedule = append(ch.Schedule, timers...)
	})
}

// fire completes the claimed timer tm through UpdateIncident, logging an entry.
func fire(t *testing.T, s mim.Store, tm mim.Timer) error {
	t.Helper()
	_, err := s.UpdateIncident(t.Context(), tm.Incident, func(_ *mim.Incident, ch *mim.Change) error {
		ch.Fired = &tm
		ch.Log(at(time.Hour), mim.KindReminder, mim.Bot, "fired "+tm.Key)
		return nil
	})
	return err
}

// ignoreIdentity compares timers on what the service scheduled.
func ignoreIdentity() cmp.Option { return cmpopts.IgnoreFields(mim.Timer{}, "ID", "Version") }

func testClaimDue(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	n := inc.Number
	schedule(t, s, n,
		mim.Timer{Incident: n, Key: "later", Due: at(10*time.Minute + time.Millisecond)},
		mim.Timer{Incident: n, Key: "exactly", Due: at(10 * time.Minute)},
		mim.Timer{Incident: n, Key: "earlier", Due: at(5 * time.Minute)},
	)
	got := claimTimers(t, s, at(10*time.Minute), "w1", 10)
	want := []mim.Timer{
		{Incident: n, Key: "earlier", Due: at(5 * time.Minute)},
		{Incident: n, Key: "exactly", Due: at(10 * time.Minute)},
	}
	if diff := cmp.Diff(want, got, ignoreIdentity()); diff != "" {
		t.Fatalf("claimed at 10m, earliest first (-want +got):\n%s", diff)
	}
	for _, tm := range got {
		if tm.ID == 0 || tm.Version == 0 {
			t.Errorf("claimed %s with ID %d, version %d; want both set", tm.Key, tm.ID, tm.Version)
		}
	}
	if got := keys(claimTimers(t, s, at(10*time.Minute+time.Millisecond), "w2", 10)); !cmp.Equal(got, []string{"later"}) {
		t.Errorf("claimed a millisecond later: %q, want [later]", got)
	}
}

func testClaimLimit(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	for i := range 3 {
		schedule(t, s, inc.Number, mim.Timer{Incident: inc.Number, Key: fmt.Sprint("k", i), Due: at(time.Duration(i) * time.Minute)})
	}
	if got := keys(claimTimers(t, s, at(time.Hour), "w", 2)); !cmp.Equal(got, []string{"k0", "k1"}) {
		t.Errorf("claim with limit 2: %q, want [k0 k1]", got)
	}
	if got := keys(claimTimers(t, s, at(time.Hour), "w", 2)); !cmp.Equal(got, []string{"k2"}) {
		t.Errorf("second claim: %q, want [k2]", got)
	}
}

func testLease(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	schedule(t, s, inc.Number, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(0)})
	// claimTimers leases for a minute.
	first := claimTimers(t, s, at(time.Minute), "w1", 10)
	if len(first) != 1 {
		t.Fatalf("first claim: %d timers, want 1", len(first))
	}
	for _, now := range []time.Duration{time.Minute, 90 * time.Second, 2 * time.Minute} {
		if got := claimTimers(t, s, at(now), "w2", 10); len(got) != 0 {
			t.Errorf("at %v, with a lease live until 2m: claimed %q", now, keys(got))
		}
	}
	// w1 died: its lease ran out and w2 takes over.
	second := claimTimers(t, s, at(2*time.Minute+time.Millisecond), "w2", 10)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Fatalf("claim after the lease ran out (-first +second):\n%s", diff)
	}
	// w1 comes back to life and both fire: only one succeeds.
	if err := fire(t, s, second[0]); err != nil {
		t.Fatalf("w2 fires: %v", err)
	}
	wantStale(t, fire(t, s, first[0]))
	if got := get(t, s, inc.Number).Timeline; len(got) != 2 {
		t.Errorf("timeline has %d entries, want the declaration and one firing", len(got))
	}
}

func testConcurrentClaims(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	var timers []mim.Timer
	for i := range 200 {
		timers = append(timers, mim.Timer{Incident: inc.Number, Key: fmt.Sprintf("k%03d", i), Due: at(time.Duration(i) * time.Millisecond)})
	}
	schedule(t, s, inc.Number, timers...)

	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		claimed [2][]mim.Timer
		errs    [2]error
	)
	for w := range 2 {
		wg.Go(func() {
			<-start
			// Bounded: a store that hands timers out twice must fail, not hang.
			for range 200 {
				ts, err := s.ClaimTimers(t.Context(), at(time.Minute), time.Hour, fmt.Sprint("w", w), 7)
				if err != nil {
					errs[w] = err
					return
				}
				if len(ts) == 0 {
					return
				}
				claimed[w] = append(claimed[w], ts...)
			}
		})
	}
	close(start)
	wg.Wait()
	seen := map[string]string{}
	for w := range 2 {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		for _, tm := range claimed[w] {
			if other, dup := seen[tm.Key]; dup {
				t.Errorf("%s claimed by %s and w%d", tm.Key, other, w)
			}
			seen[tm.Key] = fmt.Sprint("w", w)
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d distinct timers claimed, want 200", len(seen))
	}
}

func testMove(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	schedule(t, s, inc.Number, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(10 * time.Minute)})
	claimed := claimTimers(t, s, at(10*time.Minute), "w1", 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers, want 1", len(claimed))
	}
	// An update comes in meanwhile and moves the reminder.
	schedule(t, s, inc.Number, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(25 * time.Minute)})
	if due := nextDue(t, s); !due.Equal(at(25 * time.Minute)) {
		t.Errorf("NextDue = %v, want the moved reminder at 25m", due)
	}
	if got := claimTimers(t, s, at(20*time.Minute), "w2", 10); len(got) != 0 {
		t.Errorf("claimed %q before the moved due time", keys(got))
	}
	wantStale(t, fire(t, s, claimed[0]))
	moved := claimTimers(t, s, at(25*time.Minute), "w2", 10)
	want := []mim.Timer{{Incident: inc.Number, Key: mim.TimerReminder, Due: at(25 * time.Minute)}}
	if diff := cmp.Diff(want, moved, ignoreIdentity()); diff != "" {
		t.Fatalf("one reminder, moved (-want +got):\n%s", diff)
	}
	if moved[0].Version == claimed[0].Version && moved[0].ID == claimed[0].ID {
		t.Errorf("moved timer kept ID %d and version %d: a stale claim could not be told apart", moved[0].ID, moved[0].Version)
	}
	if err := fire(t, s, moved[0]); err != nil {
		t.Errorf("firing the moved reminder: %v", err)
	}
}

func testCancel(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	n := inc.Number
	schedule(t, s, n,
		mim.Timer{Incident: n, Key: "a", Due: at(time.Minute)},
		mim.Timer{Incident: n, Key: "b", Due: at(2 * time.Minute)},
		mim.Timer{Incident: n, Key: "c", Due: at(3 * time.Minute)})
	update(t, s, n, func(_ *mim.Incident, ch *mim.Change) {
		ch.Cancel = append(ch.Cancel, "a", "c", "never-scheduled")
	})
	if due := nextDue(t, s); !due.Equal(at(2 * time.Minute)) {
		t.Errorf("NextDue = %v, want b at 2m", due)
	}
	// Scheduling a cancelled key arms it again.
	schedule(t, s, n, mim.Timer{Incident: n, Key: "c", Due: at(4 * time.Minute)})
	want := []mim.Timer{
		{Incident: n, Key: "b", Due: at(2 * time.Minute)},
		{Incident: n, Key: "c", Due: at(4 * time.Minute)},
	}
	if diff := cmp.Diff(want, claimTimers(t, s, at(time.Hour), "w", 10), ignoreIdentity()); diff != "" {
		t.Errorf("timers after cancel (-want +got):\n%s", diff)
	}
}

func testCancelAll(t *testing.T, s mim.Store) {
	one := declare(t, s, "", nil)
	two := declare(t, s, "", nil)
	schedule(t, s, one.Number,
		mim.Timer{Incident: one.Number, Key: "a", Due: at(time.Minute)},
		mim.Timer{Incident: one.Number, Key: "b", Due: at(2 * time.Minute)})
	schedule(t, s, two.Number, mim.Timer{Incident: two.Number, Key: "a", Due: at(3 * time.Minute)})
	if err := s.EnsureTimer(t.Context(), mim.Timer{Key: mim.TimerDigest, Due: at(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// Cancelling everything and scheduling afresh in one change, as a reopen does.
	update(t, s, one.Number, func(_ *mim.Incident, ch *mim.Change) {
		ch.CancelAll = true
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: one.Number, Key: "b", Due: at(5 * time.Minute)})
	})
	want := []mim.Timer{
		{Incident: two.Number, Key: "a", Due: at(3 * time.Minute)},
		{Incident: 0, Key: mim.TimerDigest, Due: at(4 * time.Minute)},
		{Incident: one.Number, Key: "b", Due: at(5 * time.Minute)},
	}
	if diff := cmp.Diff(want, claimTimers(t, s, at(time.Hour), "w", 10), ignoreIdentity()); diff != "" {
		t.Errorf("timers after CancelAll on #%d (-want +got):\n%s", one.Number, diff)
	}
}

func testFired(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	schedule(t, s, inc.Number, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(10 * time.Minute)})
	claimed := claimTimers(t, s, at(10*time.Minute), "w", 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers, want 1", len(claimed))
	}
	// The reminder fires and schedules the next reminder under the same key.
	got := update(t, s, inc.Number, func(_ *mim.Incident, ch *mim.Change) {
		ch.Fired = &claimed[0]
		ch.Log(at(10*time.Minute), mim.KindReminder, mim.Bot, "update due")
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(40 * time.Minute)})
		ch.Messages = append(ch.Messages, mim.Outgoing{Platform: "slack", To: mim.ToPerson, Person: "bob", Text: "update due", Created: at(10 * time.Minute)})
	})
	if len(got.Timeline) != 2 {
		t.Errorf("timeline has %d entries, want the declaration and the reminder", len(got.Timeline))
	}
	if due := nextDue(t, s); !due.Equal(at(40 * time.Minute)) {
		t.Errorf("NextDue = %v, want the next reminder at 40m", due)
	}
	if ts := claimTimers(t, s, at(30*time.Minute), "w", 10); len(ts) != 0 {
		t.Errorf("claimed %q after the reminder fired, before the next one", keys(ts))
	}
	if ms := claimMessages(t, s, at(10*time.Minute), "w", 10); !cmp.Equal(texts(ms), []string{"update due"}) {
		t.Errorf("messages = %q, want the reminder's", texts(ms))
	}
	// Firing the same claim twice is stale.
	wantStale(t, fire(t, s, claimed[0]))
}

func testFiredStale(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	n := inc.Number
	schedule(t, s, n,
		mim.Timer{Incident: n, Key: mim.TimerRespondBreach, Due: at(5 * time.Minute)},
		mim.Timer{Incident: n, Key: mim.TimerReminder, Due: at(10 * time.Minute)})
	claimed := claimTimers(t, s, at(5*time.Minute), "w", 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers, want 1", len(claimed))
	}
	// The page was acknowledged meanwhile: the breach timer is cancelled.
	update(t, s, n, func(_ *mim.Incident, ch *mim.Change) {
		ch.Cancel = append(ch.Cancel, mim.TimerRespondBreach)
	})
	before := get(t, s, n)
	_, err := s.UpdateIncident(t.Context(), n, func(inc *mim.Incident, ch *mim.Change) error {
		ch.Fired = &claimed[0]
		inc.Title = "breached"
		ch.Log(at(5*time.Minute), mim.KindSLABreach, mim.Bot, "should not be saved")
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: n, Key: "escalate", Due: at(6 * time.Minute)})
		ch.Cancel = append(ch.Cancel, mim.TimerReminder)
		ch.Messages = append(ch.Messages, mim.Outgoing{Platform: "slack", To: mim.ToStakeholders, Text: "should not be sent", Created: at(5 * time.Minute)})
		return nil
	})
	wantStale(t, err)
	if diff := cmp.Diff(before, get(t, s, n)); diff != "" {
		t.Errorf("stale firing changed the incident (-before +after):\n%s", diff)
	}
	if got := keys(claimTimers(t, s, at(time.Hour), "w", 10)); !cmp.Equal(got, []string{mim.TimerReminder}) {
		t.Errorf("timers after a stale firing = %q, want only the reminder", got)
	}
	if ms := claimMessages(t, s, at(time.Hour), "w", 10); len(ms) != 0 {
		t.Errorf("messages queued by a stale firing: %q", texts(ms))
	}
}

func testCompleteTimer(t *testing.T, s mim.Store) {
	ctx := t.Context()
	if err := s.EnsureTimer(ctx, mim.Timer{Key: mim.TimerDigest, Due: at(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	claimed := claimTimers(t, s, at(time.Hour), "w", 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers, want the digest", len(claimed))
	}
	digest := mim.Outgoing{Platform: "slack", To: mim.ToStakeholders, Kind: mim.KindUpdate, Text: "2 major incidents open", Created: at(time.Hour)}
	next := mim.Timer{Key: mim.TimerDigest, Due: at(2 * time.Hour)}
	if err := s.CompleteTimer(ctx, claimed[0], &next, []mim.Outgoing{digest}); err != nil {
		t.Fatalf("CompleteTimer: %v", err)
	}
	msgs := claimMessages(t, s, at(time.Hour), "w", 10)
	if len(msgs) != 1 || msgs[0].Incident != 0 || msgs[0].Text != digest.Text {
		t.Fatalf("messages = %+v, want the digest, about no incident", msgs)
	}
	if due := nextDue(t, s); !due.Equal(at(2 * time.Hour)) {
		t.Errorf("NextDue = %v, want the next digest at 2h", due)
	}
	// Completing the same claim again is stale and queues nothing.
	wantStale(t, s.CompleteTimer(ctx, claimed[0], &mim.Timer{Key: mim.TimerDigest, Due: at(3 * time.Hour)}, []mim.Outgoing{digest}))
	if due := nextDue(t, s); !due.Equal(at(2 * time.Hour)) {
		t.Errorf("NextDue after a stale completion = %v, want 2h", due)
	}
	if err := s.MessageDone(ctx, msgs[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	if ms := claimMessages(t, s, at(time.Hour), "w", 10); len(ms) != 0 {
		t.Errorf("a stale completion queued %q", texts(ms))
	}
	// Without a successor, nothing is left.
	claimed = claimTimers(t, s, at(2*time.Hour), "w", 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers at 2h, want the next digest", len(claimed))
	}
	if err := s.CompleteTimer(ctx, claimed[0], nil, nil); err != nil {
		t.Fatalf("CompleteTimer without a successor: %v", err)
	}
	if due := nextDue(t, s); !due.IsZero() {
		t.Errorf("NextDue = %v, want none", due)
	}
}

func testEnsureTimer(t *testing.T, s mim.Store) {
	ctx := t.Context()
	ensure := func(due time.Time) {
		t.Helper()
		if err := s.EnsureTimer(ctx, mim.Timer{Key: mim.TimerDigest, Due: due}); err != nil {
			t.Fatalf("EnsureTimer(%v): %v", due, err)
		}
	}
	// Three replicas start, each with its own idea of the next digest.
	ensure(at(time.Hour))
	ensure(at(30 * time.Minute))
	ensure(at(2 * time.Hour))
	if due := nextDue(t, s); !due.Equal(at(time.Hour)) {
		t.Errorf("NextDue = %v, want the first replica's 1h", due)
	}
	claimed := claimTimers(t, s, at(time.Hour), "w", 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d digests, want 1", len(claimed))
	}
	// A replica starting while the digest is claimed leaves the claim valid.
	ensure(at(3 * time.Hour))
	if err := s.CompleteTimer(ctx, claimed[0], nil, nil); err != nil {
		t.Fatalf("CompleteTimer after EnsureTimer: %v", err)
	}
	// Once it is done, EnsureTimer schedules it again.
	ensure(at(3 * time.Hour))
	if due := nextDue(t, s); !due.Equal(at(3 * time.Hour)) {
		t.Errorf("NextDue = %v, want the digest again at 3h", due)
	}
}

func testNextDue(t *testing.T, s mim.Store) {
	if due := nextDue(t, s); !due.IsZero() {
		t.Errorf("NextDue of an empty store = %v, want zero", due)
	}
	inc := declare(t, s, "", nil)
	schedule(t, s, inc.Number,
		mim.Timer{Incident: inc.Number, Key: "b", Due: at(10 * time.Minute)},
		mim.Timer{Incident: inc.Number, Key: "a", Due: at(5 * time.Minute)})
	if due := nextDue(t, s); !due.Equal(at(5 * time.Minute)) {
		t.Errorf("NextDue = %v, want 5m", due)
	}
	// A leased timer is still pending (its worker may die), but nobody else can claim
	// it before the lease (a minute) ends.
	claimed := claimTimers(t, s, at(5*time.Minute), "w", 10)
	if due := nextDue(t, s); !due.Equal(at(6 * time.Minute)) {
		t.Errorf("NextDue with a leased timer = %v, want the lease's end at 6m", due)
	}
	if err := fire(t, s, claimed[0]); err != nil {
		t.Fatal(err)
	}
	if due := nextDue(t, s); !due.Equal(at(10 * time.Minute)) {
		t.Errorf("NextDue after firing = %v, want 10m", due)
	}
}

// testDueTimers: the timers_due gauge counts what is due and waits for a worker: not
// a timer due later, not one a live lease holds, not one done.
func testDueTimers(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	n := inc.Number
	schedule(t, s, n,
		mim.Timer{Incident: n, Key: "first", Due: at(0)},
		mim.Timer{Incident: n, Key: "second", Due: at(5 * time.Minute)},
		mim.Timer{Incident: n, Key: "third", Due: at(20 * time.Minute)},
	)
	claimed := claimTimers(t, s, at(5*time.Minute), "w1", 1) // "first", leased until 6m
	if got := keys(claimed); !cmp.Equal(got, []string{"first"}) {
		t.Fatalf("claimed %q, want [first]", got)
	}
	count := func(now time.Duration) int {
		t.Helper()
		got, err := s.DueTimers(t.Context(), at(now))
		if err != nil {
			t.Fatalf("DueTimers(%v): %v", now, err)
		}
		return got
	}
	for _, c := range []struct {
		name string
		now  time.Duration
		want int
	}{
		{"before any is due", -time.Minute, 0},
		{"the first held by a live lease, the second due", 5*time.Minute + 30*time.Second, 1},
		{"the lease ran out: both wait again", 10 * time.Minute, 2},
		{"all three due", time.Hour, 3},
	} {
		if got := count(c.now); got != c.want {
			t.Errorf("%s: DueTimers(%v) = %d, want %d", c.name, c.now, got, c.want)
		}
	}
	if err := fire(t, s, claimed[0]); err != nil {
		t.Fatal(err)
	}
	if got := count(time.Hour); got != 2 {
		t.Errorf("after the first fired: DueTimers = %d, want 2", got)
	}
}

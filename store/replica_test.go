package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/pgtest"
	"mimbot/mim"
)

// Each test here runs two or more replicas: *DB values with pools of their own on
// one database, as separate processes would be.

// replicas opens n replicas of a fresh, migrated database.
func replicas(t *testing.T, n int) []*DB {
	t.Helper()
	url := migrated(t)
	var out []*DB
	for range n {
		out = append(out, openPostgresTest(t, url))
	}
	return out
}

// at is these tests' clock: d after 2026-03-01T10:00:00Z.
func at(d time.Duration) time.Time {
	return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).Add(d)
}

// declareOn declares an incident on db and fails the test unless it is created.
func declareOn(t *testing.T, db *DB, edit func(*mim.Incident, *mim.Change)) *mim.Incident {
	t.Helper()
	inc, created, err := db.CreateIncident(t.Context(), "", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
		inc.Title, inc.State, inc.Priority, inc.Major, inc.DeclaredAt = "Payments down", mim.Declared, mim.P1, true, at(0)
		if edit != nil {
			edit(inc, ch)
		}
		return nil
	})
	if err != nil || !created {
		t.Fatalf("CreateIncident = %v, %v; want created", created, err)
	}
	return inc
}

func TestReplicasClaimEachTimerOnce(t *testing.T) {
	dbs := replicas(t, 2)
	const total = 500
	inc := declareOn(t, dbs[0], func(inc *mim.Incident, ch *mim.Change) {
		for i := range total {
			ch.Schedule = append(ch.Schedule, mim.Timer{Key: fmt.Sprintf("k%03d", i), Due: at(time.Duration(i) * time.Millisecond)})
		}
	})

	// Two claimers per replica, as the engine's loop and a second worker would be.
	type claim struct {
		owner string
		timer mim.Timer
	}
	var (
		mu      sync.Mutex
		claimed []claim
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make(chan error, 4)
	)
	for r, db := range dbs {
		for w := range 2 {
			owner := fmt.Sprintf("replica%d/worker%d", r, w)
			wg.Go(func() {
				<-start
				// Bounded: a store that hands timers out twice must fail, not spin.
				for range total {
					ts, err := db.ClaimTimers(t.Context(), at(time.Minute), time.Hour, owner, 7)
					if err != nil {
						errs <- fmt.Errorf("%s: %w", owner, err)
						return
					}
					if len(ts) == 0 {
						return
					}
					mu.Lock()
					for _, tm := range ts {
						claimed = append(claimed, claim{owner, tm})
					}
					mu.Unlock()
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]string{}
	owners := map[string]int{}
	for _, c := range claimed {
		if c.timer.Incident != inc.Number {
			t.Errorf("claimed %+v, want a timer of #%d", c.timer, inc.Number)
		}
		if other, dup := seen[c.timer.Key]; dup {
			t.Errorf("%s claimed by %s and by %s", c.timer.Key, other, c.owner)
		}
		seen[c.timer.Key] = c.owner
		owners[c.owner]++
	}
	if len(seen) != total {
		t.Errorf("%d distinct timers claimed, want %d", len(seen), total)
	}
	t.Logf("timers claimed per worker: %v", owners)
}

// TestReplicaDiesLeaseExpires: a replica claims timers and dies before firing them.
// The other replica takes them over once the lease has run out, not before, and the
// dead one's claims are stale if it comes back.
func TestReplicaDiesLeaseExpires(t *testing.T) {
	dbs := replicas(t, 2)
	alive, dying := dbs[0], dbs[1]
	inc := declareOn(t, alive, func(inc *mim.Incident, ch *mim.Change) {
		for i := range 20 {
			ch.Schedule = append(ch.Schedule, mim.Timer{Key: fmt.Sprint("k", i), Due: at(0)})
		}
	})
	ctx := t.Context()
	lost, err := dying.ClaimTimers(ctx, at(time.Minute), 5*time.Minute, "dying", 100)
	if err != nil || len(lost) != 20 {
		t.Fatalf("the dying replica claimed %d timers, %v; want 20", len(lost), err)
	}
	// The lease is live up to and including 6m.
	for _, now := range []time.Duration{time.Minute, 3 * time.Minute, 6 * time.Minute} {
		ts, err := alive.ClaimTimers(ctx, at(now), 5*time.Minute, "alive", 100)
		if err != nil || len(ts) != 0 {
			t.Fatalf("at %v, under the dead replica's lease: claimed %d timers, %v; want none", now, len(ts), err)
		}
	}
	taken, err := alive.ClaimTimers(ctx, at(6*time.Minute+time.Millisecond), 5*time.Minute, "alive", 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lost, taken); diff != "" {
		t.Fatalf("timers taken over once the lease ran out (-lost +taken):\n%s", diff)
	}
	for _, tm := range taken {
		_, err := alive.UpdateIncident(ctx, inc.Number, func(_ *mim.Incident, ch *mim.Change) error {
			ch.Fired = &tm
			ch.Log(at(6*time.Minute), mim.KindReminder, mim.Bot, "fired "+tm.Key)
			return nil
		})
		if err != nil {
			t.Fatalf("firing %s on the live replica: %v", tm.Key, err)
		}
	}
	// The dead replica comes back and fires what it had claimed: nothing happens twice.
	_, err = dying.UpdateIncident(ctx, inc.Number, func(_ *mim.Incident, ch *mim.Change) error {
		ch.Fired = &lost[0]
		ch.Log(at(7*time.Minute), mim.KindReminder, mim.Bot, "fired twice")
		return nil
	})
	if !errors.Is(err, mim.ErrStale) {
		t.Errorf("a stale replica's firing: err = %v, want mim.ErrStale", err)
	}
	got, err := alive.Incident(ctx, inc.Number)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Timeline); n != 20 {
		t.Errorf("timeline has %d entries, want one per timer (20)", n)
	}
}

// TestReplicasDeliverInOrder: two replicas deliver 40 queues side by side; every
// message goes out once, and each queue in the order it was queued.
func TestReplicasDeliverInOrder(t *testing.T) {
	dbs := replicas(t, 2)
	const incidents, perQueue = 20, 5
	platforms := []string{"slack", "discord"}
	for range incidents {
		declareOn(t, dbs[0], func(inc *mim.Incident, ch *mim.Change) {
			for i := range perQueue {
				for _, p := range platforms {
					ch.Messages = append(ch.Messages, mim.Outgoing{Platform: p, To: mim.ToWarRoom, Text: fmt.Sprint(i), Created: at(0)})
				}
			}
		})
	}
	var (
		mu        sync.Mutex
		delivered = map[string][]string{} // queue -> texts in delivery order
		ids       = map[int64]bool{}
		wg        sync.WaitGroup
		errs      = make(chan error, 4)
		start     = make(chan struct{})
	)
	for r, db := range dbs {
		for w := range 2 {
			owner := fmt.Sprintf("replica%d/worker%d", r, w)
			wg.Go(func() {
				<-start
				idle := 0
				for range 10 * incidents * perQueue {
					ms, err := db.ClaimMessages(t.Context(), at(0), time.Hour, owner, platforms, 3)
					if err != nil {
						errs <- fmt.Errorf("%s: claim: %w", owner, err)
						return
					}
					// Empty-handed: every head is out with another worker, or all
					// is delivered. Give up after a few tries in a row.
					if len(ms) == 0 {
						if idle++; idle > 50 {
							return
						}
						time.Sleep(time.Millisecond)
						continue
					}
					idle = 0
					for _, d := range ms {
						m := d.Message
						mu.Lock()
						if ids[m.ID] {
							errs <- fmt.Errorf("message %d delivered twice", m.ID)
						}
						ids[m.ID] = true
						q := fmt.Sprintf("%s/#%d", m.Platform, m.Incident)
						delivered[q] = append(delivered[q], m.Text)
						mu.Unlock()
						if err := db.MessageDone(t.Context(), m.ID, ""); err != nil {
							errs <- fmt.Errorf("%s: done %d: %w", owner, m.ID, err)
							return
						}
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(ids) != incidents*perQueue*len(platforms) {
		t.Errorf("%d messages delivered, want %d", len(ids), incidents*perQueue*len(platforms))
	}
	want := []string{"0", "1", "2", "3", "4"}
	for q, texts := range delivered {
		if diff := cmp.Diff(want, texts); diff != "" {
			t.Errorf("queue %s delivered out of order (-want +got):\n%s", q, diff)
		}
	}
}

// TestReplicasDeclareSameRequest: two replicas handle the same slash command at
// once. Both build the incident (each has looked for the request key before the
// other inserted), one inserts, and the other collides on the key and returns the
// first one's incident.
func TestReplicasDeclareSameRequest(t *testing.T) {
	dbs := replicas(t, 2)
	for round := range 5 {
		key := fmt.Sprint("slack:T1:double-", round)
		var (
			wg      sync.WaitGroup
			inBuild sync.WaitGroup
			numbers [2]int
			created [2]bool
			errs    [2]error
			met     [2]bool
		)
		inBuild.Add(2)
		for r, db := range dbs {
			wg.Go(func() {
				entered := false
				inc, c, err := db.CreateIncident(t.Context(), key, func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
					inc.Title, inc.State, inc.Priority, inc.DeclaredAt = "Payments down", mim.Declared, mim.P1, at(0)
					ch.Log(at(0), mim.KindDeclared, "alice", "Declared")
					// Both replicas are past their lookup before either inserts;
					// a store that serialised declarations would get here one at a
					// time, and the wait gives up.
					if !entered {
						entered = true
						inBuild.Done()
						met[r] = waitTimeout(&inBuild, 5*time.Second)
					}
					return nil
				})
				if !entered {
					inBuild.Done()
				}
				if err == nil {
					numbers[r] = inc.Number
				}
				created[r], errs[r] = c, err
			})
		}
		wg.Wait()
		for r := range dbs {
			if errs[r] != nil {
				t.Fatalf("round %d, replica %d: %v", round, r, errs[r])
			}
		}
		if !met[0] || !met[1] {
			t.Fatalf("round %d: the replicas did not build side by side (%v): the collision on the request key went untested", round, met)
		}
		if created[0] == created[1] {
			t.Errorf("round %d: created = %v; want exactly one replica to create", round, created)
		}
		if numbers[0] != numbers[1] {
			t.Errorf("round %d: replicas returned incidents #%d and #%d, want the same", round, numbers[0], numbers[1])
		}
	}
	list, err := dbs[0].Incidents(t.Context(), mim.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 {
		t.Errorf("%d incidents stored, want one per request (5)", len(list))
	}
}

// TestReplicasMigrateTogether: replicas starting at once on an empty database all
// start, and the migrations are applied once.
func TestReplicasMigrateTogether(t *testing.T) {
	url := pgtest.DB(t)
	const n = 4
	var (
		wg   sync.WaitGroup
		errs [n]error
	)
	for i := range n {
		wg.Go(func() {
			db, err := OpenPostgres(t.Context(), url)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Open: %v", i, err)
		}
	}
	conn := connect(t, url)
	var applied int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM goose_db_version WHERE version_id = 1`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 1 {
		t.Errorf("migration 1 recorded %d times, want once", applied)
	}
	if diff := cmp.Diff([]string{"actions", "incidents", "known_errors", "models", "outbox", "problem_incidents", "problems", "requests", "search_incidents", "search_known", "timeline", "timers", "war_rooms"}, pgTables(t, conn)); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
}

// waitTimeout waits for wg, or gives up after d; it tells whether wg was done.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

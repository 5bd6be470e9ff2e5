package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// ClaimTimers leases up to limit pending timers due at now whose lease, if any, ran
// out before now, earliest due first. A lease is live up to and including its
// lease_until; a claim that is neither fired nor completed by then is handed out
// again. Each timer comes with the version it was claimed at.
//
// PostgreSQL replicas claim side by side: FOR UPDATE SKIP LOCKED passes over the
// timers another claim (or an update moving them) holds at that moment, and a timer
// leased by a claim that committed meanwhile is seen with its lease, so no timer
// goes to two claims while a lease is live. SQLite's claims take turns on its write
// lock.
func (db *DB) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, owner string, limit int) ([]mim.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	defer db.turn()()
	rows, err := db.queryThrough(ctx, db.db, `
		UPDATE timers SET lease_owner = ?, lease_until = ?
		WHERE id IN (
			SELECT id FROM timers
			WHERE done_at IS NULL
			  AND due <= ?
			  AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY due, id
			LIMIT ?`+db.d.skipLocked("")+`)
		RETURNING id, incident, key, due, version`,
		owner, db.d.time(now.Add(lease)), db.d.time(now), db.d.time(now), limit)
	if err != nil {
		return nil, db.fail("claim timers", err)
	}
	defer rows.Close()
	var out []mim.Timer
	for rows.Next() {
		var (
			t   mim.Timer
			due stamp
		)
		if err := rows.Scan(&t.ID, &t.Incident, &t.Key, &due, &t.Version); err != nil {
			return nil, db.fail("claim timers", err)
		}
		t.Due = due.Time
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("claim timers", err)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(out, func(a, b mim.Timer) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// NextDue returns when the earliest pending timer can next be claimed: its due time,
// or the end of a live lease on it; zero when no timer is pending.
func (db *DB) NextDue(ctx context.Context) (time.Time, error) {
	var due stamp
	err := db.queryRow(ctx, db.db, `SELECT MIN(`+db.d.greatest+`(due, COALESCE(lease_until, due))) FROM timers WHERE done_at IS NULL`).Scan(&due)
	if err != nil {
		return time.Time{}, db.fail("next due", err)
	}
	return due.Time, nil
}

// DueTimers counts the pending timers due at now that no live lease holds.
func (db *DB) DueTimers(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, db.db, `
		SELECT count(*) FROM timers
		WHERE done_at IS NULL
		  AND due <= ?
		  AND (lease_until IS NULL OR lease_until < ?)`,
		db.d.time(now), db.d.time(now)).Scan(&n)
	if err != nil {
		return 0, db.fail("due timers", err)
	}
	return n, nil
}

// CompleteTimer marks the claimed timer t done, schedules next (when not nil) and
// queues msgs, in one transaction. mim.ErrStale, and nothing saved, when t was
// moved, cancelled or completed since it was claimed.
func (db *DB) CompleteTimer(ctx context.Context, t mim.Timer, next *mim.Timer, msgs []mim.Outgoing) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.fire(ctx, tx, t); err != nil {
			return err
		}
		if next != nil {
			if err := db.schedule(ctx, tx, *next); err != nil {
				return err
			}
		}
		return db.queue(ctx, tx, msgs)
	})
	if err != nil {
		return db.fail(fmt.Sprintf("complete timer %d", t.ID), err)
	}
	return nil
}

// EnsureTimer schedules t unless its (incident, key) already has a pending timer,
// which it leaves as it is: every replica calls it at start-up for the global timers,
// and ON CONFLICT settles replicas starting at once. A timer that is done is
// re-armed at t.Due.
func (db *DB) EnsureTimer(ctx context.Context, t mim.Timer) error {
	defer db.turn()()
	_, err := db.exec(ctx, db.db, `
		INSERT INTO timers (incident, key, due) VALUES (?, ?, ?)
		ON CONFLICT (incident, key) DO UPDATE SET
			due = excluded.due, version = timers.version + 1,
			lease_owner = NULL, lease_until = NULL, done_at = NULL
		WHERE timers.done_at IS NOT NULL`,
		t.Incident, t.Key, db.d.time(t.Due))
	if err != nil {
		return db.fail(fmt.Sprintf("ensure timer %d/%s", t.Incident, t.Key), err)
	}
	return nil
}

// schedule creates the timer of (t.Incident, t.Key), or moves it to t.Due: a new
// version, pending again, any lease dropped.
func (db *DB) schedule(ctx context.Context, tx *sql.Tx, t mim.Timer) error {
	_, err := db.exec(ctx, tx, `
		INSERT INTO timers (incident, key, due) VALUES (?, ?, ?)
		ON CONFLICT (incident, key) DO UPDATE SET
			due = excluded.due, version = timers.version + 1,
			lease_owner = NULL, lease_until = NULL, done_at = NULL`,
		t.Incident, t.Key, db.d.time(t.Due))
	if err != nil {
		return fmt.Errorf("schedule %s: %w", t.Key, err)
	}
	return nil
}

// scheduleAll schedules timers as schedule does, in one statement: a declaration
// arms a timer per clock and per page, and each would otherwise be a round trip
// inside the transaction that holds the write lock. A key given twice keeps its last
// due time (PostgreSQL refuses to update one row twice in a statement).
func (db *DB) scheduleAll(ctx context.Context, tx *sql.Tx, timers []mim.Timer) error {
	type key struct {
		incident int
		key      string
	}
	last := make(map[key]int, len(timers))
	for i, t := range timers {
		last[key{t.Incident, t.Key}] = i
	}
	var (
		rows []string
		args []any
		keys []string
	)
	for i, t := range timers {
		if last[key{t.Incident, t.Key}] != i {
			continue
		}
		rows = append(rows, "(?, ?, ?)")
		args = append(args, t.Incident, t.Key, db.d.time(t.Due))
		keys = append(keys, t.Key)
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := db.exec(ctx, tx, `
		INSERT INTO timers (incident, key, due) VALUES `+strings.Join(rows, ", ")+`
		ON CONFLICT (incident, key) DO UPDATE SET
			due = excluded.due, version = timers.version + 1,
			lease_owner = NULL, lease_until = NULL, done_at = NULL`, args...)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", strings.Join(keys, ", "), err)
	}
	return nil
}

// fire marks the claimed timer t done if it is still the version that was claimed
// and pending; mim.ErrStale otherwise, which rolls back the whole transaction. The
// lease columns stay, to show who fired it.
func (db *DB) fire(ctx context.Context, tx *sql.Tx, t mim.Timer) error {
	res, err := db.exec(ctx, tx, `
		UPDATE timers SET done_at = ?
		WHERE id = ? AND version = ? AND done_at IS NULL`,
		db.doneAt(), t.ID, t.Version)
	if err != nil {
		return fmt.Errorf("fire timer %d: %w", t.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("fire timer %d: %w", t.ID, err)
	} else if n == 0 {
		return fmt.Errorf("fire timer %d (%s, version %d): %w", t.ID, t.Key, t.Version, mim.ErrStale)
	}
	return nil
}

func (db *DB) cancel(ctx context.Context, tx *sql.Tx, incident int, key string) error {
	_, err := db.exec(ctx, tx, `
		UPDATE timers SET done_at = ?
		WHERE incident = ? AND key = ? AND done_at IS NULL`,
		db.doneAt(), incident, key)
	if err != nil {
		return fmt.Errorf("cancel %s: %w", key, err)
	}
	return nil
}

func (db *DB) cancelAll(ctx context.Context, tx *sql.Tx, incident int) error {
	_, err := db.exec(ctx, tx, `
		UPDATE timers SET done_at = ?
		WHERE incident = ? AND done_at IS NULL`,
		db.doneAt(), incident)
	if err != nil {
		return fmt.Errorf("cancel all timers: %w", err)
	}
	return nil
}

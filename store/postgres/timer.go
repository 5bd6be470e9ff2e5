package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"mimbot/mim"
)

// ClaimTimers leases up to limit pending timers due at now whose lease, if any, ran
// out before now, earliest due first. A lease is live up to and including its
// lease_until; a claim that is neither fired nor completed by then is handed out
// again. Each timer comes with the version it was claimed at.
//
// Replicas claim side by side: FOR UPDATE SKIP LOCKED passes over the timers another
// claim (or an update moving them) holds at that moment, and a timer leased by a
// claim that committed meanwhile is seen with its lease, so no timer goes to two
// claims while a lease is live.
func (db *DB) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, owner string, limit int) ([]mim.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `
		UPDATE timers SET lease_owner = $1, lease_until = $2
		WHERE id IN (
			SELECT id FROM timers
			WHERE done_at IS NULL
			  AND due <= $3
			  AND (lease_until IS NULL OR lease_until < $3)
			ORDER BY due, id
			LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING id, incident, key, due, version`,
		owner, stamp(now.Add(lease)), stamp(now), limit)
	if err != nil {
		return nil, db.fail("claim timers", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (mim.Timer, error) {
		var t mim.Timer
		err := row.Scan(&t.ID, &t.Incident, &t.Key, &t.Due, &t.Version)
		t.Due = t.Due.UTC()
		return t, err
	})
	if err != nil {
		return nil, db.fail("claim timers", err)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(out, func(a, b mim.Timer) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// NextDue returns when the earliest pending timer is due, leased or not; zero when
// no timer is pending.
func (db *DB) NextDue(ctx context.Context) (time.Time, error) {
	var due *time.Time
	if err := db.pool.QueryRow(ctx, `SELECT MIN(GREATEST(due, lease_until)) FROM timers WHERE done_at IS NULL`).Scan(&due); err != nil {
		return time.Time{}, db.fail("next due", err)
	}
	return fromNull(due), nil
}

// CompleteTimer marks the claimed timer t done, schedules next (when not nil) and
// queues msgs, in one transaction. mim.ErrStale, and nothing saved, when t was
// moved, cancelled or completed since it was claimed.
func (db *DB) CompleteTimer(ctx context.Context, t mim.Timer, next *mim.Timer, msgs []mim.Outgoing) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := fire(ctx, tx, t); err != nil {
			return err
		}
		if next != nil {
			if err := schedule(ctx, tx, *next); err != nil {
				return err
			}
		}
		return queue(ctx, tx, msgs)
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
	_, err := db.pool.Exec(ctx, `
		INSERT INTO timers (incident, key, due) VALUES ($1, $2, $3)
		ON CONFLICT (incident, key) DO UPDATE SET
			due = excluded.due, version = timers.version + 1,
			lease_owner = NULL, lease_until = NULL, done_at = NULL
		WHERE timers.done_at IS NOT NULL`,
		t.Incident, t.Key, stamp(t.Due))
	if err != nil {
		return db.fail(fmt.Sprintf("ensure timer %d/%s", t.Incident, t.Key), err)
	}
	return nil
}

// schedule creates the timer of (t.Incident, t.Key), or moves it to t.Due: a new
// version, pending again, any lease dropped.
func schedule(ctx context.Context, tx pgx.Tx, t mim.Timer) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO timers (incident, key, due) VALUES ($1, $2, $3)
		ON CONFLICT (incident, key) DO UPDATE SET
			due = excluded.due, version = timers.version + 1,
			lease_owner = NULL, lease_until = NULL, done_at = NULL`,
		t.Incident, t.Key, stamp(t.Due))
	if err != nil {
		return fmt.Errorf("schedule %s: %w", t.Key, err)
	}
	return nil
}

// fire marks the claimed timer t done if it is still the version that was claimed
// and pending; mim.ErrStale otherwise, which rolls back the whole transaction. The
// lease columns stay, to show who fired it.
func fire(ctx context.Context, tx pgx.Tx, t mim.Timer) error {
	tag, err := tx.Exec(ctx, `
		UPDATE timers SET done_at = $1
		WHERE id = $2 AND version = $3 AND done_at IS NULL`,
		doneAt(), t.ID, t.Version)
	if err != nil {
		return fmt.Errorf("fire timer %d: %w", t.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("fire timer %d (%s, version %d): %w", t.ID, t.Key, t.Version, mim.ErrStale)
	}
	return nil
}

func cancel(ctx context.Context, tx pgx.Tx, incident int, key string) error {
	_, err := tx.Exec(ctx, `
		UPDATE timers SET done_at = $1
		WHERE incident = $2 AND key = $3 AND done_at IS NULL`,
		doneAt(), incident, key)
	if err != nil {
		return fmt.Errorf("cancel %s: %w", key, err)
	}
	return nil
}

func cancelAll(ctx context.Context, tx pgx.Tx, incident int) error {
	_, err := tx.Exec(ctx, `
		UPDATE timers SET done_at = $1
		WHERE incident = $2 AND done_at IS NULL`,
		doneAt(), incident)
	if err != nil {
		return fmt.Errorf("cancel all timers: %w", err)
	}
	return nil
}

package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// ClaimTimers leases up to limit pending timers due at now whose lease, if any, ran
// out before now, earliest due first. A lease is live up to and including its
// lease_until; a claim that is neither fired nor completed by then is handed out
// again. Each timer comes with the version it was claimed at.
func (db *DB) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, owner string, limit int) ([]mim.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []mim.Timer
	err := db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			UPDATE timers SET lease_owner = ?, lease_until = ?
			WHERE id IN (
				SELECT id FROM timers
				WHERE done_at IS NULL
				  AND due <= ?
				  AND (lease_until IS NULL OR lease_until < ?)
				ORDER BY due, id
				LIMIT ?)
			RETURNING id, incident, key, due, version`,
			owner, millis(now.Add(lease)), millis(now), millis(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				t   mim.Timer
				due int64
			)
			if err := rows.Scan(&t.ID, &t.Incident, &t.Key, &due, &t.Version); err != nil {
				return err
			}
			t.Due = fromMillis(due)
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim timers: %w", err)
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
	var due sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT MIN(max(due, COALESCE(lease_until, due))) FROM timers WHERE done_at IS NULL`).Scan(&due); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: next due: %w", err)
	}
	return fromNullMillis(due), nil
}

// CompleteTimer marks the claimed timer t done, schedules next (when not nil) and
// queues msgs, in one transaction. mim.ErrStale, and nothing saved, when t was
// moved, cancelled or completed since it was claimed.
func (db *DB) CompleteTimer(ctx context.Context, t mim.Timer, next *mim.Timer, msgs []mim.Outgoing) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
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
		return fmt.Errorf("sqlite: complete timer %d: %w", t.ID, err)
	}
	return nil
}

// EnsureTimer schedules t unless its (incident, key) already has a pending timer,
// which it leaves as it is: every replica calls it at start-up for the global timers.
// A timer that is done is re-armed at t.Due.
func (db *DB) EnsureTimer(ctx context.Context, t mim.Timer) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO timers (incident, key, due) VALUES (?, ?, ?)
			ON CONFLICT (incident, key) DO UPDATE SET
				due = excluded.due, version = timers.version + 1,
				lease_owner = NULL, lease_until = NULL, done_at = NULL
			WHERE timers.done_at IS NOT NULL`,
			t.Incident, t.Key, millis(t.Due))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: ensure timer %d/%s: %w", t.Incident, t.Key, err)
	}
	return nil
}

// schedule creates the timer of (t.Incident, t.Key), or moves it to t.Due: a new
// version, pending again, any lease dropped.
func schedule(ctx context.Context, tx *sql.Tx, t mim.Timer) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO timers (incident, key, due) VALUES (?, ?, ?)
		ON CONFLICT (incident, key) DO UPDATE SET
			due = excluded.due, version = timers.version + 1,
			lease_owner = NULL, lease_until = NULL, done_at = NULL`,
		t.Incident, t.Key, millis(t.Due))
	if err != nil {
		return fmt.Errorf("schedule %s: %w", t.Key, err)
	}
	return nil
}

// fire marks the claimed timer t done if it is still the version that was claimed
// and pending; mim.ErrStale otherwise. The lease columns stay, to show who fired it.
func fire(ctx context.Context, tx *sql.Tx, t mim.Timer) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE timers SET done_at = ?
		WHERE id = ? AND version = ? AND done_at IS NULL`,
		doneAt(), t.ID, t.Version)
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

func cancel(ctx context.Context, tx *sql.Tx, incident int, key string) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE timers SET done_at = ?
		WHERE incident = ? AND key = ? AND done_at IS NULL`,
		doneAt(), incident, key)
	if err != nil {
		return fmt.Errorf("cancel %s: %w", key, err)
	}
	return nil
}

func cancelAll(ctx context.Context, tx *sql.Tx, incident int) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE timers SET done_at = ?
		WHERE incident = ? AND done_at IS NULL`,
		doneAt(), incident)
	if err != nil {
		return fmt.Errorf("cancel all timers: %w", err)
	}
	return nil
}

// doneAt is the stored time of a done_at column. It is a record for people reading
// the database, never compared with due times, so it is the wall clock rather than
// the service's clock, which the Store interface does not pass in.
func doneAt() int64 { return millis(time.Now()) }

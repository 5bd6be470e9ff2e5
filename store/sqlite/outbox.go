package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// ClaimMessages leases up to limit messages to deliver at now, oldest first, each
// the head of its (platform, incident) queue: a message waits while any earlier
// message of its queue is not done, whether that one is leased, waiting for a retry
// or due. Claiming counts an attempt.
func (db *DB) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, owner string, limit int) ([]mim.Outgoing, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []mim.Outgoing
	err := db.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (
				SELECT o.id FROM outbox AS o
				WHERE o.done_at IS NULL
				  AND (o.next_at IS NULL OR o.next_at <= ?)
				  AND (o.lease_until IS NULL OR o.lease_until < ?)
				  AND NOT EXISTS (
					SELECT 1 FROM outbox AS e
					WHERE e.platform = o.platform AND e.incident = o.incident AND e.queue = o.queue
					  AND e.done_at IS NULL AND e.id < o.id)
				ORDER BY o.id
				LIMIT ?)
			RETURNING id, platform, incident, audience, person, kind, text, buttons, attempts, created_at`,
			owner, millis(now.Add(lease)), millis(now), millis(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				m       mim.Outgoing
				buttons []byte
				created int64
			)
			if err := rows.Scan(&m.ID, &m.Platform, &m.Incident, &m.To, &m.Person, &m.Kind, &m.Text, &buttons, &m.Attempts, &created); err != nil {
				return err
			}
			if err := json.Unmarshal(buttons, &m.Buttons); err != nil {
				return fmt.Errorf("message %d: buttons: %w", m.ID, err)
			}
			if len(m.Buttons) == 0 {
				m.Buttons = nil
			}
			m.Created = fromMillis(created)
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", err)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(out, func(a, b mim.Outgoing) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MessageDone marks message id delivered, or given up on when failure is not empty;
// the next message of its queue can go. mim.ErrStale when it is already done.
func (db *DB) MessageDone(ctx context.Context, id int64, failure string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE outbox SET done_at = ?, failure = ?
			WHERE id = ? AND done_at IS NULL`,
			doneAt(), failure, id)
		return pending(ctx, tx, id, res, err)
	})
	if err != nil {
		return fmt.Errorf("sqlite: message %d done: %w", id, err)
	}
	return nil
}

// MessageRetry releases message id to be claimed again at retryAt (at once when
// retryAt is zero); until then its queue waits behind it. failure says why the
// attempt failed. mim.ErrStale when it is already done.
func (db *DB) MessageRetry(ctx context.Context, id int64, retryAt time.Time, failure string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE outbox SET lease_owner = NULL, lease_until = NULL, next_at = ?, failure = ?
			WHERE id = ? AND done_at IS NULL`,
			nullMillis(retryAt), failure, id)
		return pending(ctx, tx, id, res, err)
	})
	if err != nil {
		return fmt.Errorf("sqlite: retry message %d: %w", id, err)
	}
	return nil
}

// pending explains an update of message id that matched no pending row: the message
// does not exist (mim.ENOTFOUND), or it is done already (mim.ErrStale).
func pending(ctx context.Context, tx *sql.Tx, id int64, res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return mim.Errorf(mim.ENOTFOUND, "There is no outgoing message %d.", id)
	case err != nil:
		return err
	}
	return mim.ErrStale
}

// queue puts msgs in the outbox, at the tail of their queues. A message without a
// creation time is stamped with the wall clock.
func queue(ctx context.Context, tx *sql.Tx, msgs []mim.Outgoing) error {
	for _, m := range msgs {
		buttons, err := jsonStrings(m.Buttons)
		if err != nil {
			return fmt.Errorf("queue message: buttons: %w", err)
		}
		created := m.Created
		if created.IsZero() {
			created = time.Now()
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO outbox (platform, incident, queue, audience, person, kind, text, buttons, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Platform, m.Incident, m.Queue(), m.To, m.Person, m.Kind, m.Text, buttons, millis(created))
		if err != nil {
			return fmt.Errorf("queue message to %s on %s: %w", m.To, m.Platform, err)
		}
	}
	return nil
}

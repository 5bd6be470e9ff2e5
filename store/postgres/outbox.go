package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mimbot/mim"
)

// ClaimMessages leases up to limit messages to deliver at now, oldest first, each
// the head of its (platform, incident, queue) queue: a message waits while any earlier
// message of its queue is not done, whether that one is leased, waiting for a retry
// or due. Claiming counts an attempt.
//
// Replicas claim side by side: FOR UPDATE SKIP LOCKED passes over a head another
// claim holds at that moment, and the message behind it stays behind it, since the
// head is still not done. A head leased by a claim that committed meanwhile is seen
// with its lease. So no message goes to two claims while a lease is live, and no
// queue is delivered out of order.
func (db *DB) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, owner string, limit int) ([]mim.Outgoing, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `
		UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
		WHERE id IN (
			SELECT o.id FROM outbox AS o
			WHERE o.done_at IS NULL
			  AND (o.next_at IS NULL OR o.next_at <= $3)
			  AND (o.lease_until IS NULL OR o.lease_until < $3)
			  AND NOT EXISTS (
				SELECT 1 FROM outbox AS e
				WHERE e.platform = o.platform AND e.incident = o.incident AND e.queue = o.queue
				  AND e.done_at IS NULL AND e.id < o.id)
			ORDER BY o.id
			LIMIT $4
			FOR UPDATE OF o SKIP LOCKED)
		RETURNING id, platform, incident, audience, person, kind, text, buttons, attempts, created_at`,
		owner, stamp(now.Add(lease)), stamp(now), limit)
	if err != nil {
		return nil, db.fail("claim messages", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (mim.Outgoing, error) {
		var (
			m       mim.Outgoing
			buttons []byte
		)
		if err := row.Scan(&m.ID, &m.Platform, &m.Incident, &m.To, &m.Person, &m.Kind, &m.Text, &buttons, &m.Attempts, &m.Created); err != nil {
			return m, err
		}
		if err := json.Unmarshal(buttons, &m.Buttons); err != nil {
			return m, fmt.Errorf("message %d: buttons: %w", m.ID, err)
		}
		if len(m.Buttons) == 0 {
			m.Buttons = nil
		}
		m.Created = m.Created.UTC()
		return m, nil
	})
	if err != nil {
		return nil, db.fail("claim messages", err)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(out, func(a, b mim.Outgoing) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MessageDone marks message id delivered, or given up on when failure is not empty;
// the next message of its queue can go. mim.ErrStale when it is already done.
func (db *DB) MessageDone(ctx context.Context, id int64, failure string) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE outbox SET done_at = $1, failure = $2
			WHERE id = $3 AND done_at IS NULL`,
			doneAt(), failure, id)
		return pending(ctx, tx, id, tag, err)
	})
	if err != nil {
		return db.fail(fmt.Sprintf("message %d done", id), err)
	}
	return nil
}

// MessageRetry releases message id to be claimed again at retryAt (at once when
// retryAt is zero); until then its queue waits behind it. failure says why the
// attempt failed. mim.ErrStale when it is already done.
func (db *DB) MessageRetry(ctx context.Context, id int64, retryAt time.Time, failure string) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE outbox SET lease_owner = NULL, lease_until = NULL, next_at = $1, failure = $2
			WHERE id = $3 AND done_at IS NULL`,
			nullStamp(retryAt), failure, id)
		return pending(ctx, tx, id, tag, err)
	})
	if err != nil {
		return db.fail(fmt.Sprintf("retry message %d", id), err)
	}
	return nil
}

// pending explains an update of message id that matched no pending row: the message
// does not exist (mim.ENOTFOUND), or it is done already (mim.ErrStale).
func pending(ctx context.Context, tx pgx.Tx, id int64, tag pgconn.CommandTag, err error) error {
	if err != nil || tag.RowsAffected() > 0 {
		return err
	}
	var one int
	err = tx.QueryRow(ctx, `SELECT 1 FROM outbox WHERE id = $1`, id).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return mim.Errorf(mim.ENOTFOUND, "There is no outgoing message %d.", id)
	case err != nil:
		return err
	}
	return mim.ErrStale
}

// outboxLock is the first key of the transaction-level advisory lock
// (pg_advisory_xact_lock(outboxLock, incident)) that writers of an incident's
// queues hold until they commit. Ids come from a sequence when a row is inserted,
// not when it commits: without the lock, a claimer could see a message before an
// earlier one of its queue that is not committed yet, and send it first. Writers of
// one incident mostly hold its row lock already; the advisory lock also covers the
// queues of incident 0 (the digest, queued by CompleteTimer, which locks no
// incident). The value is "mimo" in ASCII, to tell it apart in pg_locks.
const outboxLock = 0x6d696d6f

// queue puts msgs in the outbox, at the tail of their queues. A message without a
// creation time is stamped with the wall clock.
func queue(ctx context.Context, tx pgx.Tx, msgs []mim.Outgoing) error {
	if len(msgs) == 0 {
		return nil
	}
	// Locks taken in one order by every writer cannot deadlock among themselves.
	var incidents []int
	for _, m := range msgs {
		incidents = append(incidents, m.Incident)
	}
	slices.Sort(incidents)
	for _, n := range slices.Compact(incidents) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::integer, $2::integer)`, outboxLock, n); err != nil {
			return fmt.Errorf("queue messages of #%d: lock: %w", n, err)
		}
	}
	for _, m := range msgs {
		buttons, err := jsonStrings(m.Buttons)
		if err != nil {
			return fmt.Errorf("queue message: buttons: %w", err)
		}
		created := m.Created
		if created.IsZero() {
			created = time.Now()
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO outbox (platform, incident, queue, audience, person, kind, text, buttons, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			m.Platform, m.Incident, m.Queue(), m.To, m.Person, m.Kind, m.Text, buttons, stamp(created))
		if err != nil {
			return fmt.Errorf("queue message to %s on %s: %w", m.To, m.Platform, err)
		}
	}
	return nil
}

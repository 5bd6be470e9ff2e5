package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// ClaimMessages leases up to limit messages for the given platforms to deliver at
// now, oldest first, each the head of its (platform, incident, queue) queue: a
// message waits while any earlier message of its queue is not done, whether that one
// is leased, waiting for a retry or due. Claiming counts an attempt. A message for a
// platform not in platforms is left to a process that serves it; no platforms claim
// nothing.
//
// Each message comes with its incident (without the timeline, which no delivery
// needs) and the incident's war room on the message's platform, read by the same
// statement that claims it.
//
// PostgreSQL replicas claim side by side: FOR UPDATE SKIP LOCKED passes over a head
// another claim holds at that moment, and the message behind it stays behind it,
// since the head is still not done. A head leased by a claim that committed
// meanwhile is seen with its lease. So no message goes to two claims while a lease
// is live, and no queue is delivered out of order.
func (db *DB) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, owner string, platforms []string, limit int) ([]mim.Delivery, error) {
	if limit <= 0 || len(platforms) == 0 {
		return nil, nil
	}
	defer db.turn()()
	// The incident's columns, one scalar subquery each: RETURNING may not join.
	var incident []string
	for _, c := range strings.Split(incidentColumns, ", ") {
		incident = append(incident, `(SELECT i.`+c+` FROM incidents AS i WHERE i.number = outbox.incident)`)
	}
	served, platformArgs := db.d.in("o.platform", platforms)
	args := append([]any{owner, db.d.time(now.Add(lease)), db.d.time(now), db.d.time(now)}, platformArgs...)
	args = append(args, limit)
	rows, err := db.queryThrough(ctx, db.db, `
		UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (
			SELECT o.id FROM outbox AS o
			WHERE o.done_at IS NULL
			  AND (o.next_at IS NULL OR o.next_at <= ?)
			  AND (o.lease_until IS NULL OR o.lease_until < ?)
			  AND `+served+`
			  AND NOT EXISTS (
				SELECT 1 FROM outbox AS e
				WHERE e.platform = o.platform AND e.incident = o.incident AND e.queue = o.queue
				  AND e.done_at IS NULL AND e.id < o.id)
			ORDER BY o.id
			LIMIT ?`+db.d.skipLocked(" OF o")+`)
		RETURNING id, platform, incident, audience, person, kind, text, buttons, attempts, created_at,
			`+strings.Join(incident, ",\n\t\t\t"),
		args...)
	if err != nil {
		return nil, db.fail("claim messages", err)
	}
	defer rows.Close()
	var out []mim.Delivery
	for rows.Next() {
		var (
			m       mim.Outgoing
			buttons []byte
			created stamp
			inc     incidentRow
		)
		dest := append([]any{&m.ID, &m.Platform, &m.Incident, &m.To, &m.Person, &m.Kind, &m.Text, &buttons, &m.Attempts, &created}, inc.dest()...)
		if err := rows.Scan(dest...); err != nil {
			return nil, db.fail("claim messages", err)
		}
		if err := json.Unmarshal(buttons, &m.Buttons); err != nil {
			return nil, db.fail("claim messages", fmt.Errorf("message %d: buttons: %w", m.ID, err))
		}
		if len(m.Buttons) == 0 {
			m.Buttons = nil
		}
		m.Created = created.Time
		d := mim.Delivery{Message: m}
		if m.Incident != 0 {
			if d.Incident, err = inc.incident(); err != nil {
				return nil, db.fail("claim messages", err)
			}
		}
		if d.Incident != nil {
			if room, ok := d.Incident.Room(m.Platform); ok {
				d.Room = &room
			}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("claim messages", err)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(out, func(a, b mim.Delivery) int { return cmp.Compare(a.Message.ID, b.Message.ID) })
	return out, nil
}

// PendingMessages counts the messages not yet delivered (nor given up on), by
// platform.
func (db *DB) PendingMessages(ctx context.Context) (map[string]int, error) {
	rows, err := db.query(ctx, db.db, `SELECT platform, count(*) FROM outbox WHERE done_at IS NULL GROUP BY platform`)
	if err != nil {
		return nil, db.fail("pending messages", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			p string
			n int
		)
		if err := rows.Scan(&p, &n); err != nil {
			return nil, db.fail("pending messages", err)
		}
		out[p] = n
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("pending messages", err)
	}
	return out, nil
}

// MessageDone marks message id delivered, or given up on when failure is not empty;
// the next message of its queue can go. mim.ErrStale when it is already done.
func (db *DB) MessageDone(ctx context.Context, id int64, failure string) error {
	defer db.turn()()
	res, err := db.exec(ctx, db.db, `
		UPDATE outbox SET done_at = ?, failure = ?
		WHERE id = ? AND done_at IS NULL`,
		db.doneAt(), failure, id)
	if err := db.pending(ctx, id, res, err); err != nil {
		return db.fail(fmt.Sprintf("message %d done", id), err)
	}
	return nil
}

// MessageRetry releases message id to be claimed again at retryAt (at once when
// retryAt is zero); until then its queue waits behind it. failure says why the
// attempt failed. mim.ErrStale when it is already done.
func (db *DB) MessageRetry(ctx context.Context, id int64, retryAt time.Time, failure string) error {
	defer db.turn()()
	res, err := db.exec(ctx, db.db, `
		UPDATE outbox SET lease_owner = NULL, lease_until = NULL, next_at = ?, failure = ?
		WHERE id = ? AND done_at IS NULL`,
		db.d.stamp(retryAt), failure, id)
	if err := db.pending(ctx, id, res, err); err != nil {
		return db.fail(fmt.Sprintf("retry message %d", id), err)
	}
	return nil
}

// ExtendLease keeps message id leased to owner until until, while its delivery runs
// (a slow platform, a long Retry-After): a lease that ran out mid-delivery would let
// another claim send the message a second time. mim.ErrStale when owner no longer
// holds it.
func (db *DB) ExtendLease(ctx context.Context, id int64, owner string, until time.Time) error {
	defer db.turn()()
	res, err := db.exec(ctx, db.db, `
		UPDATE outbox SET lease_until = ?
		WHERE id = ? AND done_at IS NULL AND lease_owner = ?`,
		db.d.time(until), id, owner)
	if err != nil {
		return db.fail(fmt.Sprintf("extend lease of message %d", id), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.fail(fmt.Sprintf("extend lease of message %d", id), err)
	} else if n == 0 {
		return mim.ErrStale
	}
	return nil
}

// pending explains an update of message id that matched no pending row: the message
// does not exist (mim.ENOTFOUND), or it is done already (mim.ErrStale). A message
// that is done stays done, so asking after the update tells the same.
func (db *DB) pending(ctx context.Context, id int64, res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var one int
	err = db.queryRow(ctx, db.db, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one)
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
func (db *DB) queue(ctx context.Context, tx *sql.Tx, msgs []mim.Outgoing) error {
	if len(msgs) == 0 {
		return nil
	}
	if db.d.lockQueue != "" {
		// Locks taken in one order by every writer cannot deadlock among themselves.
		var incidents []int
		for _, m := range msgs {
			incidents = append(incidents, m.Incident)
		}
		slices.Sort(incidents)
		for _, n := range slices.Compact(incidents) {
			if _, err := db.exec(ctx, tx, db.d.lockQueue, outboxLock, n); err != nil {
				return fmt.Errorf("queue messages of #%d: lock: %w", n, err)
			}
		}
	}
	for chunk := range slices.Chunk(msgs, outboxBatch) {
		values := make([]string, len(chunk))
		args := make([]any, 0, 9*len(chunk))
		for i, m := range chunk {
			buttons, err := jsonStrings(m.Buttons)
			if err != nil {
				return fmt.Errorf("queue message: buttons: %w", err)
			}
			created := m.Created
			if created.IsZero() {
				created = time.Now()
			}
			values[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, m.Platform, m.Incident, m.Queue(), m.To, m.Person, m.Kind, m.Text, buttons, db.d.time(created))
		}
		// One statement numbers its rows in the order of its VALUES: a queue's
		// messages keep the order they were given in.
		_, err := db.exec(ctx, tx, `
			INSERT INTO outbox (platform, incident, queue, audience, person, kind, text, buttons, created_at)
			VALUES `+strings.Join(values, ", "), args...)
		if err != nil {
			return fmt.Errorf("queue %d message(s) to %s on %s: %w", len(chunk), chunk[0].To, chunk[0].Platform, err)
		}
	}
	return nil
}

// outboxBatch bounds the messages of one INSERT (9 parameters each).
const outboxBatch = 300

// outboxLock is the first key of PostgreSQL's transaction-level advisory lock
// (pg_advisory_xact_lock(outboxLock, incident)) that writers of an incident's queues
// hold until they commit (dialect.lockQueue says why). Writers of one incident
// mostly hold its row lock already; the advisory lock also covers the queues of
// incident 0 (the digest, queued by CompleteTimer, which locks no incident). The
// value is "mimo" in ASCII, to tell it apart in pg_locks.
const outboxLock = 0x6d696d6f

package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// constraintRequest is the primary key of requests, named in the PostgreSQL
// migration.
const constraintRequest = "requests_pkey"

// save writes what goes with the incident's row: its war-room index and the Change.
// It returns the timeline entries it appended, as a read would return them.
//
// mim.Change does not order its parts, so the store does, as a use case would expect:
// Fired first (a reminder that schedules the next reminder completes the claimed one,
// then re-arms the same key), then Cancel and CancelAll (so that "cancel everything,
// then schedule afresh" works, as when an incident is reopened), then Schedule, then
// the problems opened and the global timers, then the timeline entries and the
// messages. Timers and messages that name no incident (0) belong to inc; Global
// timers belong to none. before is the incident's war rooms as stored (nil for a new
// incident).
func (db *DB) save(ctx context.Context, tx *sql.Tx, inc *mim.Incident, before []mim.WarRoom, ch mim.Change) ([]mim.Entry, error) {
	if ch.Request != "" {
		_, err := db.exec(ctx, tx, `INSERT INTO requests (key, incident, at) VALUES (?, ?, ?)`, ch.Request, inc.Number, db.doneAt())
		if db.d.unique(err, constraintRequest) {
			return nil, mim.ErrSeen
		}
		if err != nil {
			return nil, fmt.Errorf("record request: %w", err)
		}
	}
	if err := db.syncRooms(ctx, tx, inc, before); err != nil {
		return nil, err
	}
	if ch.Fired != nil {
		if err := db.fire(ctx, tx, *ch.Fired); err != nil {
			return nil, err
		}
	}
	if ch.CancelAll {
		if err := db.cancelAll(ctx, tx, inc.Number); err != nil {
			return nil, err
		}
	}
	for _, key := range ch.Cancel {
		if err := db.cancel(ctx, tx, inc.Number, key); err != nil {
			return nil, err
		}
	}
	timers := make([]mim.Timer, len(ch.Schedule))
	for i, t := range ch.Schedule {
		if t.Incident == 0 {
			t.Incident = inc.Number
		}
		timers[i] = t
	}
	if err := db.scheduleAll(ctx, tx, timers); err != nil {
		return nil, err
	}
	if err := db.openProblems(ctx, tx, inc.Number, ch.Problems); err != nil {
		return nil, err
	}
	for _, t := range ch.Global {
		t.Incident = 0
		if err := db.schedule(ctx, tx, t); err != nil {
			return nil, err
		}
	}
	// The incident's entries and those for other incidents go in one statement; the
	// first len(ch.Entries) come back with their ids.
	rows := make([]timelineRow, 0, len(ch.Entries)+len(ch.Elsewhere))
	for _, e := range ch.Entries {
		rows = append(rows, timelineRow{inc.Number, e})
	}
	for _, e := range ch.Elsewhere {
		rows = append(rows, timelineRow{e.Incident, e.Entry})
	}
	logged, err := db.logEntries(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	entries := logged[:len(ch.Entries)]
	msgs := slices.Clone(ch.Messages)
	for i := range msgs {
		if msgs[i].Incident == 0 {
			msgs[i].Incident = inc.Number
		}
	}
	return entries, db.queue(ctx, tx, msgs)
}

// timelineRow is an entry for the timeline of incident n.
type timelineRow struct {
	n int
	e mim.Entry
}

// timelineBatch bounds the entries of one INSERT: 7 parameters each stays far
// below either database's limit on parameters per statement.
const timelineBatch = 500

// logEntries appends the rows to their incidents' timelines, in order, and returns
// their entries as stored, with their ids.
func (db *DB) logEntries(ctx context.Context, tx *sql.Tx, rows []timelineRow) ([]mim.Entry, error) {
	out := make([]mim.Entry, 0, len(rows))
	for chunk := range slices.Chunk(rows, timelineBatch) {
		values := make([]string, len(chunk))
		args := make([]any, 0, 7*len(chunk))
		for i, r := range chunk {
			e := r.e
			e.At = Truncate(e.At)
			e.Took = e.Took.Truncate(time.Millisecond)
			values[i] = "(?, ?, ?, ?, ?, ?, ?)"
			args = append(args, r.n, db.d.time(e.At), e.Kind, e.Actor, e.Text, e.Label, e.Took.Milliseconds())
			out = append(out, e)
		}
		ids, err := db.insertIDs(ctx, tx, `
			INSERT INTO timeline (incident, at, kind, actor, text, label, took_ms)
			VALUES `+strings.Join(values, ", ")+` RETURNING id`, len(chunk), args)
		if err != nil {
			return nil, fmt.Errorf("log %s: %w", chunk[0].e.Kind, err)
		}
		// One statement numbers its rows in the order of its VALUES; RETURNING has
		// no order of its own.
		slices.Sort(ids)
		for i, id := range ids {
			out[len(out)-len(chunk)+i].ID = id
		}
	}
	return out, nil
}

// insertIDs runs an INSERT ... RETURNING id that adds n rows and returns the ids.
func (db *DB) insertIDs(ctx context.Context, tx *sql.Tx, query string, n int, args []any) ([]int64, error) {
	rows, err := db.queryThrough(ctx, tx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("inserted %d rows, %d ids returned", n, len(ids))
	}
	return ids, nil
}

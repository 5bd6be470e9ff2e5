package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// save writes what goes with the incident's row: its war-room index and the Change.
// It returns the timeline entries it appended, as a read would return them.
//
// mim.Change does not order its parts, so the store does, as a use case would expect:
// Fired first (a reminder that schedules the next reminder completes the claimed one,
// then re-arms the same key), then Cancel and CancelAll (so that "cancel everything,
// then schedule afresh" works, as when an incident is reopened), then Schedule, then
// the problems opened and the global timers, then the timeline entries and the
// messages. Timers and messages that name no incident (0) belong to inc; Global
// timers belong to none.
// constraintRequest is the primary key of requests, named in the PostgreSQL
// migration.
const constraintRequest = "requests_pkey"

func (db *DB) save(ctx context.Context, tx *sql.Tx, inc *mim.Incident, ch mim.Change) ([]mim.Entry, error) {
	if ch.Request != "" {
		_, err := db.exec(ctx, tx, `INSERT INTO requests (key, incident, at) VALUES (?, ?, ?)`, ch.Request, inc.Number, db.doneAt())
		if db.d.unique(err, constraintRequest) {
			return nil, mim.ErrSeen
		}
		if err != nil {
			return nil, fmt.Errorf("record request: %w", err)
		}
	}
	if err := db.syncRooms(ctx, tx, inc); err != nil {
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
	entries := make([]mim.Entry, 0, len(ch.Entries))
	for _, e := range ch.Entries {
		e, err := db.logEntry(ctx, tx, inc.Number, e)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	for _, e := range ch.Elsewhere {
		if _, err := db.logEntry(ctx, tx, e.Incident, e.Entry); err != nil {
			return nil, err
		}
	}
	msgs := slices.Clone(ch.Messages)
	for i := range msgs {
		if msgs[i].Incident == 0 {
			msgs[i].Incident = inc.Number
		}
	}
	return entries, db.queue(ctx, tx, msgs)
}

// logEntry appends e to the timeline of incident n and returns it as stored, with
// its id.
func (db *DB) logEntry(ctx context.Context, tx *sql.Tx, n int, e mim.Entry) (mim.Entry, error) {
	e.At = Truncate(e.At)
	e.Took = e.Took.Truncate(time.Millisecond)
	err := db.queryRow(ctx, tx, `
		INSERT INTO timeline (incident, at, kind, actor, text, label, took_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
		n, db.d.time(e.At), e.Kind, e.Actor, e.Text, e.Label, e.Took.Milliseconds()).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("log %s: %w", e.Kind, err)
	}
	return e, nil
}

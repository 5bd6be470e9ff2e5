package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"mimbot/mim"
)

// save writes what goes with the incident's row: its war-room index and the Change.
//
// mim.Change does not order its parts, so the store does, as store/sqlite does and a
// use case would expect: Fired first (a reminder that schedules the next reminder
// completes the claimed one, then re-arms the same key), then Cancel and CancelAll
// (so that "cancel everything, then schedule afresh" works, as when an incident is
// reopened), then Schedule, then the timeline entries and the messages. Timers and
// messages that name no incident (0) belong to inc.
func save(ctx context.Context, tx pgx.Tx, inc *mim.Incident, ch mim.Change) error {
	if err := syncRooms(ctx, tx, inc); err != nil {
		return err
	}
	if ch.Fired != nil {
		if err := fire(ctx, tx, *ch.Fired); err != nil {
			return err
		}
	}
	if ch.CancelAll {
		if err := cancelAll(ctx, tx, inc.Number); err != nil {
			return err
		}
	}
	for _, key := range ch.Cancel {
		if err := cancel(ctx, tx, inc.Number, key); err != nil {
			return err
		}
	}
	for _, t := range ch.Schedule {
		if t.Incident == 0 {
			t.Incident = inc.Number
		}
		if err := schedule(ctx, tx, t); err != nil {
			return err
		}
	}
	for _, e := range ch.Entries {
		if err := logEntry(ctx, tx, inc.Number, e); err != nil {
			return err
		}
	}
	msgs := slices.Clone(ch.Messages)
	for i := range msgs {
		if msgs[i].Incident == 0 {
			msgs[i].Incident = inc.Number
		}
	}
	return queue(ctx, tx, msgs)
}

// logEntry appends e to the timeline of incident n.
func logEntry(ctx context.Context, tx pgx.Tx, n int, e mim.Entry) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO timeline (incident, at, kind, actor, text) VALUES ($1, $2, $3, $4, $5)`,
		n, stamp(e.At), e.Kind, e.Actor, e.Text)
	if err != nil {
		return fmt.Errorf("log %s: %w", e.Kind, err)
	}
	return nil
}

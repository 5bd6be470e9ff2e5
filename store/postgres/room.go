package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mimbot/mim"
)

// IncidentByRoom returns the incident whose war room on platform is roomID, with
// its timeline.
func (db *DB) IncidentByRoom(ctx context.Context, platform, roomID string) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx pgx.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT incident FROM war_rooms WHERE platform = $1 AND room_id = $2`, platform, roomID).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return mim.Errorf(mim.ENOTFOUND, "This %s channel is not the war room of any incident.", platform)
		}
		if err != nil {
			return err
		}
		inc, err = loadIncident(ctx, tx, n, false)
		return err
	})
	if err != nil {
		return nil, db.fail(fmt.Sprintf("incident by room %s/%s", platform, roomID), err)
	}
	return inc, nil
}

// constraintRoom is the primary key of war_rooms, (platform, room_id), named in the
// migration.
const constraintRoom = "war_rooms_room"

// syncRooms makes the war_rooms index say what inc.WarRooms says. A room another
// incident already has is refused: a channel serves one incident only. The
// check-then-insert below is a race between two replicas recording the same channel
// for two incidents; the primary key settles it, and the loser gets the same refusal.
func syncRooms(ctx context.Context, tx pgx.Tx, inc *mim.Incident) error {
	// Not nil: pgx sends a nil slice as NULL, and NOT (platform = ANY (NULL)) deletes
	// nothing.
	platforms := []string{}
	for _, r := range inc.WarRooms {
		if r.ID == "" {
			continue // not created yet: nothing to find it by
		}
		platforms = append(platforms, r.Platform)
		var owner int
		err := tx.QueryRow(ctx, `SELECT incident FROM war_rooms WHERE platform = $1 AND room_id = $2`, r.Platform, r.ID).Scan(&owner)
		switch {
		case err == nil && owner == inc.Number:
			continue
		case err == nil:
			return roomTaken(r, fmt.Sprintf("incident #%d", owner))
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("war room: %w", err)
		}
		// A new room replaces the incident's previous room on that platform, if any.
		_, err = tx.Exec(ctx, `
			INSERT INTO war_rooms (platform, room_id, incident) VALUES ($1, $2, $3)
			ON CONFLICT (incident, platform) DO UPDATE SET room_id = excluded.room_id`,
			r.Platform, r.ID, inc.Number)
		if violates(err, constraintRoom) {
			return roomTaken(r, "another incident")
		}
		if err != nil {
			return fmt.Errorf("war room: %w", err)
		}
	}
	// The rooms of platforms the incident no longer has a room on.
	_, err := tx.Exec(ctx, `DELETE FROM war_rooms WHERE incident = $1 AND NOT (platform = ANY ($2))`, inc.Number, platforms)
	if err != nil {
		return fmt.Errorf("war rooms: %w", err)
	}
	return nil
}

func roomTaken(r mim.WarRoom, owner string) error {
	return mim.Errorf(mim.ECONFLICT, "The %s channel %s is already the war room of %s.", r.Platform, r.ID, owner)
}

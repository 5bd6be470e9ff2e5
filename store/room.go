package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"

	"mimbot/mim"
)

// IncidentByRoom returns the incident whose war room on platform is roomID, with
// its timeline.
func (db *DB) IncidentByRoom(ctx context.Context, platform, roomID string) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx *sql.Tx) error {
		var n int
		err := db.queryRow(ctx, tx, `SELECT incident FROM war_rooms WHERE platform = ? AND room_id = ?`, platform, roomID).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return mim.Errorf(mim.ENOTFOUND, "This %s channel is not the war room of any incident.", platform)
		}
		if err != nil {
			return err
		}
		inc, err = db.loadIncident(ctx, tx, n, false)
		return err
	})
	if err != nil {
		return nil, db.fail(fmt.Sprintf("incident by room %s/%s", platform, roomID), err)
	}
	return inc, nil
}

// constraintRoom is the primary key of war_rooms, (platform, room_id), named in the
// PostgreSQL migration.
const constraintRoom = "war_rooms_room"

// syncRooms makes the war_rooms index say what inc.WarRooms says. A room another
// incident already has is refused: a channel serves one incident only. Between two
// PostgreSQL replicas recording the same channel for two incidents the
// check-then-insert below is a race; the primary key settles it, and the loser gets
// the same refusal. Rooms the same as before (the stored incident's) need no
// statement: the index already says them.
func (db *DB) syncRooms(ctx context.Context, tx *sql.Tx, inc *mim.Incident, before []mim.WarRoom) error {
	if sameRooms(inc.WarRooms, before) {
		return nil
	}
	var platforms []any
	for _, r := range inc.WarRooms {
		if r.ID == "" {
			continue // not created yet: nothing to find it by
		}
		platforms = append(platforms, r.Platform)
		var owner int
		err := db.queryRow(ctx, tx, `SELECT incident FROM war_rooms WHERE platform = ? AND room_id = ?`, r.Platform, r.ID).Scan(&owner)
		switch {
		case err == nil && owner == inc.Number:
			continue
		case err == nil:
			return roomTaken(r, fmt.Sprintf("incident #%d", owner))
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("war room: %w", err)
		}
		// A new room replaces the incident's previous room on that platform, if any.
		_, err = db.exec(ctx, tx, `
			INSERT INTO war_rooms (platform, room_id, incident) VALUES (?, ?, ?)
			ON CONFLICT (incident, platform) DO UPDATE SET room_id = excluded.room_id`,
			r.Platform, r.ID, inc.Number)
		if err != nil && db.d.unique(err, constraintRoom) {
			return roomTaken(r, "another incident")
		}
		if err != nil {
			return fmt.Errorf("war room: %w", err)
		}
	}
	// The rooms of platforms the incident no longer has a room on.
	query := `DELETE FROM war_rooms WHERE incident = ?`
	if len(platforms) > 0 {
		query += ` AND platform NOT IN (` + placeholders(len(platforms)) + `)`
	}
	if _, err := db.exec(ctx, tx, query, append([]any{inc.Number}, platforms...)...); err != nil {
		return fmt.Errorf("war rooms: %w", err)
	}
	return nil
}

// sameRooms reports whether a and b index the same rooms: the same channel on each
// platform, rooms not created yet aside.
func sameRooms(a, b []mim.WarRoom) bool {
	index := func(rooms []mim.WarRoom) map[string]string {
		m := make(map[string]string, len(rooms))
		for _, r := range rooms {
			if r.ID != "" {
				m[r.Platform] = r.ID
			}
		}
		return m
	}
	return maps.Equal(index(a), index(b))
}

func roomTaken(r mim.WarRoom, owner string) error {
	return mim.Errorf(mim.ECONFLICT, "The %s channel %s is already the war room of %s.", r.Platform, r.ID, owner)
}

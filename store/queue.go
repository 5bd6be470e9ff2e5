package store

import (
	"context"
	"fmt"
	"strings"

	"mimbot/mim"
)

// Queue returns the open incidents f selects, in queue order (priority, then the
// resolve deadline with none last, then number), at most f.Limit of them, and how
// many f selects in all. The open-state test is
// written out literally, as in the incidents_queue partial index.
func (db *DB) Queue(ctx context.Context, f mim.QueueFilter) ([]*mim.Incident, int, error) {
	where := "state NOT IN ('resolved', 'closed', 'cancelled')"
	var args []any
	if f.Tower != "" {
		where += " AND " + fmt.Sprintf(db.d.hasWord, "towers") + " = 1"
		args = append(args, wordArg(f.Tower))
	}
	if f.Person != "" {
		where += " AND (owner = ? OR incident_manager = ?)"
		args = append(args, f.Person, f.Person)
	}
	var limit any = f.Limit
	if f.Limit <= 0 {
		limit = db.d.noLimit
	}
	var total int
	if err := db.queryRow(ctx, db.db, `SELECT count(*) FROM incidents WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, db.fail("queue", err)
	}
	// NULLS LAST is the order of PostgreSQL's index, which then hands out the first
	// rows without sorting the whole queue.
	rows, err := db.query(ctx, db.db, `
		SELECT `+incidentColumns+`
		FROM incidents
		WHERE `+where+`
		ORDER BY priority, resolve_due NULLS LAST, number
		LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, db.fail("queue", err)
	}
	defer rows.Close()
	var out []*mim.Incident
	for rows.Next() {
		inc, err := db.nextIncident(rows)
		if err != nil {
			return nil, 0, db.fail("queue", err)
		}
		out = append(out, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, db.fail("queue", err)
	}
	return out, total, nil
}

// towersColumn is the towers column of inc: its tower keys separated by spaces, as in
// search_incidents.
func towersColumn(inc *mim.Incident) string { return strings.Join(inc.Towers, " ") }

package store

import (
	"context"
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
		where += " AND " + db.d.hasTower
		args = append(args, towerArg(f.Tower))
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

// towersColumn is the towers column of inc: each tower key between spaces, so that a
// key is found whole (towerArg), or "" for none.
func towersColumn(inc *mim.Incident) string {
	if len(inc.Towers) == 0 {
		return ""
	}
	return " " + strings.Join(inc.Towers, " ") + " "
}

// towerArg is what hasTower looks for in the towers column.
func towerArg(tower string) string { return " " + tower + " " }

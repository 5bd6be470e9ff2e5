package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// constraintRequestKey is the unique constraint on incidents.request_key, named in
// the PostgreSQL migration.
const constraintRequestKey = "incidents_request_key"

// CreateIncident declares an incident in one transaction: number, incident, war
// rooms, timeline, timers and messages. build gets the open major incidents each
// incident manager holds, counted in the same transaction. A requestKey seen before
// returns the incident it declared, created=false, without calling build. Two
// replicas declaring for the same requestKey at once both build, but only one
// inserts: the other collides on the key's unique constraint and returns the
// incident the first one declared. An error from build is returned as it is.
//
// On PostgreSQL the number comes from a sequence before build runs (build names the
// war room after it), so a build that fails, or a declaration that loses that race,
// leaves its number unused; SQLite's numbers have no gaps.
func (db *DB) CreateIncident(ctx context.Context, requestKey string, build func(*mim.Incident, map[string]int, *mim.Change) error) (*mim.Incident, bool, error) {
	var (
		inc      *mim.Incident
		created  bool
		buildErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		if requestKey != "" {
			existing, err := db.incidentByRequest(ctx, tx, requestKey)
			if err == nil {
				inc = existing
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var n int
		if err := db.queryRow(ctx, tx, db.d.nextNumber).Scan(&n); err != nil {
			return fmt.Errorf("number: %w", err)
		}
		held, err := db.held(ctx, tx)
		if err != nil {
			return err
		}
		draft := &mim.Incident{Number: n, RequestKey: requestKey}
		var ch mim.Change
		if err := build(draft, held, &ch); err != nil {
			buildErr = err
			return err
		}
		draft.Number, draft.RequestKey = n, requestKey
		data, err := db.insertIncident(ctx, tx, draft)
		if err != nil {
			return err
		}
		// A declaration is open and costs no statement here; an incident created
		// already resolved (an import, a benchmark's seed) is searchable at once.
		if err := db.reindex(ctx, tx, n, searchEntry{}, false, draft); err != nil {
			return err
		}
		entries, err := db.save(ctx, tx, draft, nil, ch)
		if err != nil {
			return err
		}
		inc, err = written(draft, data, nil, entries)
		created = true
		return err
	})
	switch {
	case buildErr != nil:
		return nil, false, buildErr
	case err != nil && requestKey != "" && db.d.unique(err, constraintRequestKey):
		// Another replica declared the same request between our lookup and our
		// insert; the insert waited for it to commit, so its incident is there now.
		var existing *mim.Incident
		lookupErr := db.read(ctx, func(tx *sql.Tx) error {
			var err error
			existing, err = db.incidentByRequest(ctx, tx, requestKey)
			return err
		})
		if lookupErr == nil {
			return existing, false, nil
		}
		err = lookupErr
	}
	if err != nil {
		return nil, false, db.fail("create incident", err)
	}
	return inc, created, nil
}

// UpdateIncident runs fn on incident n and saves the result with fn's Change, in one
// transaction that holds the incident (SQLite: the write lock; PostgreSQL: its row)
// from the start: concurrent updates of the same incident, from this replica or
// another, take turns. An error from fn is returned as it is, and nothing is saved.
// Nothing is saved either when Change.Fired is stale (mim.ErrStale) or a war room
// belongs to another incident (mim.ECONFLICT). The incident returned is what was
// written, with its whole timeline.
func (db *DB) UpdateIncident(ctx context.Context, n int, fn func(*mim.Incident, *mim.Change) error) (*mim.Incident, error) {
	var (
		inc   *mim.Incident
		fnErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		cur, err := db.loadIncident(ctx, tx, n, true)
		if err != nil {
			return err
		}
		timeline := cur.Timeline
		rooms := slices.Clone(cur.WarRooms)
		indexed, wasIndexed := incidentEntry(cur)
		var ch mim.Change
		if err := fn(cur, &ch); err != nil {
			fnErr = err
			return err
		}
		cur.Number = n
		data, err := db.updateIncident(ctx, tx, cur)
		if err != nil {
			return err
		}
		if err := db.reindex(ctx, tx, n, indexed, wasIndexed, cur); err != nil {
			return err
		}
		entries, err := db.save(ctx, tx, cur, rooms, ch)
		if err != nil {
			return err
		}
		inc, err = written(cur, data, timeline, entries)
		return err
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, db.fail(fmt.Sprintf("update incident %d", n), notFound(err, n))
	}
	return inc, nil
}

// written is the incident as it now stands in the database, without reading it back:
// the columns of inc and the document data, as a read would decode them, and the
// timeline loaded before (if any) with the entries just appended, in (at, id) order.
func written(inc *mim.Incident, data []byte, timeline, entries []mim.Entry) (*mim.Incident, error) {
	out := &mim.Incident{
		Number:     inc.Number,
		RequestKey: inc.RequestKey,
		State:      inc.State,
		Priority:   inc.Priority,
		Major:      inc.Major,
		DeclaredAt: Truncate(inc.DeclaredAt),
		ResolvedAt: Truncate(inc.ResolvedAt),
		ClosedAt:   Truncate(inc.ClosedAt),
	}
	if err := DecodeIncident(data, out); err != nil {
		return nil, err
	}
	out.Timeline = append(slices.Clone(timeline), entries...)
	if out.Timeline == nil {
		out.Timeline = []mim.Entry{}
	}
	slices.SortStableFunc(out.Timeline, func(a, b mim.Entry) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// followUps reads what the incident's readers show besides the document: its
// problem record as worked since, and its follow-up actions. An update does not
// need them: they change through their own transactions.
func (db *DB) followUps(ctx context.Context, tx *sql.Tx, inc *mim.Incident) error {
	if err := db.incidentProblem(ctx, tx, inc); err != nil {
		return err
	}
	actions, err := db.actions(ctx, tx, mim.ActionFilter{Incident: inc.Number})
	if err != nil {
		return fmt.Errorf("actions of #%d: %w", inc.Number, err)
	}
	if len(actions) > 0 { // nil when none, as an update returns the incident
		inc.Actions = actions
	}
	return nil
}

// Incident returns incident n with its timeline, problem record and actions.
func (db *DB) Incident(ctx context.Context, n int) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		inc, err = db.loadIncident(ctx, tx, n, false)
		if err != nil {
			return err
		}
		return db.followUps(ctx, tx, inc)
	})
	if err != nil {
		return nil, db.fail(fmt.Sprintf("incident %d", n), notFound(err, n))
	}
	return inc, nil
}

// IncidentByRequestKey returns the incident a request declared, with its timeline.
func (db *DB) IncidentByRequestKey(ctx context.Context, key string) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		inc, err = db.incidentByRequest(ctx, tx, key)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mim.Errorf(mim.ENOTFOUND, "No incident was declared by request %q.", key)
	}
	if err != nil {
		return nil, db.fail("incident by request key", err)
	}
	return inc, nil
}

// Held counts the open major incidents of each incident manager.
func (db *DB) Held(ctx context.Context) (map[string]int, error) {
	held, err := db.held(ctx, db.db)
	if err != nil {
		return nil, db.fail("held incidents", err)
	}
	return held, nil
}

// held counts the open major incidents of each incident manager. The states are
// literals, as in the index incidents_open_by_im, so that the planner can use it.
func (db *DB) held(ctx context.Context, q querier) (map[string]int, error) {
	rows, err := db.queryThrough(ctx, q, `
		SELECT incident_manager, count(*)
		FROM incidents
		WHERE `+db.d.major+` AND state NOT IN ('resolved', 'closed', 'cancelled') AND incident_manager <> ''
		GROUP BY incident_manager`)
	if err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	defer rows.Close()
	held := map[string]int{}
	for rows.Next() {
		var (
			im string
			n  int
		)
		if err := rows.Scan(&im, &n); err != nil {
			return nil, fmt.Errorf("held: %w", err)
		}
		held[im] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	return held, nil
}

// Incidents lists incidents, newest first. Their Timeline is nil: a list never
// needs it and it is the bulk of an incident; call Incident for one.
func (db *DB) Incidents(ctx context.Context, f mim.Filter) ([]*mim.Incident, error) {
	var limit any = f.Limit
	if f.Limit <= 0 {
		limit = db.d.noLimit
	}
	rows, err := db.query(ctx, db.db, `
		SELECT `+incidentColumns+`
		FROM incidents
		WHERE `+db.listWhere(f)+`
		ORDER BY number DESC
		LIMIT ?`, limit)
	if err != nil {
		return nil, db.fail("list incidents", err)
	}
	defer rows.Close()
	out := []*mim.Incident{}
	for rows.Next() {
		inc, err := db.nextIncident(rows)
		if err != nil {
			return nil, db.fail("list incidents", err)
		}
		out = append(out, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("list incidents", err)
	}
	return out, nil
}

// listWhere is the condition of a list. The open-state test is written out literally,
// as in the incidents_open partial index, so that listing the few open incidents reads
// that index instead of every closed one.
func (db *DB) listWhere(f mim.Filter) string {
	where := "TRUE"
	if f.Open {
		where += " AND state NOT IN ('resolved', 'closed', 'cancelled')"
	}
	if f.MajorOnly {
		where += " AND " + db.d.major
	}
	return where
}

// notFound turns sql.ErrNoRows from loading incident n into the domain's not-found.
func notFound(err error, n int) error {
	if errors.Is(err, sql.ErrNoRows) {
		return mim.Errorf(mim.ENOTFOUND, "There is no incident #%d.", n)
	}
	return err
}

// incidentByRequest loads the incident requestKey declared; sql.ErrNoRows when none.
func (db *DB) incidentByRequest(ctx context.Context, tx *sql.Tx, key string) (*mim.Incident, error) {
	var n int
	if err := db.queryRow(ctx, tx, `SELECT number FROM incidents WHERE request_key = ?`, key).Scan(&n); err != nil {
		return nil, err
	}
	inc, err := db.loadIncident(ctx, tx, n, false)
	if err != nil {
		return nil, err
	}
	return inc, db.followUps(ctx, tx, inc)
}

// incidentColumns are the columns scanIncident reads, in its order.
const incidentColumns = `number, request_key, state, priority, major, declared_at, resolved_at, closed_at, data`

// loadIncident reads incident n with its timeline, locking it for the transaction
// when lock is set; sql.ErrNoRows when there is none.
func (db *DB) loadIncident(ctx context.Context, tx *sql.Tx, n int, lock bool) (*mim.Incident, error) {
	query := `SELECT ` + incidentColumns + ` FROM incidents WHERE number = ?`
	if lock {
		query += db.d.forUpdate
	}
	inc, err := scanIncident(db.queryRow(ctx, tx, query, n))
	if err != nil {
		return nil, err
	}
	rows, err := db.queryThrough(ctx, tx, `SELECT id, at, kind, actor, text, label, took_ms FROM timeline WHERE incident = ? ORDER BY at, id`, n)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	// Not nil even when empty: nil is how lists say "not loaded".
	inc.Timeline = []mim.Entry{}
	for rows.Next() {
		var (
			e    mim.Entry
			at   stamp
			took int64
		)
		if err := rows.Scan(&e.ID, &at, &e.Kind, &e.Actor, &e.Text, &e.Label, &took); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		e.At = at.Time
		e.Took = time.Duration(took) * time.Millisecond
		inc.Timeline = append(inc.Timeline, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return inc, nil
}

// incidentRow is the stored columns of an incident, every one of them nullable so
// that a LEFT JOIN that found no incident scans too.
type incidentRow struct {
	number     sql.NullInt64
	requestKey sql.NullString
	state      sql.NullString
	priority   sql.NullString
	major      sql.NullBool
	declared   stamp
	resolved   stamp
	closed     stamp
	data       []byte
}

// dest is what Scan takes for incidentColumns.
func (r *incidentRow) dest() []any {
	return []any{&r.number, &r.requestKey, &r.state, &r.priority, &r.major, &r.declared, &r.resolved, &r.closed, &r.data}
}

// incident decodes the row; nil when there was no incident.
func (r *incidentRow) incident() (*mim.Incident, error) {
	return r.decode(DecodeIncident)
}

// decode decodes the row, its document with decodeDoc; nil when there was no incident.
func (r *incidentRow) decode(decodeDoc func([]byte, *mim.Incident) error) (*mim.Incident, error) {
	if !r.number.Valid {
		return nil, nil
	}
	inc := &mim.Incident{
		Number:     int(r.number.Int64),
		RequestKey: r.requestKey.String,
		State:      mim.State(r.state.String),
		Major:      r.major.Bool,
		DeclaredAt: r.declared.Time,
		ResolvedAt: r.resolved.Time,
		ClosedAt:   r.closed.Time,
	}
	p, err := mim.ParsePriority(r.priority.String)
	if err != nil {
		return nil, fmt.Errorf("incident %d: %w", inc.Number, err)
	}
	inc.Priority = p
	if err := decodeDoc(r.data, inc); err != nil {
		return nil, err
	}
	return inc, nil
}

func scanIncident(row *sql.Row) (*mim.Incident, error) {
	var r incidentRow
	if err := row.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.incident()
}

// nextIncident scans the current row of a list. The document is read in place
// (sql.RawBytes, valid until the next row) and decoded at once, through the document
// cache: a list of many incidents copies none of their documents, and parses only
// those that changed since the last list.
func (db *DB) nextIncident(rows *sql.Rows) (*mim.Incident, error) {
	var r incidentRow
	var data sql.RawBytes
	dest := r.dest()
	dest[len(dest)-1] = &data
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	r.data = data
	return r.decode(db.docs.decode)
}

// insertIncident inserts inc under its number and returns the document it stored.
func (db *DB) insertIncident(ctx context.Context, tx *sql.Tx, inc *mim.Incident) ([]byte, error) {
	data, err := EncodeIncident(inc)
	if err != nil {
		return nil, err
	}
	trend, err := encodeTrend(inc)
	if err != nil {
		return nil, err
	}
	_, err = db.exec(ctx, tx, `
		INSERT INTO incidents (`+incidentColumns+`, incident_manager, owner, resolve_due, trend, towers)
		`+db.d.overriding+`
		VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inc.Number, inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		db.d.stamp(inc.DeclaredAt), db.d.stamp(inc.ResolvedAt), db.d.stamp(inc.ClosedAt), data, inc.IM,
		inc.Owner, db.d.stamp(inc.ResolveDue), trend, towersColumn(inc))
	if err != nil {
		return nil, fmt.Errorf("insert incident %d: %w", inc.Number, err)
	}
	return data, nil
}

// updateIncident saves inc's columns and document, and returns the document.
func (db *DB) updateIncident(ctx context.Context, tx *sql.Tx, inc *mim.Incident) ([]byte, error) {
	data, err := EncodeIncident(inc)
	if err != nil {
		return nil, err
	}
	trend, err := encodeTrend(inc)
	if err != nil {
		return nil, err
	}
	_, err = db.exec(ctx, tx, `
		UPDATE incidents
		SET request_key = NULLIF(?, ''), state = ?, priority = ?, major = ?,
		    declared_at = ?, resolved_at = ?, closed_at = ?, data = ?, incident_manager = ?,
		    owner = ?, resolve_due = ?, trend = ?, towers = ?
		WHERE number = ?`,
		inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		db.d.stamp(inc.DeclaredAt), db.d.stamp(inc.ResolvedAt), db.d.stamp(inc.ClosedAt), data, inc.IM,
		inc.Owner, db.d.stamp(inc.ResolveDue), trend, towersColumn(inc),
		inc.Number)
	if err != nil {
		return nil, fmt.Errorf("save incident %d: %w", inc.Number, err)
	}
	return data, nil
}

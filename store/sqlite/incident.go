package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"mimbot/mim"
	"mimbot/store"
)

// CreateIncident declares an incident in one transaction: number, incident, war
// rooms, timeline, timers and messages. A requestKey seen before returns the incident
// it declared, created=false, without calling build; so does losing a race against a
// concurrent create with the same key. An error from build is returned as it is.
func (db *DB) CreateIncident(ctx context.Context, requestKey string, build func(*mim.Incident, *mim.Change) error) (*mim.Incident, bool, error) {
	var (
		inc      *mim.Incident
		created  bool
		buildErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		if requestKey != "" {
			existing, err := incidentByRequest(ctx, tx, requestKey)
			if err == nil {
				inc = existing
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		// Numbers are dense: the write lock held since BEGIN IMMEDIATE makes max + 1
		// safe, and a failed build takes no number.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM incidents`).Scan(&n); err != nil {
			return err
		}
		draft := &mim.Incident{Number: n, RequestKey: requestKey}
		var ch mim.Change
		if err := build(draft, &ch); err != nil {
			buildErr = err
			return err
		}
		draft.Number, draft.RequestKey = n, requestKey
		if err := insertIncident(ctx, tx, draft); err != nil {
			return err
		}
		if err := save(ctx, tx, draft, ch); err != nil {
			return err
		}
		var err error
		inc, err = loadIncident(ctx, tx, n)
		created = true
		return err
	})
	switch {
	case buildErr != nil:
		return nil, false, buildErr
	case err != nil && requestKey != "" && isUnique(err):
		// Another connection declared the same request between our lookup and our
		// insert (only possible without the write lock, kept for safety).
		existing, lookupErr := db.incidentByRequest(ctx, requestKey)
		if lookupErr == nil {
			return existing, false, nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: create incident: %w", err)
	}
	return inc, created, nil
}

// UpdateIncident runs fn on incident n and saves the result with fn's Change, in one
// transaction that holds the write lock from the start. An error from fn is
// returned as it is, and nothing is saved. Nothing is saved either when
// Change.Fired is stale (mim.ErrStale) or a war room belongs to another incident
// (mim.ECONFLICT). The returned incident is read back after saving, with its whole
// timeline.
func (db *DB) UpdateIncident(ctx context.Context, n int, fn func(*mim.Incident, *mim.Change) error) (*mim.Incident, error) {
	var (
		inc   *mim.Incident
		fnErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		cur, err := loadIncident(ctx, tx, n)
		if err != nil {
			return err
		}
		var ch mim.Change
		if err := fn(cur, &ch); err != nil {
			fnErr = err
			return err
		}
		cur.Number = n
		if err := updateIncident(ctx, tx, cur); err != nil {
			return err
		}
		if err := save(ctx, tx, cur, ch); err != nil {
			return err
		}
		inc, err = loadIncident(ctx, tx, n)
		return err
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: update incident %d: %w", n, notFound(err, n))
	}
	return inc, nil
}

// Incident returns incident n with its timeline.
func (db *DB) Incident(ctx context.Context, n int) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		inc, err = loadIncident(ctx, tx, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: incident %d: %w", n, notFound(err, n))
	}
	return inc, nil
}

// IncidentByRequestKey returns the incident a request declared, with its timeline.
func (db *DB) IncidentByRequestKey(ctx context.Context, key string) (*mim.Incident, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT number FROM incidents WHERE request_key = ?`, key).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mim.Errorf(mim.ENOTFOUND, "No incident was declared by request %q.", key)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: incident by request key: %w", err)
	}
	return db.Incident(ctx, n)
}

// Held counts the open major incidents of each incident manager.
func (db *DB) Held(ctx context.Context) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `
		SELECT incident_manager, count(*)
		FROM incidents
		WHERE major = 1 AND state NOT IN ('resolved', 'closed', 'cancelled') AND incident_manager <> ''
		GROUP BY incident_manager`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: held incidents: %w", err)
	}
	defer rows.Close()
	held := map[string]int{}
	for rows.Next() {
		var im string
		var n int
		if err := rows.Scan(&im, &n); err != nil {
			return nil, fmt.Errorf("sqlite: held incidents: %w", err)
		}
		held[im] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: held incidents: %w", err)
	}
	return held, nil
}

// Incidents lists incidents, newest first. Their Timeline is nil: a list never
// needs it and it is the bulk of an incident; call Incident for one.
func (db *DB) Incidents(ctx context.Context, f mim.Filter) ([]*mim.Incident, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.db.QueryContext(ctx, `
		SELECT `+incidentColumns+`
		FROM incidents
		WHERE `+listWhere(f)+`
		ORDER BY number DESC
		LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list incidents: %w", err)
	}
	defer rows.Close()
	out := []*mim.Incident{}
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list incidents: %w", err)
		}
		out = append(out, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list incidents: %w", err)
	}
	return out, nil
}

// IncidentByRoom returns the incident whose war room on platform is roomID, with
// its timeline.
func (db *DB) IncidentByRoom(ctx context.Context, platform, roomID string) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT incident FROM war_rooms WHERE platform = ? AND room_id = ?`, platform, roomID).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return mim.Errorf(mim.ENOTFOUND, "This %s channel is not the war room of any incident.", platform)
		}
		if err != nil {
			return err
		}
		inc, err = loadIncident(ctx, tx, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: incident by room %s/%s: %w", platform, roomID, err)
	}
	return inc, nil
}

// notFound turns sql.ErrNoRows from loading incident n into the domain's not-found.
func notFound(err error, n int) error {
	if errors.Is(err, sql.ErrNoRows) {
		return mim.Errorf(mim.ENOTFOUND, "There is no incident #%d.", n)
	}
	return err
}

func (db *DB) incidentByRequest(ctx context.Context, key string) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		inc, err = incidentByRequest(ctx, tx, key)
		return err
	})
	return inc, err
}

func incidentByRequest(ctx context.Context, tx *sql.Tx, key string) (*mim.Incident, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT number FROM incidents WHERE request_key = ?`, key).Scan(&n); err != nil {
		return nil, err
	}
	return loadIncident(ctx, tx, n)
}

// incidentColumns are the columns scanIncident reads, in its order.
const incidentColumns = `number, request_key, state, priority, major, declared_at, resolved_at, closed_at, data`

// loadIncident reads incident n with its timeline; sql.ErrNoRows when there is none.
func loadIncident(ctx context.Context, tx *sql.Tx, n int) (*mim.Incident, error) {
	inc, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE number = ?`, n))
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, at, kind, actor, text FROM timeline WHERE incident = ? ORDER BY at, id`, n)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	// Not nil even when empty: nil is how lists say "not loaded".
	inc.Timeline = []mim.Entry{}
	for rows.Next() {
		var (
			e  mim.Entry
			at int64
		)
		if err := rows.Scan(&e.ID, &at, &e.Kind, &e.Actor, &e.Text); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		e.At = fromMillis(at)
		inc.Timeline = append(inc.Timeline, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return inc, nil
}

func scanIncident(row interface{ Scan(...any) error }) (*mim.Incident, error) {
	var (
		inc        mim.Incident
		requestKey sql.NullString
		priority   string
		declared   int64
		resolved   sql.NullInt64
		closed     sql.NullInt64
		data       []byte
	)
	if err := row.Scan(&inc.Number, &requestKey, &inc.State, &priority, &inc.Major, &declared, &resolved, &closed, &data); err != nil {
		return nil, err
	}
	p, err := mim.ParsePriority(priority)
	if err != nil {
		return nil, fmt.Errorf("incident %d: %w", inc.Number, err)
	}
	inc.RequestKey = requestKey.String
	inc.Priority = p
	inc.DeclaredAt = fromMillis(declared)
	inc.ResolvedAt = fromNullMillis(resolved)
	inc.ClosedAt = fromNullMillis(closed)
	if err := store.DecodeIncident(data, &inc); err != nil {
		return nil, err
	}
	return &inc, nil
}

func insertIncident(ctx context.Context, tx *sql.Tx, inc *mim.Incident) error {
	data, err := store.EncodeIncident(inc)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO incidents (`+incidentColumns+`, incident_manager)
		VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)`,
		inc.Number, inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		nullMillis(inc.DeclaredAt), nullMillis(inc.ResolvedAt), nullMillis(inc.ClosedAt), data, inc.IM)
	if err != nil {
		return fmt.Errorf("insert incident %d: %w", inc.Number, err)
	}
	return nil
}

func updateIncident(ctx context.Context, tx *sql.Tx, inc *mim.Incident) error {
	data, err := store.EncodeIncident(inc)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE incidents
		SET request_key = NULLIF(?, ''), state = ?, priority = ?, major = ?,
		    declared_at = ?, resolved_at = ?, closed_at = ?, data = ?, incident_manager = ?
		WHERE number = ?`,
		inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		nullMillis(inc.DeclaredAt), nullMillis(inc.ResolvedAt), nullMillis(inc.ClosedAt), data, inc.IM,
		inc.Number)
	if err != nil {
		return fmt.Errorf("save incident %d: %w", inc.Number, err)
	}
	return nil
}

// save writes what goes with the incident's row: its war-room index and the Change.
//
// mim.Change does not order its parts, so the store does, as a use case would expect:
// Fired first (a reminder that schedules the next reminder completes the claimed one,
// then re-arms the same key), then Cancel and CancelAll (so that "cancel everything,
// then schedule afresh" works, as when an incident is reopened), then Schedule, then
// the timeline entries and the messages. Timers and messages that name no incident
// (0) belong to inc.
func save(ctx context.Context, tx *sql.Tx, inc *mim.Incident, ch mim.Change) error {
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
		_, err := tx.ExecContext(ctx, `
			INSERT INTO timeline (incident, at, kind, actor, text) VALUES (?, ?, ?, ?, ?)`,
			inc.Number, millis(e.At), e.Kind, e.Actor, e.Text)
		if err != nil {
			return fmt.Errorf("log %s: %w", e.Kind, err)
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

// syncRooms makes the war_rooms index say what inc.WarRooms says. A room another
// incident already has is refused: a channel serves one incident only.
func syncRooms(ctx context.Context, tx *sql.Tx, inc *mim.Incident) error {
	var platforms []string
	for _, r := range inc.WarRooms {
		if r.ID == "" {
			continue // not created yet: nothing to find it by
		}
		platforms = append(platforms, r.Platform)
		var owner int
		err := tx.QueryRowContext(ctx, `SELECT incident FROM war_rooms WHERE platform = ? AND room_id = ?`, r.Platform, r.ID).Scan(&owner)
		switch {
		case err == nil && owner == inc.Number:
			continue
		case err == nil:
			return mim.Errorf(mim.ECONFLICT, "The %s channel %s is already the war room of incident #%d.", r.Platform, r.ID, owner)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("war room: %w", err)
		}
		// A new room replaces the incident's previous room on that platform, if any.
		_, err = tx.ExecContext(ctx, `
			INSERT INTO war_rooms (platform, room_id, incident) VALUES (?, ?, ?)
			ON CONFLICT (incident, platform) DO UPDATE SET room_id = excluded.room_id`,
			r.Platform, r.ID, inc.Number)
		if err != nil {
			return fmt.Errorf("war room: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT platform FROM war_rooms WHERE incident = ?`, inc.Number)
	if err != nil {
		return fmt.Errorf("war rooms: %w", err)
	}
	var gone []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return fmt.Errorf("war rooms: %w", err)
		}
		if !slices.Contains(platforms, p) {
			gone = append(gone, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("war rooms: %w", err)
	}
	for _, p := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM war_rooms WHERE incident = ? AND platform = ?`, inc.Number, p); err != nil {
			return fmt.Errorf("war rooms: %w", err)
		}
	}
	return nil
}

// listWhere is the condition of a list. The open-state test is written out literally,
// as in the incidents_open partial index, so that listing the few open incidents reads
// that index instead of every closed one.
func listWhere(f mim.Filter) string {
	where := "TRUE"
	if f.Open {
		where += " AND state NOT IN ('resolved', 'closed', 'cancelled')"
	}
	if f.MajorOnly {
		where += " AND major = 1"
	}
	return where
}

// Queue lists the open incidents f selects in queue order.
func (db *DB) Queue(ctx context.Context, f mim.QueueFilter) ([]*mim.Incident, int, error) {
	open, err := db.Incidents(ctx, mim.Filter{Open: true})
	if err != nil {
		return nil, 0, err
	}
	list, total := mim.SortQueue(open, f)
	return list, total, nil
}

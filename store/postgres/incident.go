package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mimbot/mim"
	"mimbot/store"
)

// CreateIncident declares an incident in one transaction: number, incident, war
// rooms, timeline, timers and messages. A requestKey seen before returns the incident
// it declared, created=false, without calling build. Two replicas declaring for the
// same requestKey at once both build, but only one inserts: the other collides on
// the key's unique constraint and returns the incident the first one declared. An
// error from build is returned as it is.
//
// The number comes from a sequence before build runs (build names the war room
// after it), so a build that fails, or a declaration that loses that race, leaves
// its number unused.
func (db *DB) CreateIncident(ctx context.Context, requestKey string, build func(*mim.Incident, *mim.Change) error) (*mim.Incident, bool, error) {
	var (
		inc      *mim.Incident
		created  bool
		buildErr error
	)
	err := db.write(ctx, func(tx pgx.Tx) error {
		if requestKey != "" {
			existing, err := incidentByRequest(ctx, tx, requestKey)
			if err == nil {
				inc = existing
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		n, err := nextNumber(ctx, tx)
		if err != nil {
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
		inc, err = loadIncident(ctx, tx, n, false)
		created = true
		return err
	})
	switch {
	case buildErr != nil:
		return nil, false, buildErr
	case err != nil && requestKey != "" && violates(err, constraintRequestKey):
		// Another replica declared the same request between our lookup and our
		// insert; the insert waited for it to commit, so its incident is there now.
		existing, lookupErr := db.incidentByRequest(ctx, requestKey)
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
// transaction that holds the incident's row lock from the start: concurrent updates
// of the same incident, from this replica or another, take turns. An error from fn
// is returned as it is, and nothing is saved. Nothing is saved either when
// Change.Fired is stale (mim.ErrStale) or a war room belongs to another incident
// (mim.ECONFLICT). The returned incident is read back after saving, with its whole
// timeline.
func (db *DB) UpdateIncident(ctx context.Context, n int, fn func(*mim.Incident, *mim.Change) error) (*mim.Incident, error) {
	var (
		inc   *mim.Incident
		fnErr error
	)
	err := db.write(ctx, func(tx pgx.Tx) error {
		cur, err := loadIncident(ctx, tx, n, true)
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
		inc, err = loadIncident(ctx, tx, n, false)
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

// Incident returns incident n with its timeline.
func (db *DB) Incident(ctx context.Context, n int) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx pgx.Tx) error {
		var err error
		inc, err = loadIncident(ctx, tx, n, false)
		return err
	})
	if err != nil {
		return nil, db.fail(fmt.Sprintf("incident %d", n), notFound(err, n))
	}
	return inc, nil
}

// IncidentByRequestKey returns the incident a request declared, with its timeline.
func (db *DB) IncidentByRequestKey(ctx context.Context, key string) (*mim.Incident, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT number FROM incidents WHERE request_key = $1`, key).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mim.Errorf(mim.ENOTFOUND, "No incident was declared by request %q.", key)
	}
	if err != nil {
		return nil, db.fail("incident by request key", err)
	}
	return db.Incident(ctx, n)
}

// Incidents lists incidents, newest first. Their Timeline is nil: a list never
// needs it and it is the bulk of an incident; call Incident for one.
func (db *DB) Incidents(ctx context.Context, f mim.Filter) ([]*mim.Incident, error) {
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit // NULL: LIMIT ALL
	}
	rows, err := db.pool.Query(ctx, `
		SELECT `+incidentColumns+`
		FROM incidents
		WHERE `+listWhere(f)+`
		ORDER BY number DESC
		LIMIT $1`, limit)
	if err != nil {
		return nil, db.fail("list incidents", err)
	}
	defer rows.Close()
	out := []*mim.Incident{}
	for rows.Next() {
		inc, err := scanIncident(rows)
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

// Held counts the open major incidents of each incident manager. The states are
// literals, as in the index incidents_open_by_im, so that the planner can use it.
func (db *DB) Held(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT incident_manager, count(*)
		FROM incidents
		WHERE major AND state NOT IN ('resolved', 'closed', 'cancelled') AND incident_manager <> ''
		GROUP BY incident_manager`)
	if err != nil {
		return nil, db.fail("held incidents", err)
	}
	defer rows.Close()
	held := map[string]int{}
	for rows.Next() {
		var (
			im string
			n  int
		)
		if err := rows.Scan(&im, &n); err != nil {
			return nil, db.fail("held incidents", err)
		}
		held[im] = n
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("held incidents", err)
	}
	return held, nil
}

// notFound turns pgx.ErrNoRows from loading incident n into the domain's not-found.
func notFound(err error, n int) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return mim.Errorf(mim.ENOTFOUND, "There is no incident #%d.", n)
	}
	return err
}

func (db *DB) incidentByRequest(ctx context.Context, key string) (*mim.Incident, error) {
	var inc *mim.Incident
	err := db.read(ctx, func(tx pgx.Tx) error {
		var err error
		inc, err = incidentByRequest(ctx, tx, key)
		return err
	})
	return inc, err
}

func incidentByRequest(ctx context.Context, tx pgx.Tx, key string) (*mim.Incident, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT number FROM incidents WHERE request_key = $1`, key).Scan(&n); err != nil {
		return nil, err
	}
	return loadIncident(ctx, tx, n, false)
}

// constraintRequestKey is the unique constraint on incidents.request_key, named in
// the migration.
const constraintRequestKey = "incidents_request_key"

// nextNumber takes the next incident number from the sequence of incidents.number.
func nextNumber(ctx context.Context, tx pgx.Tx) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('incidents', 'number'))`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("number: %w", err)
	}
	return n, nil
}

// incidentColumns are the columns scanIncident reads, in its order.
const incidentColumns = `number, request_key, state, priority, major, declared_at, resolved_at, closed_at, data`

// loadIncident reads incident n with its timeline, locking its row for the
// transaction when lock is set; pgx.ErrNoRows when there is none.
func loadIncident(ctx context.Context, tx pgx.Tx, n int, lock bool) (*mim.Incident, error) {
	query := `SELECT ` + incidentColumns + ` FROM incidents WHERE number = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	inc, err := scanIncident(tx.QueryRow(ctx, query, n))
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, at, kind, actor, text FROM timeline WHERE incident = $1 ORDER BY at, id`, n)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	// Not nil even when empty: nil is how lists say "not loaded".
	inc.Timeline = []mim.Entry{}
	for rows.Next() {
		var e mim.Entry
		if err := rows.Scan(&e.ID, &e.At, &e.Kind, &e.Actor, &e.Text); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		e.At = e.At.UTC()
		inc.Timeline = append(inc.Timeline, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return inc, nil
}

func scanIncident(row pgx.Row) (*mim.Incident, error) {
	var (
		inc        mim.Incident
		requestKey *string
		priority   string
		declared   time.Time
		resolved   *time.Time
		closed     *time.Time
		data       []byte
	)
	if err := row.Scan(&inc.Number, &requestKey, &inc.State, &priority, &inc.Major, &declared, &resolved, &closed, &data); err != nil {
		return nil, err
	}
	p, err := mim.ParsePriority(priority)
	if err != nil {
		return nil, fmt.Errorf("incident %d: %w", inc.Number, err)
	}
	if requestKey != nil {
		inc.RequestKey = *requestKey
	}
	inc.Priority = p
	inc.DeclaredAt = declared.UTC()
	inc.ResolvedAt = fromNull(resolved)
	inc.ClosedAt = fromNull(closed)
	if err := store.DecodeIncident(data, &inc); err != nil {
		return nil, err
	}
	return &inc, nil
}

// insertIncident inserts inc under the number nextNumber gave it: OVERRIDING SYSTEM
// VALUE is how a number from the identity's own sequence gets into the column.
func insertIncident(ctx context.Context, tx pgx.Tx, inc *mim.Incident) error {
	data, err := store.EncodeIncident(inc)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO incidents (`+incidentColumns+`, incident_manager)
		OVERRIDING SYSTEM VALUE
		VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7, $8, $9, $10)`,
		inc.Number, inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		nullStamp(inc.DeclaredAt), nullStamp(inc.ResolvedAt), nullStamp(inc.ClosedAt), data, inc.IM)
	if err != nil {
		return fmt.Errorf("insert incident %d: %w", inc.Number, err)
	}
	return nil
}

func updateIncident(ctx context.Context, tx pgx.Tx, inc *mim.Incident) error {
	data, err := store.EncodeIncident(inc)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE incidents
		SET request_key = NULLIF($1, ''), state = $2, priority = $3, major = $4,
		    declared_at = $5, resolved_at = $6, closed_at = $7, data = $8, incident_manager = $9
		WHERE number = $10`,
		inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		nullStamp(inc.DeclaredAt), nullStamp(inc.ResolvedAt), nullStamp(inc.ClosedAt), data, inc.IM,
		inc.Number)
	if err != nil {
		return fmt.Errorf("save incident %d: %w", inc.Number, err)
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
		where += " AND major"
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

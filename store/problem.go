package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mimbot/mim"
)

// problemColumns are the columns scanProblem reads, in its order; the known error a
// problem published comes with it.
const problemColumns = `ref, owner, due, state, root_cause, workaround, change, created_at, closed_at,
	COALESCE((SELECT k.number FROM known_errors k WHERE k.problem = problems.ref), 0)`

// numbersLock is the first key of PostgreSQL's transaction advisory lock that writers
// numbering known errors and actions (max + 1) hold until they commit, so that two
// replicas never take the same number; SQLite's single writer needs none. The value
// is "mimn" in ASCII, to tell it apart in pg_locks.
const numbersLock = 0x6d696d6e

// The second keys of numbersLock, one per numbered table.
const (
	lockKnownErrors = 1
	lockActions     = 2
)

func scanProblem(row interface{ Scan(...any) error }) (*mim.Problem, error) {
	var (
		p                 mim.Problem
		due, at, closedAt stamp
		state             string
		ke                int
	)
	if err := row.Scan(&p.Ref, &p.Owner, &due, &state, &p.RootCause, &p.Workaround, &p.Change, &at, &closedAt, &ke); err != nil {
		return nil, err
	}
	p.Due, p.CreatedAt, p.ClosedAt, p.State = due.Time, at.Time, closedAt.Time, mim.ProblemState(state)
	if ke > 0 {
		p.KnownError = mim.KnownError{Number: ke}.Ref()
	}
	return &p, nil
}

// loadProblem reads problem ref with the incidents it links, locking its row for the
// transaction when lock is set; sql.ErrNoRows when there is none.
func (db *DB) loadProblem(ctx context.Context, q querier, ref string, lock bool) (*mim.Problem, error) {
	query := `SELECT ` + problemColumns + ` FROM problems WHERE ref = ?`
	if lock {
		query += db.d.forUpdate
	}
	p, err := scanProblem(db.queryRow(ctx, q, query, ref))
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, q, `SELECT incident FROM problem_incidents WHERE problem = ? ORDER BY incident`, ref)
	if err != nil {
		return nil, fmt.Errorf("problem %s: incidents: %w", ref, err)
	}
	defer rows.Close()
	p.Incidents = []int{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("problem %s: incidents: %w", ref, err)
		}
		p.Incidents = append(p.Incidents, n)
	}
	return p, rows.Err()
}

// problemNotFound turns sql.ErrNoRows from loading problem ref into the domain's
// not-found.
func problemNotFound(err error, ref string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return mim.Errorf(mim.ENOTFOUND, "There is no problem record %s. `problem list` (mimbot problem list) shows them.", ref)
	}
	return err
}

// Problem returns problem record ref with the incidents it links.
func (db *DB) Problem(ctx context.Context, ref string) (*mim.Problem, error) {
	var p *mim.Problem
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = db.loadProblem(ctx, tx, ref, false)
		return err
	})
	if err != nil {
		return nil, db.fail("problem "+ref, problemNotFound(err, ref))
	}
	return p, nil
}

// Problems lists every problem record, newest first, with the incidents each links.
func (db *DB) Problems(ctx context.Context) ([]*mim.Problem, error) {
	out := []*mim.Problem{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := db.query(ctx, tx, `SELECT `+problemColumns+` FROM problems ORDER BY created_at DESC, ref DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		byRef := map[string]*mim.Problem{}
		for rows.Next() {
			p, err := scanProblem(rows)
			if err != nil {
				return err
			}
			p.Incidents = []int{}
			out = append(out, p)
			byRef[p.Ref] = p
		}
		if err := rows.Err(); err != nil {
			return err
		}
		links, err := db.query(ctx, tx, `SELECT problem, incident FROM problem_incidents ORDER BY problem, incident`)
		if err != nil {
			return err
		}
		defer links.Close()
		for links.Next() {
			var (
				ref string
				n   int
			)
			if err := links.Scan(&ref, &n); err != nil {
				return err
			}
			if p := byRef[ref]; p != nil {
				p.Incidents = append(p.Incidents, n)
			}
		}
		return links.Err()
	})
	if err != nil {
		return nil, db.fail("list problems", err)
	}
	return out, nil
}

// UpdateProblem runs fn on problem ref and saves the result with fn's edit, in one
// transaction that holds the problem's row (SQLite: the write lock). The linked
// incidents come without timelines; fn's entries go on each one's timeline. An error
// from fn is returned as it is, and nothing is saved; so is a stale Change.Fired.
func (db *DB) UpdateProblem(ctx context.Context, ref string, fn func(*mim.ProblemEdit) error) (*mim.Problem, error) {
	var (
		out   *mim.Problem
		fnErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		p, err := db.loadProblem(ctx, tx, ref, true)
		if err != nil {
			return err
		}
		edit := &mim.ProblemEdit{Problem: p}
		for _, n := range p.Incidents {
			inc, err := scanIncident(db.queryRow(ctx, tx, `SELECT `+incidentColumns+` FROM incidents WHERE number = ?`, n))
			if err != nil {
				return fmt.Errorf("incident %d: %w", n, err)
			}
			edit.Incidents = append(edit.Incidents, inc)
		}
		if edit.NextKnownError, err = db.nextNumber(ctx, tx, "known_errors", lockKnownErrors); err != nil {
			return err
		}
		if err := fn(edit); err != nil {
			fnErr = err
			return err
		}
		p.Ref = ref
		if _, err := db.exec(ctx, tx, `
			UPDATE problems
			SET owner = ?, due = ?, state = ?, root_cause = ?, workaround = ?, change = ?, closed_at = ?
			WHERE ref = ?`,
			p.Owner, db.d.time(p.Due), string(p.State), p.RootCause, p.Workaround, p.Change, db.d.stamp(p.ClosedAt), ref); err != nil {
			return fmt.Errorf("save problem %s: %w", ref, err)
		}
		if k := edit.Publish; k != nil {
			if _, err := db.exec(ctx, tx, `
				INSERT INTO known_errors (number, problem, title, root_cause, workaround, published_at)
				VALUES (?, ?, ?, ?, ?, ?)`,
				k.Number, ref, k.Title, k.RootCause, k.Workaround, db.d.time(k.PublishedAt)); err != nil {
				return fmt.Errorf("publish %s: %w", k.Ref(), err)
			}
			if err := db.indexKnown(ctx, tx, k, edit.Incidents); err != nil {
				return err
			}
		}
		if err := db.follow(ctx, tx, p.Incidents, edit.Change); err != nil {
			return err
		}
		out, err = db.loadProblem(ctx, tx, ref, false)
		return err
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, db.fail("update problem "+ref, problemNotFound(err, ref))
	}
	return out, nil
}

// nextNumber returns max + 1 of table's number column, holding (on PostgreSQL) the
// advisory lock that makes it safe until the transaction ends.
func (db *DB) nextNumber(ctx context.Context, tx *sql.Tx, table string, lock int) (int, error) {
	if db.d.lockQueue != "" {
		if _, err := db.exec(ctx, tx, db.d.lockQueue, numbersLock, lock); err != nil {
			return 0, fmt.Errorf("number %s: lock: %w", table, err)
		}
	}
	var n int
	if err := db.queryRow(ctx, tx, `SELECT COALESCE(MAX(number), 0) + 1 FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("number %s: %w", table, err)
	}
	return n, nil
}

// KnownErrors lists known errors, newest first; search, when set, keeps those whose
// title, root cause or workaround contain it, ignoring case (lower() on both sides,
// so that SQLite and PostgreSQL agree).
func (db *DB) KnownErrors(ctx context.Context, search string) ([]mim.KnownError, error) {
	where, args := "TRUE", []any{}
	if s := strings.TrimSpace(search); s != "" {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(s)) + "%"
		where = `(lower(title) LIKE ? ESCAPE '\' OR lower(root_cause) LIKE ? ESCAPE '\' OR lower(workaround) LIKE ? ESCAPE '\')`
		args = append(args, pattern, pattern, pattern)
	}
	rows, err := db.query(ctx, db.db, `
		SELECT number, problem, title, root_cause, workaround, published_at
		FROM known_errors
		WHERE `+where+`
		ORDER BY number DESC`, args...)
	if err != nil {
		return nil, db.fail("known errors", err)
	}
	defer rows.Close()
	out := []mim.KnownError{}
	for rows.Next() {
		var (
			k  mim.KnownError
			at stamp
		)
		if err := rows.Scan(&k.Number, &k.Problem, &k.Title, &k.RootCause, &k.Workaround, &at); err != nil {
			return nil, db.fail("known errors", err)
		}
		k.PublishedAt = at.Time
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("known errors", err)
	}
	return out, nil
}

// likeEscaper escapes what LIKE would read as wildcards, so that a search for "100%"
// finds "100%" and not "100 and anything".
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// openProblems inserts the problem records a change opens, each linked to incident
// n and to the incidents it names (a problem opened for recurring incidents). A
// record that exists already (a close carried out twice, or an incident recurring
// once more) gains the links only.
func (db *DB) openProblems(ctx context.Context, tx *sql.Tx, n int, problems []mim.Problem) error {
	for _, p := range problems {
		state := p.State
		if state == "" {
			state = mim.ProblemOpen
		}
		if _, err := db.exec(ctx, tx, `
			INSERT INTO problems (ref, owner, due, state, root_cause, workaround, change, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (ref) DO NOTHING`,
			p.Ref, p.Owner, db.d.time(p.Due), string(state), p.RootCause, p.Workaround, p.Change, db.d.time(p.CreatedAt)); err != nil {
			return fmt.Errorf("open problem %s: %w", p.Ref, err)
		}
		links := []int{n}
		for _, m := range p.Incidents {
			if !slices.Contains(links, m) {
				links = append(links, m)
			}
		}
		for _, m := range links {
			if _, err := db.exec(ctx, tx, `
				INSERT INTO problem_incidents (problem, incident) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, p.Ref, m); err != nil {
				return fmt.Errorf("link problem %s to #%d: %w", p.Ref, m, err)
			}
		}
	}
	return nil
}

// follow applies the change of a problem or action use case: the request, the fired
// timer, timers cancelled and scheduled (incident 0: global, as these are), the
// entries on the timeline of every incident in incidents, and the messages (those
// naming no incident belong to the first).
func (db *DB) follow(ctx context.Context, tx *sql.Tx, incidents []int, ch mim.Change) error {
	first := 0
	if len(incidents) > 0 {
		first = incidents[0]
	}
	if ch.Request != "" {
		_, err := db.exec(ctx, tx, `INSERT INTO requests (key, incident, at) VALUES (?, ?, ?)`, ch.Request, first, db.doneAt())
		if db.d.unique(err, constraintRequest) {
			return mim.ErrSeen
		}
		if err != nil {
			return fmt.Errorf("record request: %w", err)
		}
	}
	if ch.Fired != nil {
		if err := db.fire(ctx, tx, *ch.Fired); err != nil {
			return err
		}
	}
	for _, key := range ch.Cancel {
		if err := db.cancel(ctx, tx, 0, key); err != nil {
			return err
		}
	}
	if err := db.scheduleAll(ctx, tx, slices.Concat(ch.Schedule, ch.Global)); err != nil {
		return err
	}
	var rows []timelineRow
	for _, n := range incidents {
		for _, e := range ch.Entries {
			rows = append(rows, timelineRow{n, e})
		}
	}
	if _, err := db.logEntries(ctx, tx, rows); err != nil {
		return err
	}
	msgs := slices.Clone(ch.Messages)
	for i := range msgs {
		if msgs[i].Incident == 0 {
			msgs[i].Incident = first
		}
	}
	return db.queue(ctx, tx, msgs)
}

// incidentProblem sets inc.Problem to the problem record that links inc, as it
// stands in problems (the document keeps the hand-off only); nil when none does.
func (db *DB) incidentProblem(ctx context.Context, tx *sql.Tx, inc *mim.Incident) error {
	ref := ""
	if inc.Problem != nil {
		ref = inc.Problem.Ref
	} else {
		var found sql.NullString
		if err := db.queryRow(ctx, tx, `SELECT MIN(problem) FROM problem_incidents WHERE incident = ?`, inc.Number).Scan(&found); err != nil {
			return fmt.Errorf("problem of #%d: %w", inc.Number, err)
		}
		if !found.Valid {
			return nil
		}
		ref = found.String
	}
	p, err := db.loadProblem(ctx, tx, ref, false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the hand-off alone: a record no migration or close has opened
	}
	if err != nil {
		return fmt.Errorf("problem of #%d: %w", inc.Number, err)
	}
	inc.Problem = p
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"mimbot/mim"
)

// actionColumns are the columns scanAction reads, in its order.
const actionColumns = `number, incident, text, owner, due, done_at, done_by, created_by, created_at`

func scanAction(row interface{ Scan(...any) error }) (mim.Action, error) {
	var (
		a                 mim.Action
		due, done, create stamp
	)
	err := row.Scan(&a.Number, &a.Incident, &a.Text, &a.Owner, &due, &done, &a.DoneBy, &a.CreatedBy, &create)
	a.Due, a.DoneAt, a.CreatedAt = due.Time, done.Time, create.Time
	return a, err
}

// AddAction numbers a new action of incident n (max + 1, which the write lock or, on
// PostgreSQL, an advisory lock keeps unique), runs fn with the incident (without its
// timeline) and saves the action with fn's change. An error from fn is returned as
// it is, and nothing is saved.
func (db *DB) AddAction(ctx context.Context, n int, fn func(*mim.ActionEdit) error) (*mim.Action, error) {
	var (
		out   mim.Action
		fnErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		inc, err := scanIncident(db.queryRow(ctx, tx, `SELECT `+incidentColumns+` FROM incidents WHERE number = ?`+db.d.forUpdate, n))
		if err != nil {
			return err
		}
		num, err := db.nextNumber(ctx, tx, "actions", lockActions)
		if err != nil {
			return err
		}
		edit := &mim.ActionEdit{Incident: inc, Action: &mim.Action{Number: num, Incident: n}}
		if err := fn(edit); err != nil {
			fnErr = err
			return err
		}
		a := edit.Action
		a.Number, a.Incident = num, n
		if _, err := db.exec(ctx, tx, `
			INSERT INTO actions (`+actionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Number, a.Incident, a.Text, a.Owner, db.d.time(a.Due), db.d.stamp(a.DoneAt), a.DoneBy, a.CreatedBy, db.d.time(a.CreatedAt)); err != nil {
			return fmt.Errorf("insert action %d: %w", a.Number, err)
		}
		if err := db.follow(ctx, tx, []int{n}, edit.Change); err != nil {
			return err
		}
		out, err = scanAction(db.queryRow(ctx, tx, `SELECT `+actionColumns+` FROM actions WHERE number = ?`, num))
		return err
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, db.fail(fmt.Sprintf("add action to incident %d", n), notFound(err, n))
	}
	return &out, nil
}

// UpdateAction runs fn on action number and its incident (without its timeline) and
// saves the action with fn's change, in one transaction that holds the action's row.
func (db *DB) UpdateAction(ctx context.Context, number int, fn func(*mim.ActionEdit) error) (*mim.Action, error) {
	var (
		out   mim.Action
		fnErr error
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		a, err := scanAction(db.queryRow(ctx, tx, `SELECT `+actionColumns+` FROM actions WHERE number = ?`+db.d.forUpdate, number))
		if errors.Is(err, sql.ErrNoRows) {
			return mim.Errorf(mim.ENOTFOUND, "There is no action %d. `action list` shows the open ones.", number)
		}
		if err != nil {
			return err
		}
		inc, err := scanIncident(db.queryRow(ctx, tx, `SELECT `+incidentColumns+` FROM incidents WHERE number = ?`, a.Incident))
		if err != nil {
			return fmt.Errorf("incident %d: %w", a.Incident, err)
		}
		edit := &mim.ActionEdit{Incident: inc, Action: &a}
		if err := fn(edit); err != nil {
			fnErr = err
			return err
		}
		if _, err := db.exec(ctx, tx, `
			UPDATE actions SET text = ?, owner = ?, due = ?, done_at = ?, done_by = ?
			WHERE number = ?`,
			a.Text, a.Owner, db.d.time(a.Due), db.d.stamp(a.DoneAt), a.DoneBy, number); err != nil {
			return fmt.Errorf("save action %d: %w", number, err)
		}
		if err := db.follow(ctx, tx, []int{a.Incident}, edit.Change); err != nil {
			return err
		}
		out, err = scanAction(db.queryRow(ctx, tx, `SELECT `+actionColumns+` FROM actions WHERE number = ?`, number))
		return err
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, db.fail(fmt.Sprintf("update action %d", number), err)
	}
	return &out, nil
}

// Actions lists the actions f selects, by number.
func (db *DB) Actions(ctx context.Context, f mim.ActionFilter) ([]mim.Action, error) {
	rows, err := db.actions(ctx, db.db, f)
	if err != nil {
		return nil, db.fail("list actions", err)
	}
	return rows, nil
}

func (db *DB) actions(ctx context.Context, q querier, f mim.ActionFilter) ([]mim.Action, error) {
	where, args := "TRUE", []any{}
	if f.Incident != 0 {
		where += " AND incident = ?"
		args = append(args, f.Incident)
	}
	if f.Owner != "" {
		where += " AND owner = ?"
		args = append(args, f.Owner)
	}
	if f.Open {
		// Written as the actions_open partial index writes it.
		where += " AND done_at IS NULL"
	}
	rows, err := db.queryThrough(ctx, q, `SELECT `+actionColumns+` FROM actions WHERE `+where+` ORDER BY number`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []mim.Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

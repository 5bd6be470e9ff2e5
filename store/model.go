package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"mimbot/mim"
)

// SaveModel saves m under m.Name, replacing the model saved under that name before.
func (db *DB) SaveModel(ctx context.Context, m mim.Model) error {
	defer db.turn()()
	towers, err := jsonStrings(m.Towers)
	if err != nil {
		return db.fail("save model "+m.Name, err)
	}
	tasks, err := jsonStrings(m.Tasks)
	if err != nil {
		return db.fail("save model "+m.Name, err)
	}
	_, err = db.exec(ctx, db.db, `
		INSERT INTO models (name, impact, urgency, towers, tasks) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			impact = excluded.impact, urgency = excluded.urgency,
			towers = excluded.towers, tasks = excluded.tasks`,
		m.Name, m.Impact, m.Urgency, towers, tasks)
	if err != nil {
		return db.fail("save model "+m.Name, err)
	}
	return nil
}

// Model returns the saved model called name.
func (db *DB) Model(ctx context.Context, name string) (mim.Model, error) {
	m, err := scanModel(db.queryRow(ctx, db.db, `SELECT `+modelColumns+` FROM models WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		err = mim.Errorf(mim.ENOTFOUND, "There is no saved model %q.", name)
	}
	if err != nil {
		return mim.Model{}, db.fail("model "+name, err)
	}
	return m, nil
}

// Models returns the saved models by name.
func (db *DB) Models(ctx context.Context) ([]mim.Model, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+modelColumns+` FROM models ORDER BY name`)
	if err != nil {
		return nil, db.fail("models", err)
	}
	defer rows.Close()
	out := []mim.Model{}
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, db.fail("models", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("models", err)
	}
	return out, nil
}

const modelColumns = `name, impact, urgency, towers, tasks`

func scanModel(row interface{ Scan(...any) error }) (mim.Model, error) {
	var (
		m             mim.Model
		towers, tasks []byte
	)
	if err := row.Scan(&m.Name, &m.Impact, &m.Urgency, &towers, &tasks); err != nil {
		return mim.Model{}, err
	}
	if err := json.Unmarshal(towers, &m.Towers); err != nil {
		return mim.Model{}, fmt.Errorf("model %s: towers: %w", m.Name, err)
	}
	if err := json.Unmarshal(tasks, &m.Tasks); err != nil {
		return mim.Model{}, fmt.Errorf("model %s: tasks: %w", m.Name, err)
	}
	if len(m.Towers) == 0 {
		m.Towers = nil
	}
	if len(m.Tasks) == 0 {
		m.Tasks = nil
	}
	return m, nil
}

// jsonStrings is the stored form of a list of strings: a JSON array, [] when empty.
func jsonStrings(s []string) (string, error) {
	if len(s) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(s)
	return string(b), err
}

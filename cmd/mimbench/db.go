package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"mimbot/store"
)

// database is where a benchmark runs: opened once per replica, removed at the end.
type database struct {
	kind  string
	path  string // sqlite
	close func()
}

func newDatabase(ctx context.Context, kind string) (*database, error) {
	switch kind {
	case "sqlite":
		dir, err := os.MkdirTemp("", "mimbench")
		if err != nil {
			return nil, err
		}
		return &database{kind: kind, path: filepath.Join(dir, "bench.db"), close: func() { os.RemoveAll(dir) }}, nil
	case "postgres":
		return newPostgres(ctx)
	}
	return nil, fmt.Errorf("-db %s: use postgres or sqlite", kind)
}

// open opens one replica's connection (pool) to the database.
func (d *database) open(ctx context.Context) (*store.DB, error) {
	if d.kind == "sqlite" {
		return store.OpenSQLite(ctx, d.path)
	}
	return openPostgres(ctx, d.path)
}

// pending counts the messages still to deliver, straight from the outbox table.
func (d *database) pending(ctx context.Context) (int, error) {
	const q = `SELECT count(*) FROM outbox WHERE done_at IS NULL`
	var n int
	if d.kind == "sqlite" {
		db, err := sql.Open("sqlite", d.path)
		if err != nil {
			return 0, err
		}
		defer db.Close()
		return n, db.QueryRowContext(ctx, q).Scan(&n)
	}
	conn, err := pgx.Connect(ctx, d.path)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	return n, conn.QueryRow(ctx, q).Scan(&n)
}

// openOne makes a database of kind with one store open on it, for a benchmark that
// runs a single replica; done closes both.
func openOne(ctx context.Context, kind string) (*store.DB, func(), error) {
	db, err := newDatabase(ctx, kind)
	if err != nil {
		return nil, nil, err
	}
	st, err := db.open(ctx)
	if err != nil {
		db.close()
		return nil, nil, err
	}
	return st, func() { st.Close(); db.close() }, nil
}

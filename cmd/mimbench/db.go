package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"mimbot/mim"
	"mimbot/store/sqlite"
)

// store is a mim.Store that can be closed.
type store interface {
	mim.Store
	Close() error
}

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
func (d *database) open(ctx context.Context) (store, error) {
	if d.kind == "sqlite" {
		return sqlite.Open(ctx, d.path)
	}
	return openPostgres(ctx, d.path)
}

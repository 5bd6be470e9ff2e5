package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"mimbot/store"
)

// adminURL is where the benchmark creates its database: MIMBOT_BENCH_POSTGRES, else
// the local server with trust authentication.
func adminURL() string {
	if u := os.Getenv("MIMBOT_BENCH_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// newPostgres creates a fresh database for one benchmark run and drops it afterwards.
func newPostgres(ctx context.Context) (*database, error) {
	admin, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w (set MIMBOT_BENCH_POSTGRES to an admin URL)", adminURL(), err)
	}
	name := fmt.Sprintf("mimbench_%d", os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	cfg, err := pgx.ParseConfig(adminURL())
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	return &database{kind: "postgres", path: url, close: func() {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	}}, nil
}

func openPostgres(ctx context.Context, url string) (*store.DB, error) {
	return store.OpenPostgres(ctx, url)
}

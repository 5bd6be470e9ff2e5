package store

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"mimbot/internal/pgtest"
	"mimbot/migrations"
	"mimbot/mim"
	"mimbot/store/storetest"
)

// migrated returns the URL of a fresh database of t's own with every migration
// applied, for pgtest.Clone to copy.
func migrated(t *testing.T) string {
	t.Helper()
	url := pgtest.DB(t)
	if err := MigratePostgres(t.Context(), url); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return url
}

// openPostgresTest opens the database at url and closes it when t ends.
func openPostgresTest(t *testing.T, url string) *DB {
	t.Helper()
	db, err := OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// TestStore runs the conformance suite, each case on a copy of one migrated
// database: copying is several times faster than migrating each one afresh. Open
// still runs the migrations, and finds none pending.
func TestPostgresStore(t *testing.T) {
	template := migrated(t)
	storetest.Run(t, func(t *testing.T) mim.Store {
		return openPostgresTest(t, pgtest.Clone(t, template))
	})
}

// TestReopen is a restart: what one process saved, the next one reads, and the
// migrations already applied are not applied twice.
func TestPostgresReopen(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	db, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	due := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := db.EnsureTimer(ctx, mim.Timer{Key: mim.TimerDigest, Due: due}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openPostgresTest(t, url)
	got, err := db.NextDue(ctx)
	if err != nil || !got.Equal(due) {
		t.Errorf("NextDue after a restart = %v, %v; want %v", got, err, due)
	}
}

func TestPostgresOpenRefuses(t *testing.T) {
	// Should "" reach libpq's defaults after all, they lead nowhere.
	t.Setenv("PGHOST", "127.0.0.1")
	t.Setenv("PGPORT", "1")
	for _, tt := range []struct{ url, want string }{
		{"", "postgres: open: no database URL"},
		{"  ", "postgres: open: no database URL"},
		{"mysql://root@127.0.0.1/test", "postgres: open: cannot parse"},
		{"postgres://127.0.0.1:5432/db?pool_max_conns=zero", "postgres: open: cannot parse"},
	} {
		db, err := OpenPostgres(t.Context(), tt.url)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", tt.url)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Open(%q) = %v, want an error starting %q", tt.url, err, tt.want)
		}
		if mim.ErrorCode(err) == mim.EUNAVAILABLE {
			t.Errorf("Open(%q): %v is a configuration error, not unavailable", tt.url, err)
		}
	}
}

// TestMigrations runs every migration up, down to nothing, and up again: each Down
// must undo its Up completely, or the second Up fails.
func TestPostgresMigrations(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	if err := MigratePostgres(ctx, url); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	// Migrating an up-to-date database is a no-op.
	if err := MigratePostgres(ctx, url); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	sdb := stdlib.OpenDB(*cfg)
	defer sdb.Close()
	p, err := postgresProvider(sdb)
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	want := pgTables(t, conn)
	if diff := cmp.Diff([]string{"actions", "incidents", "known_errors", "models", "outbox", "problem_incidents", "problems", "requests", "search_incidents", "search_known", "timeline", "timers", "war_rooms"}, want); diff != "" {
		t.Errorf("tables after up (-want +got):\n%s", diff)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if got := pgTables(t, conn); len(got) != 0 {
		t.Errorf("tables left after down: %q", got)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if diff := cmp.Diff(want, pgTables(t, conn)); diff != "" {
		t.Errorf("tables after up, down, up (-first +second):\n%s", diff)
	}
}

// TestMigrationsInStep keeps the dialects in step: every SQLite migration has its
// PostgreSQL counterpart of the same version and name, and the reverse.
func TestMigrationsInStep(t *testing.T) {
	names := func(fsys fs.FS) []string {
		t.Helper()
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if diff := cmp.Diff(names(migrations.SQLite()), names(migrations.Postgres())); diff != "" {
		t.Errorf("migrations (-sqlite +postgres):\n%s", diff)
	}
}

// connect opens a plain connection to url for a test to look around with, closed
// when t ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// pgTables lists mimbot's tables (not goose's, not PostgreSQL's).
func pgTables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `
		SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

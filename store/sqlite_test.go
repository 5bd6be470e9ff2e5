package store

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
	"mimbot/store/storetest"
)

// openSQLiteTest opens a fresh database in the test's temporary directory.
func openSQLiteTest(t *testing.T) *DB {
	t.Helper()
	db, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "mimbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestSQLiteStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mim.Store { return openSQLiteTest(t) })
}

// TestReopen is a restart: what one process saved, the next one reads, and the
// migrations already applied are not applied twice.
func TestSQLiteReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "mimbot.db")
	db, err := OpenSQLite(ctx, path)
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
	db, err = OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("OpenSQLite after a restart: %v", err)
	}
	defer db.Close()
	got, err := db.NextDue(ctx)
	if err != nil || !got.Equal(due) {
		t.Errorf("NextDue after a restart = %v, %v; want %v", got, err, due)
	}
}

func TestSQLiteOpenRefuses(t *testing.T) {
	for _, path := range []string{"", ":memory:", "mimbot.db?mode=ro"} {
		if db, err := OpenSQLite(t.Context(), path); err == nil {
			db.Close()
			t.Errorf("OpenSQLite(%q) succeeded, want an error", path)
		}
	}
}

// TestMigrations runs every migration up, down to nothing, and up again: each Down
// must undo its Up completely, or the second Up fails.
func TestSQLiteMigrations(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "mimbot.db")
	if err := MigrateSQLite(ctx, path); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	// Migrating an up-to-date database is a no-op.
	if err := MigrateSQLite(ctx, path); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	sdb, err := openSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	p, err := sqliteProvider(sdb)
	if err != nil {
		t.Fatal(err)
	}
	want := sqliteTables(t, sdb)
	if diff := cmp.Diff([]string{"actions", "incidents", "known_errors", "models", "outbox", "problem_incidents", "problems", "requests", "search_incidents", "search_incidents_config", "search_incidents_content", "search_incidents_data", "search_incidents_docsize", "search_incidents_idx",
		"search_known", "search_known_config", "search_known_content", "search_known_data", "search_known_docsize", "search_known_idx", "timeline", "timers", "war_rooms"}, want); diff != "" {
		t.Errorf("tables after up (-want +got):\n%s", diff)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if got := sqliteTables(t, sdb); len(got) != 0 {
		t.Errorf("tables left after down: %q", got)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if diff := cmp.Diff(want, sqliteTables(t, sdb)); diff != "" {
		t.Errorf("tables after up, down, up (-first +second):\n%s", diff)
	}
}

// sqliteTables lists mimbot's tables (not goose's, not SQLite's).
func sqliteTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `
		SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'
		ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

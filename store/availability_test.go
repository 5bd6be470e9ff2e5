package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"mimbot/mim"
)

// wantUnavailable fails the test unless err tells a chat user that the database is
// unavailable and to try again.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if code := mim.ErrorCode(err); code != mim.EUNAVAILABLE {
		t.Errorf("%s: err = %v (code %s), want %s", what, err, code, mim.EUNAVAILABLE)
		return
	}
	if msg := mim.ErrorMessage(err); msg != "The database is unavailable; try again in a moment." {
		t.Errorf("%s: users read %q", what, msg)
	}
}

// TestUnreachable: nothing listens at the address. Open and Migrate fail at once
// (a refused connection is not retried for the connect timeout), saying the
// database is unavailable.
func TestUnreachable(t *testing.T) {
	const url = "postgres://postgres@127.0.0.1:1/mimbot?sslmode=disable"
	start := time.Now()
	db, err := OpenPostgres(t.Context(), url)
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded with nothing listening")
	}
	wantUnavailable(t, "Open", err)
	wantUnavailable(t, "Migrate", MigratePostgres(t.Context(), url))
	if d := time.Since(start); d > connectTimeout {
		t.Errorf("Open and Migrate took %v to fail, want them to fail promptly", d)
	}
}

// TestClosed: a request that races the shutdown of its replica is worth trying again.
func TestClosed(t *testing.T) {
	db := openPostgresTest(t, migrated(t))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	wantUnavailable(t, "Ping", db.Ping(ctx))
	_, err := db.Incident(ctx, 1)
	wantUnavailable(t, "Incident", err)
	_, err = db.ClaimTimers(ctx, at(0), time.Minute, "w", 10)
	wantUnavailable(t, "ClaimTimers", err)
	_, _, err = db.CreateIncident(ctx, "", func(*mim.Incident, map[string]int, *mim.Change) error { return nil })
	wantUnavailable(t, "CreateIncident", err)
}

// TestConnectionsDropped is what a replica sees when PostgreSQL restarts: every
// connection of its pool is cut. Calls fail as unavailable, without a panic, and
// the pool reconnects by itself.
func TestConnectionsDropped(t *testing.T) {
	url := migrated(t)
	db := openPostgresTest(t, url)
	inc := declareOn(t, db, nil)
	admin := connect(t, url)
	var cut int
	err := admin.QueryRow(t.Context(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&cut)
	if err != nil || cut == 0 {
		t.Fatalf("terminated %d connections, %v; want the pool's", cut, err)
	}
	failed := 0
	for range 10 {
		_, err := db.Incident(t.Context(), inc.Number)
		if err == nil {
			t.Logf("%d calls failed before the pool reconnected", failed)
			return
		}
		failed++
		wantUnavailable(t, "Incident after the connections were cut", err)
	}
	t.Fatalf("still failing after %d calls: the pool did not reconnect", failed)
}

// TestDeadline: a call that cannot get what it waits for (here the row lock of an
// incident another transaction holds) returns when its context's deadline passes.
func TestDeadline(t *testing.T) {
	url := migrated(t)
	db := openPostgresTest(t, url)
	inc := declareOn(t, db, nil)
	other := connect(t, url)
	tx, err := other.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), `SELECT 1 FROM incidents WHERE number = $1 FOR UPDATE`, inc.Number); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = db.UpdateIncident(ctx, inc.Number, func(*mim.Incident, *mim.Change) error { return nil })
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("UpdateIncident returned %v after a 200ms deadline", d)
	}
	wantUnavailable(t, "UpdateIncident past its deadline", err)
	// The pool is still good for the next call.
	if _, err := db.Incident(t.Context(), inc.Number); err != nil {
		t.Errorf("Incident after a call timed out: %v", err)
	}
}

func TestUnavailableClassifies(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"server starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"wrong password", &pgconn.PgError{Code: "28P01"}, false},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"cut mid-reply", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"cancelled by the caller", fmt.Errorf("query: %w", context.Canceled), false},
		{"stale", mim.ErrStale, false},
		{"not found", mim.Errorf(mim.ENOTFOUND, "There is no incident #4."), false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := postgresDialect().fail("op", tt.err)
			if got := mim.ErrorCode(err) == mim.EUNAVAILABLE; got != tt.want {
				t.Errorf("fail(%v) has code %s; unavailable = %v, want %v", tt.err, mim.ErrorCode(err), got, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("fail(%v) = %v, which no longer wraps the cause", tt.err, err)
			}
		})
	}
}

package pgtest

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// query runs a query returning one value on the database at url.
func query[T any](t *testing.T, url, sql string, args ...any) T {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// exec runs statements on the database at url.
func exec(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// exists tells whether the server of the admin URL has database name.
func exists(t *testing.T, name string) bool {
	t.Helper()
	admin, err := adminURL()
	if err != nil {
		t.Fatal(err)
	}
	return query[bool](t, admin.String(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name)
}

func TestDB(t *testing.T) {
	var names []string
	t.Run("two databases", func(t *testing.T) {
		one, two := DB(t), DB(t)
		for _, url := range []string{one, two} {
			name := query[string](t, url, `SELECT current_database()`)
			if !regexp.MustCompile(`^mimbot_pgtest_\d+_\d+$`).MatchString(name) {
				t.Errorf("database %q: want mimbot_pgtest_<pid>_<n>", name)
			}
			if n := query[int](t, url, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`); n != 0 {
				t.Errorf("database %s has %d tables, want a fresh one", name, n)
			}
			names = append(names, name)
		}
		if names[0] == names[1] {
			t.Fatalf("both calls returned database %s", names[0])
		}
		// What one test writes, the other does not see.
		exec(t, one, `CREATE TABLE mine (n int)`)
		if query[bool](t, two, `SELECT to_regclass('mine') IS NOT NULL`) {
			t.Errorf("a table made in %s shows in %s", names[0], names[1])
		}
	})
	for _, name := range names {
		if exists(t, name) {
			t.Errorf("database %s outlived its test", name)
		}
	}
}

func TestClone(t *testing.T) {
	template := DB(t)
	exec(t, template, `CREATE TABLE seed (n int); INSERT INTO seed VALUES (42)`)
	clone := Clone(t, template)
	if n := query[int](t, clone, `SELECT n FROM seed`); n != 42 {
		t.Errorf("clone has seed %d, want the template's 42", n)
	}
	exec(t, clone, `INSERT INTO seed VALUES (7)`)
	if n := query[int](t, template, `SELECT count(*) FROM seed`); n != 1 {
		t.Errorf("template has %d rows after the clone was written to, want 1", n)
	}
}

// recorder is a testing.TB that notes how the test ended instead of ending it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls DB on r in a goroutine of its own, as the testing package runs a test,
// so that Fatalf and Skipf can end it.
func (r *recorder) run() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		DB(r)
	}()
	<-done
}

func TestUnreachable(t *testing.T) {
	t.Setenv("MIMBOT_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable")
	tests := []struct {
		name                string
		env                 string
		wantSkip, wantFatal bool
	}{
		{"skipped by default", "", true, false},
		{"failed when required", "1", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MIMBOT_TEST_POSTGRES", tt.env)
			r := &recorder{TB: t}
			r.run()
			if got := r.skipped != ""; got != tt.wantSkip {
				t.Errorf("skipped = %q, want skipped: %v", r.skipped, tt.wantSkip)
			}
			if got := r.failed != ""; got != tt.wantFatal {
				t.Errorf("failed = %q, want failed: %v", r.failed, tt.wantFatal)
			}
			msg := r.skipped + r.failed
			if !strings.Contains(msg, "PostgreSQL not reachable at postgres://postgres@127.0.0.1:1/") || !strings.Contains(msg, "MIMBOT_TEST_POSTGRES=1") {
				t.Errorf("message %q: want the address and how to make it a failure", msg)
			}
		})
	}
}

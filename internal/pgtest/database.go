package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultAdminURL is the server and maintenance database pgtest creates databases
// from when MIMBOT_TEST_DATABASE_URL is not set: the local server, as the superuser
// postgres, with trust authentication.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DB returns the URL of a fresh, empty database of t's own on the admin URL's server,
// dropped when t ends. It skips t when the server cannot be reached (fails it with
// MIMBOT_TEST_POSTGRES=1).
func DB(t testing.TB) string {
	t.Helper()
	return create(t, "")
}

// Clone is DB for a database that starts as a copy of the one at template (on the
// same server): schema and rows. Nobody may be connected to template while it is
// copied, so close every pool on it first; PostgreSQL waits a few seconds for
// sessions that are still going away, then fails.
func Clone(t testing.TB, template string) string {
	t.Helper()
	u, err := url.Parse(template)
	if err != nil || strings.Trim(u.Path, "/") == "" {
		t.Fatalf("pgtest: clone %s: want the URL of a database", template)
	}
	return create(t, strings.Trim(u.Path, "/"))
}

// serial numbers the databases of this process; with the process id in the name it
// keeps names unique across the test binaries `go test ./...` runs at once.
var serial atomic.Int64

// create makes the database (a copy of template unless template is empty) and
// returns its URL.
func create(t testing.TB, template string) string {
	t.Helper()
	admin, err := adminURL()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := connect(ctx, t, admin)
	defer conn.Close(context.Background())

	name := fmt.Sprintf("mimbot_%s_%d_%d", packageName(), os.Getpid(), serial.Add(1))
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	_, err = conn.Exec(ctx, stmt)
	if code(err) == "42P04" {
		// duplicate_database: left by a killed run of a process that had our id;
		// no live process can be using it.
		if err = drop(ctx, conn, name); err == nil {
			_, err = conn.Exec(ctx, stmt)
		}
	}
	if err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context is done by now: the drop gets its own.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := dial(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if err := drop(ctx, conn, name); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u := *admin
	u.Path = "/" + name
	return u.String()
}

// adminURL is the URL pgtest connects to for creating and dropping databases.
func adminURL() (*url.URL, error) {
	s := os.Getenv("MIMBOT_TEST_DATABASE_URL")
	if s == "" {
		s = DefaultAdminURL
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		// Not u.Redacted(): u may be nil, and the value may hold a password.
		return nil, errors.New("pgtest: MIMBOT_TEST_DATABASE_URL: want a URL such as " + DefaultAdminURL)
	}
	return u, nil
}

// connect opens a connection to the admin database, or ends t: skipped when the
// server cannot be reached, failed when MIMBOT_TEST_POSTGRES=1 says it must be.
func connect(ctx context.Context, t testing.TB, admin *url.URL) *pgx.Conn {
	t.Helper()
	conn, err := dial(ctx, admin)
	if err == nil {
		return conn
	}
	if os.Getenv("MIMBOT_TEST_POSTGRES") == "1" {
		t.Fatalf("PostgreSQL not reachable at %s (MIMBOT_TEST_POSTGRES=1): %v", admin.Redacted(), err)
	}
	t.Skipf("PostgreSQL not reachable at %s: set MIMBOT_TEST_POSTGRES=1 to make this a failure (%v)", admin.Redacted(), err)
	return nil
}

// dial connects to the admin database.
func dial(ctx context.Context, admin *url.URL) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(admin.String())
	if err != nil {
		return nil, err
	}
	// Nothing listening answers at once, but a host that drops packets must not hold
	// every test for the dialer's own timeout.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 3 * time.Second
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// drop drops database name, ending the sessions a test left open on it.
func drop(ctx context.Context, conn *pgx.Conn, name string) error {
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// packageName is the name of the directory the test binary runs in, which `go test`
// makes the package's, reduced to what a database name may hold unquoted.
func packageName() string {
	dir, err := os.Getwd()
	if err != nil {
		return "test"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(dir)) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() == 24 { // 63 bytes at most in all, with the rest of the name
			break
		}
	}
	if b.Len() == 0 {
		return "test"
	}
	return b.String()
}

// code is the SQLSTATE of err, "" when the server did not say.
func code(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"mimbot/mim"
)

// fail wraps err, from the operation op, as "<dialect>: op: err". An error that
// says the database cannot be reached also carries a *mim.Error with EUNAVAILABLE,
// so that a chat user reads "try again in a moment" and not "something went wrong".
func (d *dialect) fail(op string, err error) error {
	if d.unavailable != nil && d.unavailable(err) {
		err = &unavailableError{err: err}
	}
	return fmt.Errorf("%s: %s: %w", d.name, op, err)
}

// fail is the dialect's fail for the methods of db: after Close, a failure of a
// database that is reached over the network is the database being unavailable to
// this process. What the domain says (not found, stale) stays as it is.
func (db *DB) fail(op string, err error) error {
	var domain *mim.Error
	if db.d.unavailable != nil && db.closed.Load() && !db.d.unavailable(err) && !errors.As(err, &domain) && !errors.Is(err, mim.ErrStale) {
		return fmt.Errorf("%s: %s: %w", db.d.name, op, &unavailableError{err: err})
	}
	return db.d.fail(op, err)
}

// unavailableError is an error of the connection to the database. It unwraps to
// the domain error users see and to the driver's error, which stays for logs.
type unavailableError struct {
	err error
}

func (e *unavailableError) Error() string { return "database unavailable: " + e.err.Error() }

func (e *unavailableError) Unwrap() []error {
	return []error{
		mim.Errorf(mim.EUNAVAILABLE, "The database is unavailable; try again in a moment."),
		e.err,
	}
}

// unavailable tells whether err means that the database could not be reached or
// went away, as opposed to refusing the statement: the server is down, restarting
// or full, the network failed, or the caller's deadline passed while waiting. A
// caller that cancelled its own context gets no such verdict.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// The server answered: only the answers that say "not now" count.
		switch pgErr.Code {
		case "57P01", // admin_shutdown: the server is stopping
			"57P02", // crash_shutdown: another backend crashed, all are reset
			"57P03", // cannot_connect_now: the server is starting up
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &connectErr) ||
		pgconn.Timeout(err) ||
		// Nothing reached the server: a connection that was already broken or closed.
		pgconn.SafeToRetry(err) ||
		errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		// database/sql's words for a connection that broke under it.
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

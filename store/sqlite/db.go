package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"mimbot/migrations"
	"mimbot/mim"
	"mimbot/store"
)

// DB is a mimbot store in one SQLite file. It is safe for concurrent use, also by
// several processes on the same file (the bot and `mimbot incident list`).
type DB struct {
	db *sql.DB
}

var _ mim.Store = (*DB)(nil)

// params configure every connection:
//   - WAL lets readers (lists, the status page) run beside a writer;
//   - busy_timeout makes a writer wait for another instead of failing at once;
//   - synchronous=NORMAL: in WAL mode a commit survives a crash of the process (the
//     WAL is written) and is only at risk on power loss before the next checkpoint;
//     FULL would fsync every commit, and each timer and message is a commit;
//   - foreign_keys is off by default in SQLite, and the schema relies on it;
//   - _txlock=immediate starts every write transaction with BEGIN IMMEDIATE, which
//     takes the write lock up front. A deferred transaction would take it at its first
//     write, and two that both read first could then each wait for the other to
//     release its read lock: SQLITE_BUSY that no timeout resolves. Read-only
//     transactions (sql.TxOptions.ReadOnly) still begin deferred.
const params = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// Open opens (creating it when missing) the database file at path and applies any
// pending migration.
func Open(ctx context.Context, path string) (*DB, error) {
	sdb, err := open(path)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, sdb); err != nil {
		sdb.Close()
		return nil, err
	}
	return &DB{db: sdb}, nil
}

// Migrate applies the pending migrations to the database file at path, creating it
// when missing; it is `mimbot migrate`.
func Migrate(ctx context.Context, path string) error {
	sdb, err := open(path)
	if err != nil {
		return err
	}
	defer sdb.Close()
	return migrate(ctx, sdb)
}

// Close closes the database.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Ping checks that the database can be reached (readiness probe).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

func open(path string) (*sql.DB, error) {
	// The driver reads its parameters after the first '?'; and every connection of
	// the pool would get a database of its own in memory.
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %q: want a file name without '?'", path)
	}
	sdb, err := sql.Open("sqlite", path+"?"+params)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// sql.Open connects lazily; fail here rather than at the first query.
	if err := sdb.Ping(); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return sdb, nil
}

// provider returns goose's migration runner for db, with the embedded SQLite
// migrations and nothing from goose's global registry.
func provider(db *sql.DB) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	p, err := provider(db)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE: see params) and commits
// when fn succeeds.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// read runs fn in a read-only transaction: one snapshot for several queries, without
// taking the write lock.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// isUnique tells whether err is the violation of a UNIQUE or PRIMARY KEY constraint.
func isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) &&
		(e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Times are stored as INTEGER Unix milliseconds (store.Precision), NULL for the zero
// time, and come back in UTC.

// millis is the stored form of t; t must not be zero.
func millis(t time.Time) int64 { return store.Truncate(t).UnixMilli() }

// nullMillis is the stored form of a time that may be unset.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(t), Valid: true}
}

// fromMillis turns a stored time back into a time.Time in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMillis is fromMillis for a time that may be unset.
func fromNullMillis(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}

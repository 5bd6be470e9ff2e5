package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"mimbot/migrations"
	"mimbot/mim"
	"mimbot/store"
)

// DB is a mimbot store in a PostgreSQL database. It is safe for concurrent use, and
// several processes (replicas, `mimbot incident list`) may share the database.
type DB struct {
	pool *pgxpool.Pool
	// closed makes calls after Close fail as unavailable rather than internal: a
	// request that races the shutdown is worth trying again on another replica.
	closed atomic.Bool
}

var _ mim.Store = (*DB)(nil)

// Pool settings, each used only when the URL does not set its own (pool_max_conns,
// pool_health_check_period, connect_timeout).
const (
	// maxConns bounds what one replica takes of the server's max_connections (100
	// by default), leaving room for a few replicas and the CLI beside it.
	maxConns = 10
	// healthCheckPeriod is how often idle connections are checked, so that those a
	// restarted server dropped are replaced before a request needs them.
	healthCheckPeriod = 15 * time.Second
	// connectTimeout bounds a connection attempt to an address that does not answer,
	// so that a database that is down fails calls promptly even without a deadline.
	connectTimeout = 5 * time.Second
)

// Open connects to the database at url (postgres://user:password@host:port/db?...)
// and applies any pending migration. It fails, with mim.EUNAVAILABLE, when the
// database cannot be reached.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := config(url)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, cfg); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fail("open", err)
	}
	// The pool connects lazily; fail here rather than at the first request.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fail("open", err)
	}
	return &DB{pool: pool}, nil
}

// Migrate applies the pending migrations to the database at url; it is `mimbot
// migrate`. Replicas may call it, or Open, at the same time: the migrations run
// under a lock, once.
func Migrate(ctx context.Context, url string) error {
	cfg, err := config(url)
	if err != nil {
		return err
	}
	return migrate(ctx, cfg)
}

// Close closes every connection of the pool, waiting for those in use to be
// released.
func (db *DB) Close() error {
	db.closed.Store(true)
	db.pool.Close()
	return nil
}

// Ping checks that the database can be reached (readiness probe).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return db.fail("ping", err)
	}
	return nil
}

// config parses url into a pool configuration with mimbot's defaults.
func config(url string) (*pgxpool.Config, error) {
	// libpq would take "" for "whatever the PG* variables and defaults say", and
	// migrate that database: an unset variable must not pick one.
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("postgres: open: no database URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's error already has any password redacted.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// ParseConfig fills in its own defaults; the URL's own settings are told apart by
	// name.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = maxConns
	}
	if !strings.Contains(url, "pool_health_check_period") {
		cfg.HealthCheckPeriod = healthCheckPeriod
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	return cfg, nil
}

// migrate applies the pending migrations through a database/sql handle opened for
// the purpose (goose works on *sql.DB) and closed before it returns.
//
// goose's session locker holds a PostgreSQL advisory lock on one connection while
// it migrates. The others poll for it every second: replicas starting together wait
// for the first one, find nothing left to apply, and go on.
func migrate(ctx context.Context, cfg *pgxpool.Config) error {
	sdb := stdlib.OpenDB(*cfg.ConnConfig)
	defer sdb.Close()
	p, err := provider(sdb)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fail("migrate", err)
	}
	return nil
}

// provider returns goose's migration runner for sdb, with the embedded PostgreSQL
// migrations, the session lock, and nothing from goose's global registry.
func provider(sdb *sql.DB) (*goose.Provider, error) {
	// goose migrates on the connection that holds the lock; only a Go migration
	// (there are none) would take a second one.
	sdb.SetMaxOpenConns(2)
	// A replica that finds the lock taken tries again every second (goose's default
	// is every five), for five minutes at most, or until ctx is done.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sdb, migrations.Postgres(),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return p, nil
}

// write runs fn in a read-committed transaction and commits when fn succeeds.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// read runs fn in a read-only, repeatable-read transaction: one snapshot for the
// several queries that load an incident with its timeline.
func (db *DB) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// Times are stored as timestamptz(3), already truncated to store.Precision so the
// column's rounding never applies; NULL for the zero time. pgx reads them in the
// local zone, and they go back in UTC.

// stamp is the stored form of t; t must not be zero.
func stamp(t time.Time) time.Time { return store.Truncate(t) }

// nullStamp is the stored form of a time that may be unset.
func nullStamp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	s := stamp(t)
	return &s
}

// fromNull turns a stored time that may be NULL back into a time.Time in UTC.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// doneAt is the stored time of a done_at column. It is a record for people reading
// the database, never compared with due times, so it is the wall clock rather than
// the service's clock, which the Store interface does not pass in.
func doneAt() time.Time { return stamp(time.Now()) }

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers "sqlite" with database/sql

	"mimbot/migrations"
	"mimbot/mim"
)

// DB is a mimbot store in a SQLite file or a PostgreSQL database. It is safe for
// concurrent use, also by several processes on the same database (replicas, the bot
// and `mimbot incident list`).
type DB struct {
	db *sql.DB
	d  *dialect
	// closed makes calls after Close fail as unavailable rather than internal (on
	// PostgreSQL): a request that races the shutdown is worth trying again on another
	// replica.
	closed atomic.Bool
	// w, on SQLite, runs this process's write transactions, several in one commit
	// (writer). Without it they met at the file's one write lock, where SQLite's
	// busy handler makes a waiting writer sleep (1, 2, 5 ... up to 100 ms at a time)
	// instead of waking it when the lock is free: 200 declarations at once then took
	// 1.7 s to commit at p99. nil on PostgreSQL, whose writers lock rows, not the
	// database.
	w *writer
	// docs holds the incidents' parsed documents for lists.
	docs documents
	// stmts keeps SQLite's statements prepared; nil on PostgreSQL.
	stmts *statements
}

var _ mim.Store = (*DB)(nil)

// sqliteParams configure every SQLite connection:
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
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(memory)&_txlock=immediate"

// sqliteIdle is how many SQLite connections stay open when unused: a writer and a
// few readers (lists, the status page, the engine's searches).
const sqliteIdle = 8

// PostgreSQL pool settings, each used only when the URL does not set its own
// (pool_max_conns, pool_health_check_period, connect_timeout).
const (
	// maxConns bounds what one replica takes of the server's max_connections (100
	// by default), leaving room for a few replicas and the CLI beside it.
	maxConns = 10
	// healthCheckPeriod is how long a connection may stay idle: one a restarted
	// server dropped is replaced rather than kept for a request to find broken.
	healthCheckPeriod = 15 * time.Second
	// connectTimeout bounds a connection attempt to an address that does not answer,
	// so that a database that is down fails calls promptly even without a deadline.
	connectTimeout = 5 * time.Second
)

// OpenSQLite opens (creating it when missing) the SQLite database file at path and
// applies any pending migration.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	sdb, err := openSQLite(path)
	if err != nil {
		return nil, err
	}
	if err := migrateSQLite(ctx, sdb); err != nil {
		sdb.Close()
		return nil, err
	}
	return &DB{db: sdb, d: sqliteDialect(), w: newWriter(sdb), stmts: newStatements(sdb)}, nil
}

// MigrateSQLite applies the pending migrations to the SQLite file at path, creating
// it when missing; it is `mimbot migrate`.
func MigrateSQLite(ctx context.Context, path string) error {
	sdb, err := openSQLite(path)
	if err != nil {
		return err
	}
	defer sdb.Close()
	return migrateSQLite(ctx, sdb)
}

// OpenPostgres connects to the PostgreSQL database at url
// (postgres://user:password@host:port/db?...) and applies any pending migration. It
// fails, with mim.EUNAVAILABLE, when the database cannot be reached.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := postgresConfig(url)
	if err != nil {
		return nil, err
	}
	if err := migratePostgres(ctx, cfg); err != nil {
		return nil, err
	}
	sdb := stdlib.OpenDB(*cfg.ConnConfig)
	sdb.SetMaxOpenConns(int(cfg.MaxConns))
	sdb.SetMaxIdleConns(int(cfg.MaxConns))
	sdb.SetConnMaxIdleTime(cfg.HealthCheckPeriod)
	// pgx caches each connection's prepared statements, and PostgreSQL their plans,
	// made for the tables as they were then; pgxpool's hour keeps no plan forever.
	sdb.SetConnMaxLifetime(cfg.MaxConnLifetime)
	// sql.OpenDB connects lazily; fail here rather than at the first request.
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, postgresDialect().fail("open", err)
	}
	return &DB{db: sdb, d: postgresDialect()}, nil
}

// MigratePostgres applies the pending migrations to the PostgreSQL database at url;
// it is `mimbot migrate`. Replicas may call it, or OpenPostgres, at the same time:
// the migrations run under a lock, once.
func MigratePostgres(ctx context.Context, url string) error {
	cfg, err := postgresConfig(url)
	if err != nil {
		return err
	}
	return migratePostgres(ctx, cfg)
}

// Close closes the database, waiting for the connections in use to be released.
func (db *DB) Close() error {
	db.closed.Store(true)
	if db.w != nil {
		db.w.close()
	}
	db.stmts.close()
	if err := db.db.Close(); err != nil {
		return db.fail("close", err)
	}
	return nil
}

// Analyze updates the planner's statistics of every table, as autovacuum would after
// a bulk load (an import, a benchmark's seed): a server whose autovacuum is off keeps
// planning the tables as they were when they were empty. The connections' cached plans
// are made again after it.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, "ANALYZE"); err != nil {
		return db.fail("analyze", err)
	}
	return nil
}

// Ping checks that the database can be reached (readiness probe).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return db.fail("ping", err)
	}
	return nil
}

func openSQLite(path string) (*sql.DB, error) {
	// The driver reads its parameters after the first '?'; and every connection of
	// the pool would get a database of its own in memory.
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %q: want a file name without '?'", path)
	}
	sdb, err := sql.Open("sqlite", path+"?"+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// database/sql keeps 2 idle connections by default and closes the others as
	// they are released: under a burst each request would open a connection (its
	// pragmas, the schema read) and lose its prepared statements.
	sdb.SetMaxIdleConns(sqliteIdle)
	// sql.Open connects lazily; fail here rather than at the first query.
	if err := sdb.Ping(); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return sdb, nil
}

// sqliteProvider returns goose's migration runner for db, with the embedded SQLite
// migrations and nothing from goose's global registry.
func sqliteProvider(db *sql.DB) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	p, err := sqliteProvider(db)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// postgresConfig parses url with mimbot's defaults. The pool_ settings of pgxpool's
// URLs are read here, and the connection settings go to database/sql's pool.
func postgresConfig(url string) (*pgxpool.Config, error) {
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

// migratePostgres applies the pending migrations through a database/sql handle
// opened for the purpose and closed before it returns.
//
// goose's session locker holds a PostgreSQL advisory lock on one connection while
// it migrates. The others poll for it every second: replicas starting together wait
// for the first one, find nothing left to apply, and go on.
func migratePostgres(ctx context.Context, cfg *pgxpool.Config) error {
	sdb := stdlib.OpenDB(*cfg.ConnConfig)
	defer sdb.Close()
	p, err := postgresProvider(sdb)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return postgresDialect().fail("migrate", err)
	}
	return nil
}

// postgresProvider returns goose's migration runner for sdb, with the embedded
// PostgreSQL migrations, the session lock, and nothing from goose's global registry.
func postgresProvider(sdb *sql.DB) (*goose.Provider, error) {
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

// write runs fn in a write transaction and commits when fn succeeds. On SQLite it
// runs on the writer, maybe in one commit with others, in a transaction begun
// IMMEDIATE (sqliteParams): writers take turns on the one write lock. On
// PostgreSQL it is read committed, and what must not interleave is locked by row.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.w != nil {
		return db.w.write(ctx, fn)
	}
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

// turn waits for this process's turn to write (SQLite; see DB.w) and returns what
// ends it. A write outside a transaction (a claim, a message marked done) takes its
// turn too.
func (db *DB) turn() (done func()) {
	if db.w == nil {
		return func() {}
	}
	db.w.turn.Lock()
	return db.w.turn.Unlock
}

// read runs fn in a read-only transaction: one snapshot for several queries, without
// taking SQLite's write lock.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, db.d.readOnly)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// querier is what both *sql.DB and *sql.Tx offer: a statement runs in a
// transaction or on its own.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// doneAt is the stored time of a done_at column. It is a record for people reading
// the database, never compared with due times, so it is the wall clock rather than
// the service's clock, which the Store interface does not pass in.
func (db *DB) doneAt() any { return db.d.time(time.Now()) }

// exec, query and queryRow run a query written with '?' placeholders on q.
func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	query = db.d.q(query)
	if st := db.stmts.on(ctx, q, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, query, args...)
}

func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, db.d.q(query), args...)
}

// queryThrough is query for a caller that reads every row, and closes them, before
// it runs another statement: its statement may be kept prepared (statements).
func (db *DB) queryThrough(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	query = db.d.q(query)
	if st := db.stmts.on(ctx, q, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, query, args...)
}

func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	query = db.d.q(query)
	if st := db.stmts.on(ctx, q, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, query, args...)
}

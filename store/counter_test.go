package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"
)

// counter records what reaches the database through a countingConnector: each
// statement's SQL, and "BEGIN", "COMMIT" or "ROLLBACK" for a transaction's ends.
// Every one of them is a round trip to a PostgreSQL server.
type counter struct {
	mu     sync.Mutex
	events []string
}

func (c *counter) add(event string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, strings.Join(strings.Fields(event), " "))
}

// take returns the events since the last take and forgets them.
func (c *counter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.events
	c.events = nil
	return out
}

// countingConnector wraps a driver's connector so that c sees every statement.
type countingConnector struct {
	driver.Connector
	c *counter
}

func (k countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: k.c}, nil
}

// dsnConnector is a connector for a driver that only opens by name (modernc).
type dsnConnector struct {
	dsn string
	d   driver.Driver
}

func (k dsnConnector) Connect(context.Context) (driver.Conn, error) { return k.d.Open(k.dsn) }
func (k dsnConnector) Driver() driver.Driver                        { return k.d }

// countingConn passes everything to the driver's connection, counting on the way.
type countingConn struct {
	driver.Conn
	c *counter
}

func (cn *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	cn.c.add("BEGIN")
	tx, err := cn.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx: tx, c: cn.c}, nil
}

func (cn *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cn.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	cn.c.add(query)
	return e.ExecContext(ctx, query, args)
}

func (cn *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cn.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	cn.c.add(query)
	return q.QueryContext(ctx, query, args)
}

func (cn *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if ch, ok := cn.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (cn *countingConn) Ping(ctx context.Context) error {
	if p, ok := cn.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (cn *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cn.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cn *countingConn) IsValid() bool {
	if v, ok := cn.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type countingTx struct {
	tx driver.Tx
	c  *counter
}

func (t countingTx) Commit() error {
	t.c.add("COMMIT")
	return t.tx.Commit()
}

func (t countingTx) Rollback() error {
	t.c.add("ROLLBACK")
	return t.tx.Rollback()
}

// openCounted opens an already migrated database through a counting connector.
func openCounted(connector driver.Connector, d *dialect) (*DB, *counter) {
	c := &counter{}
	return &DB{db: sql.OpenDB(countingConnector{Connector: connector, c: c}), d: d}, c
}

package store

import (
	"context"
	"database/sql"
	"sync"
)

// statements keeps SQLite's statements prepared, by query. The SQLite driver
// prepares and finalizes a statement for every call, and preparing is most of a
// small write's work: compiling an INSERT compiles the triggers it fires. pgx keeps
// its own cache, so PostgreSQL has none of this (DB.stmts is nil).
//
// Only statements whose rows are read to the end before the next statement runs
// are kept (exec, queryRow, queryThrough): a statement is one cursor per connection,
// and running it again while its rows are open would reset them.
type statements struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxStatements bounds the cache: the queries are the store's own, but a multi-row
// INSERT is a query per row count.
const maxStatements = 256

func newStatements(db *sql.DB) *statements {
	return &statements{db: db, m: make(map[string]*sql.Stmt)}
}

// on returns query prepared for q (a transaction or the database), or nil to run
// it unprepared: no cache, a full cache, or a failed prepare, whose error the
// unprepared call reports as it would have.
func (s *statements) on(ctx context.Context, q querier, query string) *sql.Stmt {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	st, ok := s.m[query]
	if !ok && len(s.m) < maxStatements {
		var err error
		// Preparing on the database takes a connection of its own; the statement
		// is prepared again on the transaction's connection the first time it runs
		// there, and kept there too.
		if st, err = s.db.PrepareContext(context.WithoutCancel(ctx), query); err == nil {
			s.m[query] = st
		}
	}
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	if tx, ok := q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, st)
	}
	return st
}

// close finalizes the statements; the database is closed after.
func (s *statements) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.m {
		st.Close()
		delete(s.m, k)
	}
}

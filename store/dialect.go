package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what SQLite and PostgreSQL do differently; every rule of the store is
// written once, in the methods of DB, with these filled in. Queries are written with
// '?' placeholders and rebound for PostgreSQL.
type dialect struct {
	name string // "sqlite" or "postgres": the prefix of errors
	// dollar rebinds '?' to $1, $2, ...
	dollar bool
	// readOnly are the options of a read transaction: one snapshot for the several
	// queries that load an incident with its timeline.
	readOnly *sql.TxOptions
	// forUpdate locks the incident's row for UpdateIncident's transaction, so that
	// updates of one incident take turns and those of others do not wait. SQLite
	// needs nothing: every write transaction holds the one write lock (BEGIN
	// IMMEDIATE).
	forUpdate string
	// skipLocked makes claimers pass over rows another claim holds (of is the
	// alias to lock when the query joins).
	skipLocked func(of string) string
	// nextNumber numbers a new incident: SQLite's numbers are dense (the write lock
	// makes max + 1 safe); PostgreSQL takes one from the identity's sequence, and
	// overriding is how that number gets into the identity column.
	nextNumber string
	overriding string
	// major is the condition "the incident is major" as the partial indexes write it,
	// so that the planner uses them.
	major string
	// greatest is the two-argument maximum of SQL values.
	greatest string
	// lockQueue is run once per incident before queueing its messages, or empty.
	// PostgreSQL hands out ids when a row is inserted, not when it commits: without
	// this transaction-level advisory lock a claimer could see a message before an
	// earlier one of its queue that is not committed yet, and send it first. SQLite's
	// single writer cannot interleave.
	lockQueue string
	// anyArray tests membership in a list with = ANY (one array parameter) rather
	// than IN (a parameter per value). PostgreSQL turns IN with one value into an
	// equality that it carries into the claim's NOT EXISTS, and then plans the
	// anti-join on the platform alone: a scan of the whole queue for every message.
	anyArray bool
	// noLimit is the LIMIT that limits nothing (NULL for PostgreSQL). A list keeps
	// its LIMIT parameter even when it has no limit: on PostgreSQL the same list
	// written without it took 6 ms instead of 0.3 ms (mimbench list, 20,000 closed
	// incidents), its prepared statement planned once without the partial index.
	noLimit any
	// time is the stored form of a time that is not zero.
	time func(t time.Time) any
	// searchKey is the column that keys the rows of the search indexes: an FTS5
	// table's rowid, a PostgreSQL table's number.
	searchKey string
	// match is the full-text condition "the row's words have every term of one of
	// the groups" on the search index table, for words that mim.Words made (letters
	// and digits only).
	match func(table string, groups [][]string) matchCond
	// hasWord is 1 when the column named by its %s, words separated by single
	// spaces, has the word given as the one parameter (wordArg), else 0.
	hasWord string
	// unique tells whether err violates the unique constraint named constraint
	// (SQLite does not name them: any unique violation).
	unique func(err error, constraint string) bool
	// unavailable tells whether err means that the database could not be reached;
	// nil when the database is a local file.
	unavailable func(err error) bool
}

// sqliteDialect keeps times as INTEGER Unix milliseconds, so that SQL compares due
// times itself.
func sqliteDialect() *dialect {
	return &dialect{
		name:       "sqlite",
		readOnly:   &sql.TxOptions{ReadOnly: true},
		skipLocked: func(string) string { return "" },
		nextNumber: `SELECT COALESCE(MAX(number), 0) + 1 FROM incidents`,
		major:      "major = 1",
		greatest:   "max",
		noLimit:    -1,
		searchKey:  "rowid",
		hasWord:    `(instr(' ' || %s || ' ', ?) > 0)`,
		match: func(table string, groups [][]string) matchCond {
			return matchCond{table + ` MATCH ?`, anyOfAll(groups, " OR ", " AND ", `"`)}
		},
		time: func(t time.Time) any { return Truncate(t).UnixMilli() },
		unique: func(err error, _ string) bool {
			var e *sqlite.Error
			return errors.As(err, &e) &&
				(e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
	}
}

// postgresDialect keeps times as timestamptz(3), already truncated to Precision so
// that the column's rounding never applies.
func postgresDialect() *dialect {
	return &dialect{
		name:       "postgres",
		dollar:     true,
		readOnly:   &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		forUpdate:  " FOR UPDATE",
		skipLocked: func(of string) string { return " FOR UPDATE" + of + " SKIP LOCKED" },
		nextNumber: `SELECT nextval(pg_get_serial_sequence('incidents', 'number'))`,
		overriding: "OVERRIDING SYSTEM VALUE",
		major:      "major",
		greatest:   "GREATEST",
		lockQueue:  `SELECT pg_advisory_xact_lock(?::integer, ?::integer)`,
		anyArray:   true,
		searchKey:  "number",
		hasWord:    `(strpos(' ' || %s || ' ', ?) > 0)::integer`,
		match: func(_ string, groups [][]string) matchCond {
			return matchCond{`terms @@ to_tsquery('simple', ?)`, anyOfAll(groups, " | ", " & ", "")}
		},
		time: func(t time.Time) any { return Truncate(t) },
		unique: func(err error, constraint string) bool {
			var pgErr *pgconn.PgError
			return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
		},
		unavailable: unavailable,
	}
}

// q returns query in the dialect's placeholders. A '?' inside a quoted literal stays.
func (d *dialect) q(query string) string {
	if !d.dollar {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// stamp is the stored form of t: NULL for the zero time ("not set").
func (d *dialect) stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.time(t)
}

// in returns the condition "column is one of values", with its arguments; values
// must not be empty.
func (d *dialect) in(column string, values []string) (string, []any) {
	if d.anyArray {
		return column + " = ANY(?)", []any{values}
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return column + " IN (" + placeholders(len(values)) + ")", args
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// stamp scans a stored time of either dialect (Unix milliseconds or a timestamp),
// NULL being the zero time, and gives it back in UTC.
type stamp struct{ time.Time }

func (s *stamp) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		s.Time = time.Time{}
	case int64:
		s.Time = time.UnixMilli(v).UTC()
	case time.Time:
		s.Time = v.UTC()
	default:
		return fmt.Errorf("stored time: unexpected %T", src)
	}
	return nil
}

// anyOfAll writes groups as a full-text query: the groups joined by or, the terms of
// a group by and, each term quoted by quote.
func anyOfAll(groups [][]string, or, and, quote string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		terms := make([]string, len(g))
		for j, t := range g {
			terms[j] = quote + t + quote
		}
		parts[i] = strings.Join(terms, and)
		if len(groups) > 1 && len(g) > 1 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, or)
}

// wordArg is hasWord's parameter for word: the word between spaces, so that it is
// found whole.
func wordArg(word string) string { return " " + word + " " }

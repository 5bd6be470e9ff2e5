package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"mimbot/mim"
)

// scratch opens a SQLite store with a table t(x) to write to.
func scratch(t *testing.T) *DB {
	t.Helper()
	db, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.db.ExecContext(t.Context(), `CREATE TABLE t (x INTEGER NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func (db *DB) scratchRows(t *testing.T) []int {
	t.Helper()
	rows, err := db.db.QueryContext(t.Context(), `SELECT x FROM t ORDER BY x`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var xs []int
	for rows.Next() {
		var x int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		xs = append(xs, x)
	}
	return xs
}

// insert is a write of two rows, x and x+1000, that fails after the first when fail.
func insert(x int, fail error) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO t (x) VALUES (?)`, x); err != nil {
			return err
		}
		if fail != nil {
			return fail
		}
		_, err := tx.Exec(`INSERT INTO t (x) VALUES (?)`, x+1000)
		return err
	}
}

func request(ctx context.Context, fn func(*sql.Tx) error) *writeReq {
	return &writeReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
}

// TestBatchKeepsEachWriteItsOwn commits four writes together: the one that fails,
// the one that breaks a constraint and the one whose caller gave up are not saved,
// not even in part, and get their own errors; the others are saved whole.
func TestBatchKeepsEachWriteItsOwn(t *testing.T) {
	db := scratch(t)
	refused := errors.New("refused")
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	batch := []*writeReq{
		request(t.Context(), insert(1, nil)),
		request(t.Context(), insert(2, refused)),
		request(t.Context(), insert(1, nil)), // x = 1 again: UNIQUE
		request(gone, insert(4, nil)),
		request(t.Context(), insert(5, nil)),
	}
	db.w.turn.Lock()
	db.w.commit(batch)
	db.w.turn.Unlock()
	var errs []error
	for _, r := range batch {
		errs = append(errs, <-r.err)
	}
	if errs[0] != nil || errs[4] != nil {
		t.Errorf("the good writes failed: %v, %v", errs[0], errs[4])
	}
	if !errors.Is(errs[1], refused) {
		t.Errorf("the refused write got %v", errs[1])
	}
	if errs[2] == nil || !db.d.unique(errs[2], "") {
		t.Errorf("the duplicate got %v, want its unique violation", errs[2])
	}
	if !errors.Is(errs[3], context.Canceled) {
		t.Errorf("the abandoned write got %v", errs[3])
	}
	if got, want := db.scratchRows(t), []int{1, 5, 1001, 1005}; !slices.Equal(got, want) {
		t.Errorf("saved %v, want %v", got, want)
	}
}

// TestBatchEndedBySQLiteSavesNothing: when the transaction itself ends under a batch
// (here a write that rolls it back), every write of the batch, done or not, is told
// and none is saved.
func TestBatchEndedBySQLiteSavesNothing(t *testing.T) {
	db := scratch(t)
	ender := func(tx *sql.Tx) error {
		if _, err := tx.Exec(`ROLLBACK`); err != nil {
			return err
		}
		return errors.New("ended")
	}
	batch := []*writeReq{
		request(t.Context(), insert(1, nil)),
		request(t.Context(), ender),
		request(t.Context(), insert(3, nil)),
	}
	db.w.turn.Lock()
	db.w.commit(batch)
	db.w.turn.Unlock()
	for i, r := range batch {
		if err := <-r.err; err == nil {
			t.Errorf("write %d: no error, but nothing was saved", i)
		}
	}
	if got := db.scratchRows(t); len(got) != 0 {
		t.Errorf("saved %v, want nothing", got)
	}
}

// TestConcurrentWrites: many writers at once, some failing, through DB.write; each
// gets its own outcome.
func TestConcurrentWrites(t *testing.T) {
	db := scratch(t)
	const n = 300
	refused := errors.New("refused")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		var fail error
		if i%7 == 3 {
			fail = refused
		}
		wg.Go(func() { errs[i] = db.write(t.Context(), insert(i, fail)) })
	}
	wg.Wait()
	var want []int
	for i := range n {
		if i%7 == 3 {
			if !errors.Is(errs[i], refused) {
				t.Errorf("write %d: %v, want refused", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("write %d: %v", i, errs[i])
		}
		want = append(want, i)
	}
	for _, x := range slices.Clone(want) {
		want = append(want, x+1000)
	}
	slices.Sort(want)
	if got := db.scratchRows(t); !slices.Equal(got, want) {
		t.Errorf("saved %d rows, want %d", len(got), len(want))
	}
}

// TestWriteAfterClose fails as a closed database, and does not hang.
func TestWriteAfterClose(t *testing.T) {
	db := scratch(t)
	db.Close()
	if err := db.write(t.Context(), insert(1, nil)); !errors.Is(err, sql.ErrConnDone) {
		t.Errorf("write after close: %v", err)
	}
}

// TestAnalyze: after Analyze the planner knows the incidents table's rows, on both
// dialects (SQLite's sqlite_stat1, PostgreSQL's reltuples, -1 until analysed).
func TestAnalyze(t *testing.T) {
	for _, c := range []struct {
		name  string
		open  func(t *testing.T) *DB
		known string
	}{
		{"sqlite", openSQLiteTest, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'incidents'`},
		{"postgres", func(t *testing.T) *DB { return openPostgresTest(t, migrated(t)) }, `SELECT CAST(reltuples AS integer) FROM pg_class WHERE relname = 'incidents'`},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := c.open(t)
			for i := range 3 {
				_, _, err := db.CreateIncident(t.Context(), "", func(inc *mim.Incident, _ map[string]int, _ *mim.Change) error {
					inc.Title, inc.State, inc.Priority = fmt.Sprintf("Incident %d", i), mim.Investigating, mim.P3
					inc.DeclaredAt = time.Date(2026, 12, 1, 10, i, 0, 0, time.UTC)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Analyze(t.Context()); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.db.QueryRowContext(t.Context(), c.known).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n <= 0 {
				t.Errorf("after Analyze: %s = %d, want the table's statistics", c.known, n)
			}
		})
	}
}

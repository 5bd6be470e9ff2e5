package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// writer runs this process's SQLite write transactions on one goroutine, several
// at a time: the transactions waiting when one ends are run together, each inside a
// savepoint, and committed once (group commit).
//
// SQLite has one writer per database, so the transactions took turns anyway; what
// they each paid was a commit (a WAL frame written per page touched, one system call
// each, most of a small transaction's cost), BEGIN and COMMIT, and, on a request's own
// goroutine, the stack growth that SQLite's deep calls cost a fresh goroutine. A
// batch writes a page the transactions share once, and the writer's stack grows once.
//
// A transaction's work is its own: one that fails is rolled back to its savepoint and
// its error returned to it alone, while the others commit. Only an error that ends the
// whole transaction (the commit's, or SQLite rolling everything back) reaches all of
// them, and then none of them took effect.
type writer struct {
	db   *sql.DB
	reqs chan *writeReq // unbuffered: a request is taken, or the writer has stopped
	// turn is held by a batch, and by writes outside it (claims, messages marked
	// done), which also need the file's one write lock.
	turn sync.Mutex
	stop chan struct{}
	once sync.Once
	done chan struct{}
}

type writeReq struct {
	ctx context.Context
	fn  func(tx *sql.Tx) error
	err chan error // buffered: the writer never waits for the caller
}

// maxBatch bounds the transactions committed together: the first of a batch waits
// for the last.
const maxBatch = 64

func newWriter(db *sql.DB) *writer {
	w := &writer{db: db, reqs: make(chan *writeReq), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// write runs fn in a write transaction on the writer and returns fn's error, or the
// transaction's. Once taken, fn runs whatever happens to ctx (fn's statements use it),
// unless ctx is done before fn's turn comes.
func (w *writer) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case w.reqs <- req:
	case <-w.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.err
}

// errClosed is a write after Close.
var errClosed = fmt.Errorf("sqlite: %w", sql.ErrConnDone)

func (w *writer) run() {
	defer close(w.done)
	for {
		var first *writeReq
		select {
		case first = <-w.reqs:
		case <-w.stop:
			return
		}
		batch := []*writeReq{first}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		w.turn.Lock()
		w.commit(batch)
		w.turn.Unlock()
	}
}

// commit runs batch in one transaction and tells each request its outcome.
func (w *writer) commit(batch []*writeReq) {
	errs := make([]error, len(batch))
	finish := func(all error) {
		for i, r := range batch {
			if errs[i] == nil {
				errs[i] = all
			}
			r.err <- errs[i]
		}
	}
	// The transaction is everyone's: no one request's context may end it.
	tx, err := w.db.BeginTx(context.WithoutCancel(batch[0].ctx), nil)
	if err != nil {
		finish(err)
		return
	}
	defer tx.Rollback()
	alone := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if alone {
			if errs[i] = r.fn(tx); errs[i] != nil {
				finish(nil)
				return
			}
			continue
		}
		ctx := context.WithoutCancel(r.ctx)
		if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			finish(err)
			return
		}
		if errs[i] = r.fn(tx); errs[i] != nil {
			// ROLLBACK TO keeps the savepoint; RELEASE ends it. Either failing means
			// SQLite ended the transaction itself: nothing of the batch is saved.
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
				finish(fmt.Errorf("rolled back with other writes: %w", err))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
			finish(err)
			return
		}
	}
	finish(tx.Commit())
}

// close stops the writer once the batch it runs, if any, is committed; later writes
// fail. It may be called more than once.
func (w *writer) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

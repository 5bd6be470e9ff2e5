package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"mimbot/mim"
)

var (
	_ mim.TrendReader   = (*DB)(nil)
	_ mim.ProblemLister = (*DB)(nil)
)

// trendRecord is the trend column: the keys of data the trend report reads, with
// data's names and format (migration 00007 copies them from data with SQL).
type trendRecord struct {
	Towers      []string          `json:"towers,omitempty"`
	RespondedAt time.Time         `json:"responded_at,omitzero"`
	Pages       []pageRecord      `json:"pages,omitempty"`
	Updates     updateTallyRecord `json:"updates,omitzero"`
}

// encodeTrend returns the trend column of inc.
func encodeTrend(inc *mim.Incident) ([]byte, error) {
	r := trendRecord{
		Towers:      inc.Towers,
		RespondedAt: Truncate(inc.RespondedAt),
		Updates:     updateTallyRecord(inc.Updates),
		Pages:       pageRecords(inc.Pages),
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode trend of incident %d: %w", inc.Number, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// TrendIncidents returns the incidents declared in [since, until), in no particular
// order (the report does not need one, and sorting a year of rows in the database
// spills to disk), as the trend report reads them: columns and the small trend
// document, never data (summaries make it large) nor the timeline.
func (db *DB) TrendIncidents(ctx context.Context, since, until time.Time) ([]mim.TrendIncident, error) {
	rows, err := db.query(ctx, db.db, `
		SELECT number, priority, major, state, incident_manager, declared_at, resolved_at, resolve_due, trend
		FROM incidents
		WHERE declared_at >= ? AND declared_at < ?`, db.d.stamp(since), db.d.stamp(until))
	if err != nil {
		return nil, db.fail("trend incidents", err)
	}
	defer rows.Close()
	out := []mim.TrendIncident{}
	var docs [][]byte
	var (
		prio, state                   string
		declared, resolved, resolveBy stamp
	)
	for rows.Next() {
		var (
			inc mim.TrendIncident
			doc []byte
		)
		if err := rows.Scan(&inc.Number, &prio, &inc.Major, &state, &inc.IM, &declared, &resolved, &resolveBy, &doc); err != nil {
			return nil, db.fail("trend incidents", err)
		}
		p, err := mim.ParsePriority(prio)
		if err != nil {
			return nil, db.fail("trend incidents", fmt.Errorf("incident %d: %w", inc.Number, err))
		}
		inc.Priority, inc.State = p, mim.State(state)
		inc.DeclaredAt, inc.ResolvedAt, inc.ResolveDue = declared.Time, resolved.Time, resolveBy.Time
		out = append(out, inc)
		docs = append(docs, doc)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("trend incidents", err)
	}
	if err := decodeTrends(out, docs); err != nil {
		return nil, db.fail("trend incidents", err)
	}
	return out, nil
}

// decodeTrends decodes docs[i] into incs[i], on every processor: decoding the JSON
// is most of the report's time in the program, and a year of incidents is a
// hundred thousand documents.
func decodeTrends(incs []mim.TrendIncident, docs [][]byte) error {
	workers := min(runtime.GOMAXPROCS(0), len(docs)/1000+1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(docs); i += workers {
				// The problem record is not decoded: TrendProblems reads it.
				var r struct {
					Towers      []string          `json:"towers"`
					RespondedAt time.Time         `json:"responded_at"`
					Pages       []pageRecord      `json:"pages"`
					Updates     updateTallyRecord `json:"updates"`
				}
				if err := json.Unmarshal(docs[i], &r); err != nil {
					errs[w] = fmt.Errorf("decode trend of incident %d: %w", incs[i].Number, err)
					return
				}
				inc := &incs[i]
				inc.Towers, inc.RespondedAt, inc.Updates = r.Towers, utc(r.RespondedAt), mim.UpdateTally(r.Updates)
				for _, pg := range r.Pages {
					inc.Pages = append(inc.Pages, mim.Page{
						Person: pg.Person, Tower: pg.Tower, Level: pg.Level,
						PagedAt: utc(pg.PagedAt), AckedAt: utc(pg.AckedAt), Replaced: pg.Replaced,
					})
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// TrendProblems returns the problem records the trend report counts, each with the
// incidents it links, oldest first, and every follow-up action.
func (db *DB) TrendProblems(ctx context.Context) ([]mim.TrendProblem, []mim.TrendAction, error) {
	ps, err := db.Problems(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]mim.TrendProblem, 0, len(ps))
	for _, p := range slices.Backward(ps) { // Problems lists the newest first
		out = append(out, mim.TrendProblem{Ref: p.Ref, Owner: p.Owner, Due: p.Due,
			Open: p.State != mim.ProblemClosed, RootCause: p.RootCause != "", Incidents: p.Incidents})
	}
	as, err := db.Actions(ctx, mim.ActionFilter{})
	if err != nil {
		return nil, nil, err
	}
	actions := make([]mim.TrendAction, 0, len(as))
	for _, a := range as {
		actions = append(actions, mim.TrendAction{Due: a.Due, DoneAt: a.DoneAt})
	}
	return out, actions, nil
}

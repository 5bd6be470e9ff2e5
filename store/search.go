package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// searchEntry is what the search index keeps of a resolved or closed incident.
type searchEntry struct {
	words, title, workaround, towers string
	at                               time.Time
	took                             time.Duration
}

// incidentEntry returns the index entry of inc; false when inc is not resolved or
// closed, and so not searched.
func incidentEntry(inc *mim.Incident) (searchEntry, bool) {
	if inc.State != mim.Resolved && inc.State != mim.Closed {
		return searchEntry{}, false
	}
	at := inc.ResolvedAt
	if at.IsZero() {
		at = inc.ClosedAt
	}
	if at.IsZero() {
		return searchEntry{}, false
	}
	towers := towersColumn(inc)
	return searchEntry{
		words:      mim.IndexText(inc.Title, inc.Description, inc.Diagnosis, inc.Workaround, towers),
		title:      inc.Title,
		workaround: inc.Workaround,
		towers:     towers,
		at:         Truncate(at),
		took:       Truncate(at).Sub(Truncate(inc.DeclaredAt)),
	}, true
}

// reindex keeps incident n's index entry in step with an update that had before
// (ok: indexed) and now has after. Most updates change nothing the index holds and
// cost no statement; resolving or closing writes the entry, reopening removes it.
func (db *DB) reindex(ctx context.Context, tx *sql.Tx, n int, before searchEntry, wasIndexed bool, after *mim.Incident) error {
	now, indexed := incidentEntry(after)
	if indexed == wasIndexed && now == before {
		return nil
	}
	if wasIndexed {
		if _, err := db.exec(ctx, tx, `DELETE FROM search_incidents WHERE `+db.d.searchKey+` = ?`, n); err != nil {
			return fmt.Errorf("unindex incident %d: %w", n, err)
		}
	}
	if !indexed {
		return nil
	}
	if _, err := db.exec(ctx, tx, `
		INSERT INTO search_incidents (`+db.d.searchKey+`, words, title, workaround, towers, at, took)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		n, now.words, now.title, now.workaround, now.towers, db.d.time(now.at), now.took.Milliseconds()); err != nil {
		return fmt.Errorf("index incident %d: %w", n, err)
	}
	return nil
}

// indexKnown adds known error k to the search index, with the towers of the
// incidents its problem links.
func (db *DB) indexKnown(ctx context.Context, tx *sql.Tx, k *mim.KnownError, incidents []*mim.Incident) error {
	var towers []string
	for _, inc := range incidents {
		for _, t := range inc.Towers {
			if !slices.Contains(towers, t) {
				towers = append(towers, t)
			}
		}
	}
	slices.Sort(towers)
	if _, err := db.exec(ctx, tx, `
		INSERT INTO search_known (`+db.d.searchKey+`, words, title, workaround, towers, at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		k.Number, mim.IndexText(k.Title, k.RootCause, k.Workaround), k.Title, k.Workaround,
		strings.Join(towers, " "), db.d.time(k.PublishedAt)); err != nil {
		return fmt.Errorf("index %s: %w", k.Ref(), err)
	}
	return nil
}

// Similar finds the candidates that have any of q.Terms with the full-text index of
// the dialect, then ranks them in Go (mim.RankSimilar), so that both dialects return
// the same results.
//
// Incidents rank by how many of the terms they have before anything else, so when at
// least q.Limit incidents have k of the terms or more, no incident having fewer can
// rank above them. The search asks for those with every term first, which for a
// precise title is a small set, then with one term fewer, and so on while the
// query stays small (narrowGroups), and for any term only when they are all too few.
// With a Limit, each of those queries also orders its rows in SQL as RankSimilar
// does and reads only the first ones (topOf): a title of common words would otherwise
// read thousands of incidents, with their text, to keep three.
func (db *DB) Similar(ctx context.Context, q mim.SimilarQuery) ([]mim.Similar, error) {
	if len(q.Terms) == 0 {
		return []mim.Similar{}, nil
	}
	anyTerm := make([][]string, len(q.Terms))
	for i, t := range q.Terms {
		anyTerm[i] = []string{t}
	}
	var top *sqlPart
	if q.Limit > 0 {
		top = db.topOf(q, q.Limit+1) // one more: q.Exclude may be among them
	}
	var out []mim.Similar
	err := db.read(ctx, func(tx *sql.Tx) error {
		var (
			cands []mim.Similar
			texts []string
		)
		known, err := db.candidates(ctx, tx, mim.SimilarKnownError, db.d.match("search_known", anyTerm), time.Time{}, nil)
		if err != nil {
			return err
		}
		cands, texts = append(cands, known.cands...), append(texts, known.texts...)
		var incidents found
		if q.Limit > 0 {
			for k := len(q.Terms); k >= 2; k-- {
				groups := combinations(q.Terms, k)
				if len(groups) > narrowGroups {
					break
				}
				incidents, err = db.candidates(ctx, tx, mim.SimilarIncident, db.d.match("search_incidents", groups), q.Since, top)
				if err != nil {
					return err
				}
				if incidents.without(q.Exclude) >= q.Limit {
					break
				}
				incidents = found{}
			}
		}
		if len(incidents.cands) == 0 {
			incidents, err = db.candidates(ctx, tx, mim.SimilarIncident, db.d.match("search_incidents", anyTerm), q.Since, top)
			if err != nil {
				return err
			}
		}
		cands, texts = append(cands, incidents.cands...), append(texts, incidents.texts...)
		out = mim.RankSimilar(q, cands, texts)
		return nil
	})
	if err != nil {
		return nil, db.fail("similar", err)
	}
	return out, nil
}

// narrowGroups bounds the groups of terms a narrowed search asks for at once: a
// title of four terms asks for all four (1 group), any three (4), any two (6).
const narrowGroups = 16

// combinations returns every choice of k of terms, in the order of terms.
func combinations(terms []string, k int) [][]string {
	var out [][]string
	pick := make([]string, 0, k)
	var walk func(from int)
	walk = func(from int) {
		if len(pick) == k {
			out = append(out, slices.Clone(pick))
			return
		}
		for i := from; i <= len(terms)-(k-len(pick)); i++ {
			pick = append(pick, terms[i])
			walk(i + 1)
			pick = pick[:len(pick)-1]
		}
	}
	walk(0)
	return out
}

// found is what a candidates query returned: each candidate and its indexed text.
type found struct {
	cands []mim.Similar
	texts []string
}

// without counts the candidates other than incident n.
func (f found) without(n int) int {
	c := 0
	for _, s := range f.cands {
		if s.Number != n {
			c++
		}
	}
	return c
}

// sqlPart is a piece of a query with its arguments.
type sqlPart struct {
	sql  string
	args []any
}

// topOf orders a search index's rows as mim.RankSimilar orders incidents (more of
// q.Terms, then more of q.Towers, then the most recent, then by number) and keeps the
// first n. Both count whole words of the space-separated words and towers columns.
func (db *DB) topOf(q mim.SimilarQuery, n int) *sqlPart {
	var p sqlPart
	count := func(col string, words []string) string {
		words = slices.Compact(slices.Sorted(slices.Values(words)))
		sum := make([]string, len(words))
		for i, w := range words {
			sum[i] = fmt.Sprintf(db.d.hasWord, col)
			p.args = append(p.args, wordArg(w))
		}
		return "(" + strings.Join(sum, " + ") + ") DESC, "
	}
	p.sql = " ORDER BY " + count("words", q.Terms)
	if len(q.Towers) > 0 {
		p.sql += count("towers", q.Towers)
	}
	p.sql += "at DESC, " + db.d.searchKey + " LIMIT ?"
	p.args = append(p.args, n)
	return &p
}

// candidates reads the rows of kind's index that match (a dialect condition and its
// argument), incidents only from since on; with top, only its first rows.
func (db *DB) candidates(ctx context.Context, tx *sql.Tx, kind mim.SimilarKind, match matchCond, since time.Time, top *sqlPart) (found, error) {
	table, took := "search_known", "0"
	if kind == mim.SimilarIncident {
		table, took = "search_incidents", "took"
	}
	query := `SELECT ` + db.d.searchKey + `, title, workaround, towers, at, ` + took + `, words
		FROM ` + table + ` WHERE ` + match.cond
	args := []any{match.arg}
	if kind == mim.SimilarIncident {
		query += ` AND at >= ?`
		args = append(args, db.d.time(since))
	}
	if top != nil {
		query += top.sql
		args = append(args, top.args...)
	}
	rows, err := db.queryThrough(ctx, tx, query, args...)
	if err != nil {
		return found{}, fmt.Errorf("search %s: %w", table, err)
	}
	defer rows.Close()
	var f found
	for rows.Next() {
		var (
			s      = mim.Similar{Kind: kind}
			towers string
			at     stamp
			ms     int64
			words  string
		)
		if err := rows.Scan(&s.Number, &s.Title, &s.Workaround, &towers, &at, &ms, &words); err != nil {
			return found{}, fmt.Errorf("search %s: %w", table, err)
		}
		s.Towers, s.At, s.Took = strings.Fields(towers), at.Time, time.Duration(ms)*time.Millisecond
		f.cands = append(f.cands, s)
		f.texts = append(f.texts, words)
	}
	return f, rows.Err()
}

// matchCond is a dialect's full-text condition with its one argument.
type matchCond struct {
	cond string
	arg  any
}

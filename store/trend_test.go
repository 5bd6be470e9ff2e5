package store

import (
	stdcmp "cmp"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"mimbot/internal/pgtest"
	"mimbot/mim"
)

// testTrendBackfill stores two incidents the way the store did before migration
// 00007 (no trend column, no cadence tally), migrates, and reads them as the report
// does: the trend column is filled from data, and the tally from the timeline (every
// update of a major incident on time, every overdue escalation missed; a minor
// incident's updates are no cadence slots).
func testTrendBackfill(t *testing.T, d *dialect, sdb *sql.DB, provider func(*sql.DB) (*goose.Provider, error), open func() *DB) {
	ctx := t.Context()
	p, err := provider(sdb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := sdb.ExecContext(ctx, d.q(query), args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	for _, inc := range []struct {
		n     int
		major bool
		data  string
	}{
		{1, true, `{"title":"Payments down","towers":["application"],"responded_at":"2026-11-02T09:04:00Z","pages":[{"person":"dave","tower":"application","paged_at":"2026-11-02T09:01:00Z","acked_at":"2026-11-02T09:04:00Z"}],"problem":{"ref":"PRB-1","owner":"hana","due":"2026-11-07T10:00:00Z"},"summary":{"markdown":"# long"}}`},
		{2, false, `{"title":"Printer jam","towers":["desk"]}`},
	} {
		exec(`INSERT INTO incidents (number, state, priority, major, declared_at, resolved_at, data) `+d.overriding+` VALUES (?, 'closed', 'P1', ?, ?, ?, ?)`,
			inc.n, inc.major, d.time(day), d.time(day.Add(2*time.Hour)), inc.data)
	}
	for _, e := range []struct {
		n          int
		kind, text string
	}{
		{1, "update", "Failing over"},
		{1, "update", "Failed over"},
		{1, "escalated", "Hierarchical escalation to hana: status update overdue by 15m (was due 09:30)"},
		{1, "escalated", "Hierarchical escalation to hana: respond SLA breached"},
		{2, "update", "Paper added"},
	} {
		exec(`INSERT INTO timeline (incident, at, kind, actor, text) VALUES (?, ?, ?, 'alice', ?)`, e.n, d.time(day.Add(time.Hour)), e.kind, e.text)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	db := open()
	got, err := db.TrendIncidents(ctx, day, day.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b mim.TrendIncident) int { return stdcmp.Compare(a.Number, b.Number) })
	want := []mim.TrendIncident{
		{
			Number: 1, Priority: mim.P1, Major: true, State: mim.Closed, Towers: []string{"application"},
			DeclaredAt: day, RespondedAt: day.Add(4 * time.Minute), ResolvedAt: day.Add(2 * time.Hour),
			Pages:   []mim.Page{{Person: "dave", Tower: "application", PagedAt: day.Add(time.Minute), AckedAt: day.Add(4 * time.Minute)}},
			Updates: mim.UpdateTally{OnTime: 2, Missed: 1},
		},
		{Number: 2, Priority: mim.P1, State: mim.Closed, Towers: []string{"desk"}, DeclaredAt: day, ResolvedAt: day.Add(2 * time.Hour)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after migration 00007 (-want +got):\n%s", diff)
	}
	inc, err := db.Incident(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mim.UpdateTally{OnTime: 2, Missed: 1}, inc.Updates); diff != "" {
		t.Errorf("the document's tally (-want +got):\n%s", diff)
	}
	problems, _, err := db.TrendProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mim.TrendProblem{{Ref: "PRB-1", Owner: "hana", Due: time.Date(2026, 11, 7, 10, 0, 0, 0, time.UTC), Open: true, Incidents: []int{1}}}, problems); diff != "" {
		t.Errorf("problems after migration 00007 (-want +got):\n%s", diff)
	}
}

func TestSQLiteTrendBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mimbot.db")
	sdb, err := openSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	testTrendBackfill(t, sqliteDialect(), sdb, sqliteProvider, func() *DB {
		db, err := OpenSQLite(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestPostgresTrendBackfill(t *testing.T) {
	url := pgtest.DB(t)
	cfg, err := postgresConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	sdb := stdlib.OpenDB(*cfg.ConnConfig)
	defer sdb.Close()
	testTrendBackfill(t, postgresDialect(), sdb, postgresProvider, func() *DB { return openPostgresTest(t, url) })
}

package store

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"mimbot/internal/pgtest"
	"mimbot/mim"
)

// TestUpgradeKeepsProblems is an upgrade from the schema before problems had tables
// (version 3): the PRB records that closed incidents carry in their documents become
// problems linked to their incidents, and those whose RCA is still ahead get their
// reminders, on both dialects.
func TestUpgradeKeepsProblems(t *testing.T) {
	tests := upgradeDialects()
	// Due dates to the millisecond, one ahead of any test run and one long past.
	ahead := time.Date(2099, 1, 2, 3, 4, 5, 678000000, time.UTC)
	past := time.Date(2020, 5, 6, 7, 8, 9, 10000000, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			sdb, p, d := tt.open(t)
			t.Cleanup(func() { sdb.Close() })
			if _, err := p.UpTo(ctx, 3); err != nil {
				t.Fatalf("migrate to 3: %v", err)
			}
			db := &DB{db: sdb, d: d}
			closed := func(n int, due time.Time) {
				inc := &mim.Incident{Number: n, Title: "Payments down", State: mim.Closed, Priority: mim.P1, Major: true,
					DeclaredAt: due.Add(-96 * time.Hour), ClosedAt: due.Add(-72 * time.Hour),
					Problem: &mim.Problem{Ref: "PRB-" + string(rune('0'+n)), Owner: "hana", Due: due, CreatedAt: due.Add(-72 * time.Hour)}}
				// Written as version 3 knew it: the columns of its incidents table and
				// the document (today's insert also fills later migrations' columns).
				data, err := EncodeIncident(inc)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.exec(ctx, sdb, `INSERT INTO incidents (number, state, priority, major, declared_at, closed_at, data) `+d.overriding+` VALUES (?, 'closed', 'P1', ?, ?, ?, ?)`,
					n, true, d.time(inc.DeclaredAt), d.time(inc.ClosedAt), string(data)); err != nil {
					t.Fatal(err)
				}
			}
			closed(1, ahead)
			closed(2, past)
			if _, err := db.exec(ctx, sdb, `INSERT INTO incidents (number, state, priority, major, declared_at, data) `+d.overriding+` VALUES (3, 'investigating', 'P2', ?, ?, '{}')`,
				false, d.time(past)); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatalf("upgrade: %v", err)
			}

			list, err := db.Problems(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []*mim.Problem{
				{Ref: "PRB-1", Owner: "hana", Due: ahead, CreatedAt: ahead.Add(-72 * time.Hour), State: mim.ProblemOpen, Incidents: []int{1}},
				{Ref: "PRB-2", Owner: "hana", Due: past, CreatedAt: past.Add(-72 * time.Hour), State: mim.ProblemOpen, Incidents: []int{2}},
			}
			if diff := cmp.Diff(want, list); diff != "" {
				t.Errorf("problems after the upgrade (-want +got):\n%s", diff)
			}
			inc, err := db.Incident(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[0], inc.Problem); diff != "" {
				t.Errorf("#1's problem after the upgrade (-want +got):\n%s", diff)
			}
			timers, err := db.ClaimTimers(ctx, ahead.Add(time.Hour), time.Minute, "w", 10)
			if err != nil {
				t.Fatal(err)
			}
			wantTimers := []mim.Timer{
				{Key: "problem:PRB-1:remind", Due: ahead.Add(-24 * time.Hour)},
				{Key: "problem:PRB-1:overdue", Due: ahead},
			}
			if diff := cmp.Diff(wantTimers, timers, cmpIgnoreTimerIdentity); diff != "" {
				t.Errorf("timers after the upgrade, none for the long overdue PRB-2 (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpIgnoreTimerIdentity = cmp.FilterPath(func(p cmp.Path) bool {
	s := p.Last().String()
	return s == ".ID" || s == ".Version"
}, cmp.Ignore())

// upgradeDialect opens a fresh, unmigrated database of one dialect with the goose
// provider that migrates it step by step, for the upgrade tests.
type upgradeDialect struct {
	name string
	open func(t *testing.T) (*sql.DB, *goose.Provider, *dialect)
}

func upgradeDialects() []upgradeDialect {
	return []upgradeDialect{
		{"sqlite", func(t *testing.T) (*sql.DB, *goose.Provider, *dialect) {
			sdb, err := openSQLite(filepath.Join(t.TempDir(), "mimbot.db"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := sqliteProvider(sdb)
			if err != nil {
				t.Fatal(err)
			}
			return sdb, p, sqliteDialect()
		}},
		{"postgres", func(t *testing.T) (*sql.DB, *goose.Provider, *dialect) {
			cfg, err := postgresConfig(pgtest.DB(t))
			if err != nil {
				t.Fatal(err)
			}
			sdb := stdlib.OpenDB(*cfg.ConnConfig)
			p, err := postgresProvider(sdb)
			if err != nil {
				t.Fatal(err)
			}
			sdb.SetMaxOpenConns(10)
			return sdb, p, postgresDialect()
		}},
	}
}

package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// TestUpgradeIndexesThePast is an upgrade from the schema before the search index
// (version 4): resolved and closed incidents and published known errors are found by
// their words at once, open ones are not, on both dialects.
func TestUpgradeIndexesThePast(t *testing.T) {
	tests := upgradeDialects()
	resolved := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			sdb, p, d := tt.open(t)
			t.Cleanup(func() { sdb.Close() })
			if _, err := p.UpTo(ctx, 7); err != nil {
				t.Fatalf("migrate to 7: %v", err)
			}
			db := &DB{db: sdb, d: d}
			insert := func(inc *mim.Incident) {
				tx, err := sdb.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.insertIncident(ctx, tx, inc); err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			insert(&mim.Incident{Number: 1, Title: "Ledger-sync stuck", Description: "nightly job", Workaround: "Restart the sync worker",
				Towers: []string{"database", "application"}, State: mim.Resolved, Priority: mim.P2,
				DeclaredAt: resolved.Add(-90 * time.Minute), ResolvedAt: resolved})
			insert(&mim.Incident{Number: 2, Title: "Ledger export late", Towers: []string{"database"}, State: mim.Investigating, Priority: mim.P2,
				DeclaredAt: resolved})
			for _, st := range []struct {
				query string
				args  []any
			}{
				{`INSERT INTO problems (ref, owner, due, created_at) VALUES ('PRB-1', 'hana', ?, ?)`, []any{d.time(resolved), d.time(resolved)}},
				{`INSERT INTO problem_incidents (problem, incident) VALUES ('PRB-1', 1)`, nil},
				{`INSERT INTO known_errors (number, problem, title, root_cause, workaround, published_at)
					VALUES (1, 'PRB-1', 'Ledger sync stuck', 'Lock held by the backup', 'Restart the sync worker', ?)`, []any{d.time(resolved)}},
			} {
				if _, err := db.exec(ctx, sdb, st.query, st.args...); err != nil {
					t.Fatalf("%s: %v", st.query, err)
				}
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			got, err := db.Similar(ctx, mim.SimilarQuery{Terms: []string{"ledger", "sync", "nightly"}, Towers: []string{"database"}, Since: resolved.Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			want := []mim.Similar{
				{Kind: mim.SimilarKnownError, Number: 1, Title: "Ledger sync stuck", Workaround: "Restart the sync worker",
					Towers: []string{"application", "database"}, At: resolved, Matched: 2},
				{Kind: mim.SimilarIncident, Number: 1, Title: "Ledger-sync stuck", Workaround: "Restart the sync worker",
					Towers: []string{"database", "application"}, At: resolved, Took: 90 * time.Minute, Matched: 3},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("found after the upgrade (-want +got):\n%s", diff)
			}
		})
	}
}

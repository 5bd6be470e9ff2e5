package store

import (
	"slices"
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
			insert := func(inc *mim.Incident) { insertAtVersion7(t, db, inc) }
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

// insertAtVersion7 writes inc as the store wrote incidents at schema versions 7 and
// 8, before the towers column.
func insertAtVersion7(t *testing.T, db *DB, inc *mim.Incident) {
	t.Helper()
	data, err := EncodeIncident(inc)
	if err != nil {
		t.Fatal(err)
	}
	trend, err := encodeTrend(inc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.exec(t.Context(), db.db, `
		INSERT INTO incidents (`+incidentColumns+`, incident_manager, owner, resolve_due, trend)
		`+db.d.overriding+`
		VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inc.Number, inc.RequestKey, inc.State, inc.Priority.String(), inc.Major,
		db.d.stamp(inc.DeclaredAt), db.d.stamp(inc.ResolvedAt), db.d.stamp(inc.ClosedAt), data, inc.IM,
		inc.Owner, db.d.stamp(inc.ResolveDue), trend)
	if err != nil {
		t.Fatalf("insert incident %d: %v", inc.Number, err)
	}
}

// TestUpgradeFillsQueueFilters is an upgrade from the schema before the towers column
// (version 8): the open incidents stored before are found by tower and by person.
func TestUpgradeFillsQueueFilters(t *testing.T) {
	declared := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range upgradeDialects() {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			sdb, p, d := tt.open(t)
			t.Cleanup(func() { sdb.Close() })
			if _, err := p.UpTo(ctx, 8); err != nil {
				t.Fatalf("migrate to 8: %v", err)
			}
			db := &DB{db: sdb, d: d}
			for _, inc := range []*mim.Incident{
				{Number: 1, Title: "Ledger stuck", Towers: []string{"database", "application"}, State: mim.Investigating, Priority: mim.P2, Owner: "noor", DeclaredAt: declared},
				{Number: 2, Title: "Printer", Towers: []string{"end_user"}, State: mim.Investigating, Priority: mim.P4, IM: "noor", DeclaredAt: declared},
				{Number: 3, Title: "No towers", State: mim.Investigating, Priority: mim.P3, DeclaredAt: declared},
				{Number: 4, Title: "Data base", Towers: []string{"data"}, State: mim.Investigating, Priority: mim.P3, DeclaredAt: declared},
			} {
				insertAtVersion7(t, db, inc)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			for _, c := range []struct {
				f    mim.QueueFilter
				want []int
			}{
				{mim.QueueFilter{Tower: "database"}, []int{1}},
				{mim.QueueFilter{Tower: "data"}, []int{4}},
				{mim.QueueFilter{Tower: "end_user"}, []int{2}},
				{mim.QueueFilter{Tower: "end"}, nil},
				{mim.QueueFilter{Person: "noor"}, []int{1, 2}},
				{mim.QueueFilter{}, []int{1, 3, 4, 2}},
			} {
				list, n, err := db.Queue(ctx, c.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int
				for _, inc := range list {
					got = append(got, inc.Number)
				}
				if !slices.Equal(got, c.want) || n != len(c.want) {
					t.Errorf("queue %+v after the upgrade: %v (of %d), want %v", c.f, got, n, c.want)
				}
			}
		})
	}
}

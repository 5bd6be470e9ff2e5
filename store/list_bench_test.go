package store

import (
	"fmt"
	"testing"
	"time"

	"mimbot/internal/pgtest"
	"mimbot/mim"
)

// BenchmarkListOpen lists the 20 open incidents of a table that also holds 2,000
// closed ones: what `list`, the digest and the status page do.
func BenchmarkListOpen(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := OpenSQLite(b.Context(), b.TempDir()+"/mimbot.db")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchList(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		db, err := OpenPostgres(b.Context(), pgtest.DB(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchList(b, db)
	})
}

func benchList(b *testing.B, db *DB) {
	ctx := b.Context()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const closed, open = 2000, 20
	for i := 1; i <= closed+open; i++ {
		_, _, err := db.CreateIncident(ctx, "", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
			inc.Title, inc.Priority, inc.Major, inc.Impact, inc.Urgency = fmt.Sprintf("Incident %d", i), mim.P1, true, mim.High, mim.Medium
			inc.DeclaredAt = start.Add(time.Duration(i) * time.Minute)
			inc.State = mim.Closed
			if i > closed {
				inc.State = mim.Investigating
			}
			ch.Log(inc.DeclaredAt, mim.KindDeclared, "sam", "declared")
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := db.Incidents(ctx, mim.Filter{Open: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != open {
			b.Fatalf("listed %d, want %d", len(got), open)
		}
	}
}

package store

import (
	"encoding/json"
	"testing"
	"time"

	"mimbot/mim"
)

// BenchmarkDecodeTrend measures decoding one trend document, the report's main cost
// per incident besides the database.
func BenchmarkDecodeTrend(b *testing.B) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	doc, err := encodeTrend(&mim.Incident{Towers: []string{"application", "database"}, RespondedAt: at,
		Pages:   []mim.Page{{Person: "dave", Tower: "application", PagedAt: at, AckedAt: at}, {Person: "frank", Tower: "database", PagedAt: at, Replaced: true}},
		Updates: mim.UpdateTally{OnTime: 3, Late: 1}})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var r trendRecord
		if err := json.Unmarshal(doc, &r); err != nil {
			b.Fatal(err)
		}
	}
}

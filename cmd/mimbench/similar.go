package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// similarWords are the vocabulary of the seeded titles and descriptions: services,
// symptoms and components, as incident titles use them. Drawn with a skew (early
// words more often), as real titles repeat "payments" more than "ledger".
var similarWords = strings.Fields(`payments checkout login search api gateway database
	cache queue kafka dns certificate vpn email storage backup billing invoices orders
	cart mobile web admin reports ledger inventory shipping pricing catalog auth sso
	ldap network firewall proxy loadbalancer cdn kubernetes node pod cluster disk memory
	cpu latency timeout errors failing down slow degraded unavailable outage spike
	leak exhausted expired full stuck lagging dropped corrupted missing duplicate
	delayed rejected refused throttled blocked crash restart deploy rollback migration
	replica primary failover partition index lock deadlock connection pool thread
	batch cron job scheduler webhook callback token session cookie upload download
	export import sync transfer settlement refund payout fraud risk kyc compliance
	audit logging metrics alerting tracing monitoring paging oncall vendor provider
	partner bank card wallet currency tax shipping label warehouse printer scanner`)

// towersOf are the demo configuration's towers.
var towersOf = []string{"application", "database", "network", "platform", "security"}

// words draws n distinct vocabulary words with r.
func words(r *rand.Rand, n int) []string {
	var out []string
	for len(out) < n {
		// The square skews towards the front of the vocabulary.
		f := r.Float64()
		w := similarWords[int(f*f*float64(len(similarWords)))]
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// similar seeds closed incidents with titles, descriptions and workarounds from a
// skewed vocabulary, resolved over the last two years, and measures the search a
// declaration runs (the best three of the last 365 days and the known errors).
func similar(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("similar", flag.ExitOnError)
	closed := fs.Int("closed", 100000, "closed incidents in the table")
	calls := fs.Int("calls", 200, "searches measured, each for a new title")
	kind := fs.String("db", "postgres", "postgres or sqlite")
	fs.Parse(args)
	st, done, err := openOne(ctx, *kind)
	if err != nil {
		return err
	}
	defer done()
	now := time.Now()
	span := 2 * 365 * 24 * time.Hour
	err = seed(ctx, st, *closed, func(i int, inc *mim.Incident, ch *mim.Change) {
		r := rand.New(rand.NewPCG(uint64(i), 1))
		inc.Title = strings.Join(words(r, 4), " ")
		inc.Description = strings.Join(words(r, 8), " ")
		inc.Workaround = strings.Join(words(r, 5), " ")
		inc.Towers = []string{towersOf[r.IntN(len(towersOf))]}
		inc.Priority, inc.Impact, inc.Urgency = mim.P2, mim.Medium, mim.Medium
		inc.ResolvedAt = now.Add(-time.Duration(*closed-i) * span / time.Duration(*closed))
		inc.DeclaredAt = inc.ResolvedAt.Add(-time.Duration(30+r.IntN(600)) * time.Minute)
		inc.ClosedAt = inc.ResolvedAt.Add(time.Hour)
		inc.State = mim.Closed
		ch.Log(inc.DeclaredAt, mim.KindDeclared, "sam", "declared")
	})
	if err != nil {
		return err
	}
	var (
		took  []time.Duration
		found int
	)
	for i := 0; i < *calls; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 2))
		q := mim.SimilarQuery{
			Terms:  mim.QueryTerms(strings.Join(words(r, 4), " ")),
			Towers: []string{towersOf[r.IntN(len(towersOf))]},
			Since:  now.Add(-365 * 24 * time.Hour),
			Limit:  3,
		}
		t0 := time.Now()
		got, err := st.Similar(ctx, q)
		if err != nil {
			return err
		}
		took = append(took, time.Since(t0))
		found += len(got)
	}
	slices.Sort(took)
	fmt.Printf("\n| figure | value |\n|---|---|\n| database | %s |\n| incidents | %d closed over two years |\n| searches | %d new titles, %d results |\n| similar search p50 / p99 / max | %s / %s / %s |\n",
		*kind, *closed, *calls, found, took[len(took)/2].Round(time.Microsecond), took[len(took)*99/100].Round(time.Microsecond), took[len(took)-1].Round(time.Microsecond))
	return nil
}

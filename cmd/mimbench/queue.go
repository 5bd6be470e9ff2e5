package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// queue fills the store with closed incidents and open non-major ones, and measures
// `queue` (the first 20 in queue order and how many there are), for everyone, for one
// tower, and for one owner.
func queue(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("queue", flag.ExitOnError)
	closed := fs.Int("closed", 100000, "closed incidents in the table")
	open := fs.Int("open", 10000, "open non-major incidents")
	calls := fs.Int("calls", 200, "queue calls measured per filter")
	kind := fs.String("db", "postgres", "postgres or sqlite")
	fs.Parse(args)
	st, done, err := openOne(ctx, *kind)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	towers := []string{"application", "database", "network", "cloud"}
	owners := []string{"", "lee", "noor", "omar", "sam"}
	total := *closed + *open
	err = seed(ctx, st, total, func(i int, inc *mim.Incident, ch *mim.Change) {
		inc.Title, inc.Impact, inc.Urgency = fmt.Sprintf("Incident %d", i), mim.Low, mim.Low
		inc.Priority = mim.Priority(2 + i%3) // P2..P4
		inc.Towers = []string{towers[i%len(towers)]}
		inc.Owner = owners[i%len(owners)]
		inc.DeclaredAt = start.Add(-time.Duration(total-i) * time.Minute)
		inc.ResolveDue = inc.DeclaredAt.Add(time.Duration(24*(1+i%5)) * time.Hour)
		inc.State = mim.Closed
		if i > *closed {
			inc.State = mim.Investigating
		}
		ch.Log(inc.DeclaredAt, mim.KindDeclared, "sam", "declared")
	})
	if err != nil {
		return err
	}
	fmt.Printf("\n| queue (first 20 and the total), %s, %d open non-major, %d closed | p50 | p99 | max |\n|---|---|---|---|\n", *kind, *open, *closed)
	for _, c := range []struct {
		name string
		f    mim.QueueFilter
	}{
		{"everyone", mim.QueueFilter{Limit: 20}},
		{"tower=database", mim.QueueFilter{Tower: "database", Limit: 20}},
		{"mine (noor)", mim.QueueFilter{Person: "noor", Limit: 20}},
	} {
		var took []time.Duration
		for i := 0; i < *calls; i++ {
			t0 := time.Now()
			list, n, err := st.Queue(ctx, c.f)
			if err != nil {
				return err
			}
			took = append(took, time.Since(t0))
			if len(list) != 20 || n == 0 {
				return fmt.Errorf("queue %s: %d listed of %d", c.name, len(list), n)
			}
		}
		slices.Sort(took)
		fmt.Printf("| %s | %s | %s | %s |\n", c.name, took[len(took)/2].Round(time.Microsecond), took[len(took)*99/100].Round(time.Microsecond), took[len(took)-1].Round(time.Microsecond))
	}
	return nil
}

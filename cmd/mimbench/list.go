package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"time"

	"mimbot/mim"
)

// list fills the store with closed incidents and measures listing the active ones,
// which is what `list`, the digest and `mimbot incident list` do.
func list(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	closed := fs.Int("closed", 100000, "closed incidents in the table")
	active := fs.Int("active", 20, "active incidents")
	calls := fs.Int("calls", 200, "list calls measured")
	kind := fs.String("db", "postgres", "postgres or sqlite")
	fs.Parse(args)
	st, done, err := openOne(ctx, *kind)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	total := *closed + *active
	err = seed(ctx, st, total, func(i int, inc *mim.Incident, ch *mim.Change) {
		inc.Title, inc.Priority, inc.Major, inc.Impact, inc.Urgency = fmt.Sprintf("Incident %d", i), mim.P1, true, mim.High, mim.Medium
		inc.DeclaredAt = start.Add(-time.Duration(total-i) * time.Minute)
		inc.State = mim.Closed
		if i > *closed {
			inc.State = mim.Investigating
		}
		ch.Log(inc.DeclaredAt, mim.KindDeclared, "sam", "declared")
	})
	if err != nil {
		return err
	}
	var took []time.Duration
	for i := 0; i < *calls; i++ {
		t0 := time.Now()
		got, err := st.Incidents(ctx, mim.Filter{Open: true})
		if err != nil {
			return err
		}
		took = append(took, time.Since(t0))
		if len(got) != *active {
			return fmt.Errorf("listed %d active incidents, want %d", len(got), *active)
		}
	}
	slices.Sort(took)
	fmt.Printf("\n| figure | value |\n|---|---|\n| database | %s |\n| incidents | %d closed, %d active |\n| list active p50 / p99 / max | %s / %s / %s |\n",
		*kind, *closed, *active, took[len(took)/2].Round(time.Microsecond), took[len(took)*99/100].Round(time.Microsecond), took[len(took)-1].Round(time.Microsecond))
	return nil
}

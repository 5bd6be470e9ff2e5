package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"mimbot/mim"
	"mimbot/store"
)

// analyzeAt is the incident after which the seed updates the planner's statistics.
const analyzeAt = 2000

// seed declares total incidents into st, 16 at a time, each shaped by build (i counts
// from 1), updates the planner's statistics (Store.Analyze) after analyzeAt of them and
// at the end, and says how long it took.
func seed(ctx context.Context, st *store.DB, total int, build func(i int, inc *mim.Incident, ch *mim.Change)) error {
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < 16; w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > total {
					return
				}
				if i == analyzeAt {
					// As autovacuum would once the tables have grown: the plans made
					// for empty tables scan them whole (it is off on some servers,
					// this development machine's among them).
					if err := st.Analyze(ctx); err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
				}
				_, _, err := st.CreateIncident(ctx, "", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
					build(i, inc, ch)
					return nil
				})
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if err := st.Analyze(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d incidents in %s\n", total, time.Since(start).Round(time.Millisecond))
	return nil
}

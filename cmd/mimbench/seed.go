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

// seed declares total incidents into st, 16 at a time, each shaped by build (i counts
// from 1), and says how long it took.
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
	fmt.Printf("seeded %d incidents in %s\n", total, time.Since(start).Round(time.Millisecond))
	return nil
}

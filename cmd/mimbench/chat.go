package main

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mimbot/mim"
)

// countingChat is a chat platform that only counts, so the benchmark measures mimbot.
type countingChat struct {
	sent  atomic.Int64
	mu    sync.Mutex
	kinds map[mim.Kind]int
}

func (c *countingChat) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	if req.Existing != nil {
		return *req.Existing, nil
	}
	return mim.WarRoom{Platform: "bench", ID: req.Name, Name: req.Name}, nil
}

func (c *countingChat) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	c.sent.Add(1)
	c.mu.Lock()
	if c.kinds == nil {
		c.kinds = map[mim.Kind]int{}
	}
	c.kinds[d.Message.Kind]++
	c.mu.Unlock()
	return nil, nil
}

// answerTimes makes the n calls of call at once and returns the answer times of the
// ones answered 200, sorted, and how many were not.
func answerTimes(n int, call func(i int) (status int, took time.Duration, err error)) ([]time.Duration, int) {
	var mu sync.Mutex
	var took []time.Duration
	failed := 0
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			status, d, err := call(i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || status != http.StatusOK {
				failed++
				return
			}
			took = append(took, d)
		})
	}
	wg.Wait()
	slices.Sort(took)
	return took, failed
}

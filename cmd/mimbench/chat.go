package main

import (
	"context"
	"sync"
	"sync/atomic"

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

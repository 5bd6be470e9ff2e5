package mim

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// fireParallelism bounds how many timers one process fires at once.
const fireParallelism = 16

// FireDue claims and fires every timer due now; it returns how many it fired. Tests
// call it after moving their clock; Run calls it in a loop.
func (s *Service) FireDue(ctx context.Context, owner string, lease time.Duration) (int, error) {
	total := 0
	for ctx.Err() == nil {
		timers, err := s.Store.ClaimTimers(ctx, s.Clock.Now(), lease, owner, 100)
		if err != nil {
			return total, err
		}
		if len(timers) == 0 {
			return total, nil
		}
		// Incidents fire side by side; the timers of one incident fire in due order (a
		// reminder before the escalation it precedes), each in its own transaction.
		var order []int
		byIncident := map[int][]Timer{}
		for _, t := range timers {
			if _, seen := byIncident[t.Incident]; !seen {
				order = append(order, t.Incident)
			}
			byIncident[t.Incident] = append(byIncident[t.Incident], t)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, fireParallelism)
		for _, n := range order {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				for _, t := range byIncident[n] {
					if err := s.Fire(ctx, t); err != nil {
						if ctx.Err() != nil {
							return // stopping: nothing was saved, and the lease is released
						}
						s.Log.Error("fire timer", "incident", t.Incident, "timer", t.Key, "err", err)
						continue // the lease runs out and the timer is tried again
					}
					mu.Lock()
					total++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	return total, ctx.Err()
}

// Engine runs the timers and the outbox of one process until its context ends.
type Engine struct {
	Service *Service
	Relay   *Relay
	Owner   string
	Lease   time.Duration // timer lease; default 30s
	// Poll bounds how long the engine sleeps without looking at the store, so that work
	// created by other replicas is seen; default 1s.
	Poll time.Duration
	// Lock, when set, is held while timers fire and messages go out (the terminal chat
	// uses it to keep a command's reply before what the engine prints).
	Lock sync.Locker
}

// Start schedules the global timers (the digest) if they are not pending yet.
func (e *Engine) Start(ctx context.Context) error {
	s := e.Service
	if s.Config.Digest == nil {
		return nil
	}
	return s.Store.EnsureTimer(ctx, Timer{Key: TimerDigest, Due: s.Config.Digest.Next(s.Clock.Now())})
}

// Run fires timers and delivers messages until ctx ends, in two loops so that a long
// delivery never delays a timer. Store outages are logged and retried; they never
// stop the loops. When ctx ends it claims nothing more, lets the deliveries under way
// finish (Relay.Grace), and releases the leases it still holds, so that another
// replica takes over that work at once rather than when the leases run out.
func (e *Engine) Run(ctx context.Context) {
	defer e.release(ctx)
	s := e.Service
	lease, poll := e.Lease, e.Poll
	if lease <= 0 {
		lease = 30 * time.Second
	}
	if poll <= 0 {
		poll = time.Second
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		e.loop(ctx, "timers", s.wakeTimers, poll, func() error {
			_, err := s.FireDue(ctx, e.Owner, lease)
			return err
		}, func() time.Duration {
			// Sleep until the next timer is due, but look again at least every poll: other
			// replicas schedule timers too.
			if next, err := s.Store.NextDue(ctx); err == nil && !next.IsZero() {
				return min(poll, max(next.Sub(s.Clock.Now()), time.Millisecond))
			}
			return poll
		})
	})
	wg.Go(func() {
		e.loop(ctx, "outbox", s.wakeRelay, poll, func() error {
			_, err := e.Relay.Drain(ctx)
			return err
		}, func() time.Duration { return poll })
	})
	wg.Wait()
}

// release gives back the leases of the engine's owner and its relay's, after ctx
// ended.
func (e *Engine) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	owners := []string{e.Owner}
	if e.Relay != nil && e.Relay.Owner != e.Owner {
		owners = append(owners, e.Relay.Owner)
	}
	for _, o := range owners {
		timers, msgs, err := e.Service.Store.ReleaseLeases(ctx, o)
		if err != nil {
			e.Service.Log.Warn("engine: leases not released; the work waits until they run out", "owner", o, "err", err)
			continue
		}
		level := slog.LevelDebug
		if timers+msgs > 0 {
			level = slog.LevelInfo // work another replica takes over now
		}
		e.Service.Log.Log(ctx, level, "engine: stopped, leases released", "owner", o, "timers", timers, "messages", msgs)
	}
}

// loop runs work whenever woken, when its timer ends, or every poll.
func (e *Engine) loop(ctx context.Context, name string, wake <-chan struct{}, poll time.Duration, work func() error, sleep func() time.Duration) {
	log := e.Service.Log.With("loop", name)
	t := time.NewTimer(0)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		if e.Lock != nil {
			e.Lock.Lock()
		}
		err := work()
		if e.Lock != nil {
			e.Lock.Unlock()
		}
		d := poll
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing {
				log.Error("engine: store unavailable, retrying", "err", err)
			}
			failing = true
		case err == nil:
			if failing {
				log.Info("engine: store available again")
			}
			failing = false
			d = sleep()
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(d)
	}
}

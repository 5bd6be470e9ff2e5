package mim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mimbot/mim"
)

// stallingChat is a platform at the moment its process is told to stop: its first
// post is under way (it ends when release closes, or when its context ends, as an
// HTTP call does), and every other call waits for a rate limit (ending on
// mim.Stopping, as the adapters' waits do). A war room takes two calls, so the call
// under way is a post.
type stallingChat struct {
	started chan struct{} // closed when the first call is under way
	release chan struct{}
	mu      sync.Mutex
	calls   int
	sent    int
	under   bool // the first call is under way
}

func (c *stallingChat) call(ctx context.Context, canBeFirst bool) error {
	c.mu.Lock()
	c.calls++
	first := canBeFirst && c.sent == 0 && !c.under
	c.under = c.under || first
	c.mu.Unlock()
	if first {
		close(c.started)
		select {
		case <-c.release:
			c.mu.Lock()
			c.sent++
			c.mu.Unlock()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case <-mim.Stopping(ctx):
		return mim.ErrStopping
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *stallingChat) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	return mim.WarRoom{}, c.call(ctx, false)
}

func (c *stallingChat) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	return nil, c.call(ctx, true)
}

func (c *stallingChat) Page(ctx context.Context, d mim.Delivery) error { return c.call(ctx, true) }

// TestDrainStopping: when Drain's context ends, the call under way finishes within
// the relay's Grace and its message is marked delivered, while the deliveries waiting
// to make a call give up and their messages are back in the outbox at once, for
// another process to claim. Without a Grace the call under way is cut off.
func TestDrainStopping(t *testing.T) {
	for _, c := range []struct {
		name          string
		grace         time.Duration
		wantDelivered int
	}{
		{"with a grace the call under way finishes", 5 * time.Second, 1},
		{"without one it is cut off", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.declare("Payments down", mim.High, mim.High, "application")
			chat := &stallingChat{started: make(chan struct{}), release: make(chan struct{})}
			h.relay.Chats["shell"] = chat
			h.relay.Pagers[mim.PagerDuty] = chat
			h.relay.Grace = c.grace
			pending := func() int {
				n, err := h.svc.Store.PendingMessages(h.ctx)
				must(t, err)
				return n["shell"] + n[mim.PagerDuty]
			}
			before := pending()
			ctx, cancel := context.WithCancel(context.Background())
			drained := make(chan int, 1)
			go func() {
				n, _ := h.relay.Drain(ctx)
				drained <- n
			}()
			<-chat.started
			cancel()
			time.AfterFunc(50*time.Millisecond, func() { close(chat.release) }) // the platform answers, after the stop
			var delivered int
			select {
			case delivered = <-drained:
			case <-time.After(10 * time.Second):
				t.Fatal("Drain did not return after its context ended")
			}
			if delivered != c.wantDelivered || before-pending() != c.wantDelivered {
				t.Errorf("delivered %d (pending %d -> %d), want %d", delivered, before, pending(), c.wantDelivered)
			}
			chat.mu.Lock()
			calls := chat.calls
			chat.mu.Unlock()
			t.Logf("%d calls, %d delivered", calls, delivered)
			// What waited is claimable by another process now, not when a lease or a
			// backoff runs out.
			again, err := h.svc.Store.ClaimMessages(h.ctx, h.clock.Now(), time.Minute, "other", []string{"shell", mim.PagerDuty}, 100)
			must(t, err)
			if want := calls - 1; c.grace > 0 && len(again) != want {
				t.Errorf("another process claims %d messages at once, want the %d that waited", len(again), want)
			}
			if tm, ms, err := h.svc.Store.ReleaseLeases(h.ctx, "test"); err != nil || tm+ms != 0 {
				t.Errorf("the relay left %d timers and %d messages leased (%v)", tm, ms, err)
			}
		})
	}
}

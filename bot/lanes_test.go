package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"mimbot/mim"
)

// TestLanesKeepOrder: callers of one channel get their turn in the order they asked;
// another channel never waits for them.
func TestLanesKeepOrder(t *testing.T) {
	l := NewLanes()
	ctx := context.Background()
	first, err := l.Acquire(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	for i := 1; i <= 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.Acquire(ctx, "C1")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
			release()
		}()
		// Caller i is in line (the holder and i waiters) before caller i+1 asks.
		for l.Len("C1") < i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	other, err := l.Acquire(ctx, "C2")
	if err != nil {
		t.Fatal("another channel waited behind C1")
	}
	other()
	first()
	wg.Wait()
	if fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Errorf("turns %v, want in asking order", got)
	}
	if len(l.m) != 0 {
		t.Errorf("%d lanes left after everyone released", len(l.m))
	}
}

func TestLanesWaiterGivesUp(t *testing.T) {
	l := NewLanes()
	hold, _ := l.Acquire(context.Background(), "C1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(ctx, "C1"); err == nil {
		t.Fatal("a waiter whose context ended got the turn")
	}
	hold()
	next, err := l.Acquire(context.Background(), "C1")
	if err != nil {
		t.Fatal("the lane stayed blocked after a waiter gave up")
	}
	next()
}

func TestRecent(t *testing.T) {
	r := NewRecent(2)
	if !r.Add("a") || r.Add("a") {
		t.Error("Add must report a new key once")
	}
	r.Add("b")
	r.Add("c") // evicts a, the oldest
	if r.Has("a") || !r.Has("b") || !r.Has("c") {
		t.Errorf("after eviction: a=%v b=%v c=%v, want false true true", r.Has("a"), r.Has("b"), r.Has("c"))
	}
	r.Forget("b")
	if r.Has("b") || !r.Add("b") {
		t.Error("a forgotten key must be new again")
	}
}

// TestStoppingEndsWaits: a delivery of a stopping process gives up its waits before a
// call (a channel's turn, a rate limit's sleep) with mim.ErrStopping, and the lane is
// not left blocked; a wait outside a delivery is not concerned.
func TestStoppingEndsWaits(t *testing.T) {
	stop := make(chan struct{})
	ctx := mim.WithStopping(context.Background(), stop)
	l := NewLanes()
	hold, _ := l.Acquire(ctx, "C1")
	errs := make(chan error, 2)
	go func() {
		_, err := l.Acquire(ctx, "C1")
		errs <- err
	}()
	go func() { errs <- Sleep(ctx, time.Hour) }()
	outside := make(chan error, 1)
	go func() { outside <- Sleep(context.Background(), 50*time.Millisecond) }()
	close(stop)
	for range 2 {
		select {
		case err := <-errs:
			if !errors.Is(err, mim.ErrStopping) {
				t.Errorf("wait ended with %v, want mim.ErrStopping", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a wait went on after its process began to stop")
		}
	}
	if err := <-outside; err != nil {
		t.Errorf("a sleep outside a delivery ended with %v", err)
	}
	hold()
	next, err := l.Acquire(context.Background(), "C1")
	if err != nil {
		t.Fatal("the lane stayed blocked after a stopping waiter left")
	}
	next()
	if got := mim.Stopping(context.Background()); got != nil {
		t.Errorf("Stopping outside a delivery = %v, want nil (never ready)", got)
	}
}

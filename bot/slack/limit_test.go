package slack

import (
	"context"
	"testing"
	"time"

	"mimbot/mim"
)

// A call already waiting for its token when Slack answers another call of the same
// bucket with a 429 does not go out inside that Retry-After.
func TestWaitingCallHonoursALaterRetryAfter(t *testing.T) {
	l := newLimits(1, mim.SystemClock{})
	ctx := context.Background()
	// chat.postMessage allows a burst of 2 (3, less the headroom) per channel; the
	// third call waits about two seconds for its token.
	for range 2 {
		if _, err := l.wait(ctx, "chat.postMessage", "C1", time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan time.Time, 1)
	go func() {
		if _, err := l.wait(ctx, "chat.postMessage", "C1", time.Minute); err != nil {
			t.Error(err)
		}
		done <- time.Now()
	}()
	// Once it holds its reservation (the bucket is in debt), a call that was already on the wire comes back 429 with a
	// Retry-After that ends later than the waiting call's token.
	for reserved := false; !reserved; {
		l.Mu.Lock()
		reserved = l.BucketLocked("chat.postMessage#C1", time.Now()).Pace.TokensAt(time.Now()) < 0
		l.Mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	until := time.Now().Add(3 * time.Second)
	l.block("chat.postMessage", "C1", until)
	went := <-done
	t.Logf("went %s after the end of the Retry-After", went.Sub(until))
	if went.Before(until) {
		t.Errorf("the waiting call went out %s before the Retry-After ended", until.Sub(went))
	}
}

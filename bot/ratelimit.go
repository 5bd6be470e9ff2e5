package bot

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"mimbot/mim"
)

// RateBucket is one rate-limit bucket of a chat platform (a Web API method, a route
// and its channel): the pace the platform publishes (Slack's tiers) or the allowance
// it reports in its answers (Discord's headers), and the end of its last Retry-After.
// Its fields are guarded by the RateLimits that holds it.
type RateBucket struct {
	Pace  *rate.Limiter // the published pace; nil where the platform reports an allowance
	Until time.Time     // no call before this (the end of a Retry-After)
	// Turn, where the allowance is reported, lets one call of the bucket out at a
	// time, so that what the last answer said is what the next call can count on.
	Turn chan struct{}
	// The allowance the platform last reported: Remaining calls of Limit until ResetAt.
	Known            bool
	Limit, Remaining int
	ResetAt          time.Time
	// Sent holds the times of the last calls, oldest first, where the platform
	// counts calls in sliding windows (Teams: 7 a second, 60 in 30 seconds) and the
	// client keeps within them.
	Sent []time.Time

	used time.Time
}

// idle tells whether a bucket can be forgotten: unused for long enough to be full
// again, not held back, no call in flight.
func (b *RateBucket) idle(now time.Time) bool {
	return now.Sub(b.used) > 10*time.Minute && now.After(b.Until) && len(b.Turn) == 0
}

// RateLimits holds a platform's buckets by key, made by the platform (which supplies
// their numbers) when first used, and forgotten once idle. Mu guards the buckets.
type RateLimits struct {
	Clock mim.Clock
	Mu    sync.Mutex

	newBucket func(key string) *RateBucket
	buckets   map[string]*RateBucket
}

// NewRateLimits keeps buckets made by newBucket, by clock.
func NewRateLimits(clock mim.Clock, newBucket func(key string) *RateBucket) *RateLimits {
	return &RateLimits{Clock: clock, newBucket: newBucket, buckets: map[string]*RateBucket{}}
}

// BucketLocked returns the bucket of key, made on first use. Call it with Mu held.
func (l *RateLimits) BucketLocked(key string, now time.Time) *RateBucket {
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) > 4096 {
			for k, old := range l.buckets {
				if old.idle(now) {
					delete(l.buckets, k)
				}
			}
		}
		b = l.newBucket(key)
		l.buckets[key] = b
	}
	b.used = now
	return b
}

// HoldLocked keeps every call of b back until until (a Retry-After). Call it with Mu
// held.
func HoldLocked(b *RateBucket, until time.Time) {
	if until.After(b.Until) {
		b.Until = until
	}
}

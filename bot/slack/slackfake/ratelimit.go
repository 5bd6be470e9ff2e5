package slackfake

import (
	"math"
	"sync"
	"time"
)

// RetryAfterMsHeader is a non-standard response header sent with every 429.
// It carries the exact wait in milliseconds, which Retry-After (whole
// seconds, rounded up) cannot express when RateLimitScale shrinks waits below
// a second. Real Slack never sends it; bots must not depend on it.
const RetryAfterMsHeader = "X-Fake-Retry-After-Ms"

// RateLimit is a token bucket: it holds at most Burst calls and refills at
// PerMinute calls per minute (times Options.RateLimitScale). A call that
// finds the bucket empty gets HTTP 429 with the time until the next token.
type RateLimit struct {
	PerMinute  float64
	Burst      int
	PerChannel bool // one bucket per channel instead of one per method
}

// Slack's published tiers. "N per minute" with bursts of up to N.
func tier(n int) RateLimit {
	switch n {
	case 1:
		return RateLimit{PerMinute: 1, Burst: 1}
	case 2:
		return RateLimit{PerMinute: 20, Burst: 20}
	case 3:
		return RateLimit{PerMinute: 50, Burst: 50}
	default:
		return RateLimit{PerMinute: 100, Burst: 100}
	}
}

// postMessageBurst is the burst allowance of chat.postMessage's special
// limit: one message per second per channel, "with short bursts above that".
const postMessageBurst = 3

// tokenEpsilon absorbs float rounding so that a caller who waits exactly the
// announced Retry-After finds a whole token.
const tokenEpsilon = 1e-9

// DefaultRateLimit returns the limit the fake applies to method when
// Options.RateLimits does not override it, following the tiers in Slack's
// method documentation. ok is false for methods the fake does not limit.
func DefaultRateLimit(method string) (limit RateLimit, ok bool) {
	switch method {
	case "chat.postMessage":
		return RateLimit{PerMinute: 60, Burst: postMessageBurst, PerChannel: true}, true
	case "apps.connections.open":
		return tier(1), true
	case "conversations.create", "conversations.setTopic", "conversations.archive", "conversations.list",
		"pins.add", "pins.list", "bookmarks.add", "files.upload":
		return tier(2), true
	case "conversations.invite", "conversations.info", "conversations.open",
		"conversations.history", "chat.update", "chat.delete", "reactions.get",
		"bookmarks.list", "users.lookupByEmail":
		return tier(3), true
	case "auth.test", "conversations.members", "chat.postEphemeral", "views.open",
		"views.update", "users.info", "files.getUploadURLExternal",
		"files.completeUploadExternal":
		return tier(4), true
	}
	return RateLimit{}, false
}

type bucket struct {
	tokens float64
	last   time.Time
}

type limiter struct {
	mu        sync.Mutex
	scale     float64
	overrides map[string]RateLimit
	buckets   map[string]*bucket
	blocked   map[string]time.Time // bucket key -> end of the last Retry-After
	told      map[string]time.Time // bucket key -> when that Retry-After was answered
	grace     time.Duration        // Options.InFlightGrace
}

func newLimiter(scale float64, overrides map[string]RateLimit, grace time.Duration) *limiter {
	ov := make(map[string]RateLimit, len(overrides))
	for k, v := range overrides {
		ov[k] = v
	}
	return &limiter{scale: scale, overrides: ov, buckets: map[string]*bucket{}, blocked: map[string]time.Time{}, told: map[string]time.Time{}, grace: grace}
}

// lookup returns the bucket key for a call (the method, plus the channel for
// per-channel limits) and its limit; limited is false when the method has no
// token bucket. The key is used for Retry-After tracking either way.
func (l *limiter) lookup(method, channel string) (key string, lim RateLimit, limited bool) {
	lim, limited = l.overrides[method]
	if !limited {
		lim, limited = DefaultRateLimit(method)
	}
	key = method
	if limited && lim.PerChannel {
		key += "#" + channel
	}
	if !limited || lim.PerMinute <= 0 {
		return key, RateLimit{}, false
	}
	if lim.Burst < 1 {
		lim.Burst = 1
	}
	return key, lim, true
}

// early reports whether now falls inside a Retry-After announced for key.
func (l *limiter) early(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.grace <= 0 {
		return now.Before(l.blocked[key])
	}
	told, ok := l.told[key]
	return now.Before(l.blocked[key]) && ok && !now.Before(told.Add(l.grace))
}

// answered records when a 429 for key went out: from then on the client knows.
func (l *limiter) answered(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.told[key]; !ok {
		l.told[key] = at
	}
}

// blockLocked extends key's Retry-After to until; a new one (the last has ended) is
// not known to the client until it is answered.
func (l *limiter) blockLocked(key string, now, until time.Time) {
	if !now.Before(l.blocked[key]) {
		delete(l.told, key)
	}
	if until.After(l.blocked[key]) {
		l.blocked[key] = until
	}
}

// block makes key refuse calls until until (used by injected 429s).
func (l *limiter) block(key string, now, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.blockLocked(key, now, until)
}

// admit takes a token for key. When none is available it returns the exact
// wait until one will be, and remembers that wait for early-retry detection.
func (l *limiter) admit(key string, lim RateLimit, now time.Time) (allowed bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.blocked[key]; now.Before(until) {
		return false, until.Sub(now)
	}
	perSec := lim.PerMinute * l.scale / 60
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(lim.Burst), last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(float64(lim.Burst), b.tokens+elapsed*perSec)
		b.last = now
	}
	if b.tokens >= 1-tokenEpsilon {
		b.tokens = max(0, b.tokens-1)
		return true, 0
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) / perSec * float64(time.Second)))
	if wait < time.Millisecond {
		wait = time.Millisecond
	}
	l.blockLocked(key, now, now.Add(wait))
	return false, wait
}

package discordfake

import (
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RouteLimit is a bucket's allowance: Limit requests per Window.
type RouteLimit struct {
	Limit  int
	Window time.Duration
}

// Bucket names used in DefaultRouteLimits and Options.RouteLimits.
const (
	BucketMessageCreate       = "channel-message-create"
	BucketMessageEdit         = "channel-message-edit"
	BucketMessageRead         = "channel-message-read"
	BucketPins                = "channel-pins"
	BucketChannel             = "channel"
	BucketChannelNameTopic    = "channel-name-topic"
	BucketGuildChannels       = "guild-channels"
	BucketGuildChannelCreate  = "guild-channel-create"
	BucketUser                = "users-me"
	BucketDMCreate            = "dm-create"
	BucketGateway             = "gateway"
	BucketCommandsWrite       = "application-commands-write"
	BucketCommandsRead        = "application-commands-read"
	BucketInteractionCallback = "interaction-callback"
	BucketWebhook             = "webhook"
)

// DefaultRouteLimits returns the per-route allowances the fake enforces.
// Discord does not publish its numbers; these follow the values its headers
// commonly report (5 per 5 s per channel for messages) and its documented
// sub-limit of 2 name/topic changes per 10 minutes per channel.
func DefaultRouteLimits() map[string]RouteLimit {
	return map[string]RouteLimit{
		BucketMessageCreate:       {5, 5 * time.Second},
		BucketMessageEdit:         {5, 5 * time.Second},
		BucketMessageRead:         {5, 5 * time.Second},
		BucketPins:                {5, 5 * time.Second},
		BucketChannel:             {5, 5 * time.Second},
		BucketChannelNameTopic:    {2, 10 * time.Minute},
		BucketGuildChannels:       {5, 5 * time.Second},
		BucketGuildChannelCreate:  {5, 5 * time.Second},
		BucketUser:                {5, 5 * time.Second},
		BucketDMCreate:            {5, 5 * time.Second},
		BucketGateway:             {5, 5 * time.Second},
		BucketCommandsWrite:       {5, 20 * time.Second},
		BucketCommandsRead:        {5, 5 * time.Second},
		BucketInteractionCallback: {5, 1 * time.Second},
		BucketWebhook:             {5, 2 * time.Second},
	}
}

// earlyTolerance forgives retries that arrive this close to their
// retry_after: clients round Discord's millisecond value.
const earlyTolerance = 2 * time.Millisecond

// injectedGrace forgives calls of a bucket that arrive just after Chaos answered
// one of them 429: sent side by side before the bot could read that answer (its
// bucket's allowance not yet known), they were on the wire already. slackfake's
// InFlightGrace does the same.
const injectedGrace = 100 * time.Millisecond

// rateLimiter keeps fixed-window counters per bucket and for the global
// limit, using real (monotonic) time.
type rateLimiter struct {
	mu           sync.Mutex
	scale        float64
	rules        map[string]RouteLimit
	global       RouteLimit
	buckets      map[string]*window
	globalWindow window
	blocked      map[string]time.Time
	// injected is when Chaos answered a bucket 429: a call that arrives within
	// injectedGrace of it was already on the wire and is not counted early.
	injected      map[string]time.Time
	globalBlocked time.Time
	early         int
}

type window struct {
	count   int
	resetAt time.Time
}

// limitDecision is the outcome of admitting one request.
type limitDecision struct {
	allowed    bool
	global     bool
	hash       string
	limit      int
	remaining  int
	resetAt    time.Time
	resetAfter time.Duration
	retryAfter time.Duration
	early      bool
}

func newRateLimiter(scale float64, overrides map[string]RouteLimit, global RouteLimit) *rateLimiter {
	rules := DefaultRouteLimits()
	for k, v := range overrides {
		rules[k] = v
	}
	return &rateLimiter{
		scale:    scale,
		rules:    rules,
		global:   global,
		buckets:  map[string]*window{},
		blocked:  map[string]time.Time{},
		injected: map[string]time.Time{},
	}
}

func (l *rateLimiter) scaled(r RouteLimit) RouteLimit {
	w := time.Duration(float64(r.Window) * l.scale)
	if w < time.Millisecond {
		w = time.Millisecond
	}
	if r.Limit < 1 {
		r.Limit = 1
	}
	return RouteLimit{Limit: r.Limit, Window: w}
}

func bucketHash(rule string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(rule))
	return fmt.Sprintf("%016x", h.Sum64())
}

// ceilMS rounds d up to a whole millisecond, the precision Discord reports.
func ceilMS(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Millisecond
	}
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

// admit counts one request against rule's bucket for major (the route's major
// parameters) and, unless exemptGlobal, against the global limit.
func (l *rateLimiter) admit(rule, major string, exemptGlobal bool, now time.Time) limitDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := rule + "|" + major
	d := limitDecision{hash: bucketHash(rule)}
	if until, ok := l.blocked[key]; ok && now.Before(until.Add(-earlyTolerance)) &&
		!now.Before(l.injected[key].Add(injectedGrace)) {
		d.early = true
	}
	if !exemptGlobal && now.Before(l.globalBlocked.Add(-earlyTolerance)) {
		d.early = true
	}
	if d.early {
		l.early++
	}

	rl := l.scaled(l.rules[rule])
	w := l.buckets[key]
	if w == nil {
		w = &window{}
		l.buckets[key] = w
	}
	if !now.Before(w.resetAt) {
		w.count = 0
		w.resetAt = now.Add(rl.Window)
	}
	d.limit = rl.Limit
	d.resetAt = w.resetAt
	d.resetAfter = w.resetAt.Sub(now)

	if !exemptGlobal {
		g := l.scaled(l.global)
		gw := &l.globalWindow
		if !now.Before(gw.resetAt) {
			gw.count = 0
			gw.resetAt = now.Add(g.Window)
		}
		if gw.count >= g.Limit {
			d.global = true
			d.retryAfter = ceilMS(gw.resetAt.Sub(now))
			d.remaining = rl.Limit - w.count
			d.resetAfter = d.retryAfter
			if t := now.Add(d.retryAfter); t.After(l.globalBlocked) {
				l.globalBlocked = t
			}
			return d
		}
		gw.count++
	}

	if until, ok := l.blocked[key]; ok && now.Before(until.Add(-earlyTolerance)) {
		// Still inside a retry_after that was not the window's (a 429 injected by
		// Chaos): refused like any call that comes too soon.
		d.retryAfter = ceilMS(until.Sub(now))
		return d
	}
	if w.count >= rl.Limit {
		d.retryAfter = ceilMS(w.resetAt.Sub(now))
		l.blocked[key] = now.Add(d.retryAfter)
		return d
	}
	w.count++
	d.allowed = true
	d.remaining = rl.Limit - w.count
	return d
}

// setHeaders writes the X-RateLimit-* headers (and Retry-After on a 429).
func (d limitDecision) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(d.remaining, 0)))
	reset := float64(d.resetAt.UnixNano()) / 1e9
	if d.global {
		reset = float64(time.Now().Add(d.retryAfter).UnixNano()) / 1e9
	}
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(reset, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(ceilMS(d.resetAfter).Seconds(), 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", d.hash)
	if d.allowed {
		return
	}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(d.retryAfter.Seconds()))))
	if d.global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
	}
}

// rateLimitedBody is Discord's 429 body.
func (d limitDecision) body() map[string]any {
	return map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": d.retryAfter.Seconds(),
		"global":      d.global,
		"code":        0,
	}
}

func (l *rateLimiter) earlyRetries() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.early
}

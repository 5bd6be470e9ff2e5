package discord

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"mimbot/bot"
	"mimbot/mim"
)

// The global limit is 50 requests a second per bot. Tokens come at globalRate with
// bursts of globalBurst, so that no one-second window, wherever it starts, sees more
// than globalRate+globalBurst = 50 requests.
const (
	globalRate  = 40
	globalBurst = 10
)

// limiter keeps Discord's rate limits. Each route and major parameter (the channel,
// the guild, the interaction token) has a bucket whose allowance is learnt from the
// X-RateLimit-* headers of its last response; a 429 holds the bucket (or, for the
// global limit, every counted request) back for its retry_after. Requests of one
// bucket go out one at a time, so what the last response said is what the next one
// can count on.
//
// discordgo has a rate limiter too, but it sleeps without a context or a bound,
// retries a 429 for ever and does not pace the global limit, so the adapter makes its
// REST calls itself and only lets discordgo fetch the gateway URL.
type limiter struct {
	*bot.RateLimits
	global      *rate.Limiter
	globalUntil time.Time // no counted request before this (a global 429)
}

func newLimiter(clock mim.Clock) *limiter {
	return &limiter{
		RateLimits: bot.NewRateLimits(clock, func(string) *bot.RateBucket { return &bot.RateBucket{Turn: make(chan struct{}, 1)} }),
		global:     rate.NewLimiter(globalRate, globalBurst),
	}
}

func (l *limiter) bucket(key string, now time.Time) *bot.RateBucket {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	return l.BucketLocked(key, now)
}

// errBusy is the error of a request that could not go out before its deadline: the
// outbox relay tries the message again later.
func errBusy(route string, wait time.Duration) error {
	return mim.Errorf(mim.EUNAVAILABLE, "Discord's rate limit for %s leaves no room for %s; try again later", route, wait.Round(time.Millisecond))
}

// take waits until a request of route may go out in bucket key (and, when counted,
// within the global limit), or returns an EUNAVAILABLE error at once when that would
// be after deadline. done must be called with the response (nil header when there was
// none) to release the bucket.
func (l *limiter) take(ctx context.Context, route, key string, counted bool, deadline time.Time) (done func(h http.Header, status int, body []byte), err error) {
	b := l.bucket(key, l.Clock.Now())
	wait := time.NewTimer(deadline.Sub(l.Clock.Now()))
	select {
	case b.Turn <- struct{}{}:
		wait.Stop()
	case <-ctx.Done():
		wait.Stop()
		return nil, ctx.Err()
	case <-mim.Stopping(ctx): // as bot.Sleep: no new call from a stopping process
		wait.Stop()
		return nil, mim.ErrStopping
	case <-wait.C:
		return nil, errBusy(route, deadline.Sub(l.Clock.Now()))
	}
	release := func() { <-b.Turn }
	for {
		now := l.Clock.Now()
		l.Mu.Lock()
		var until time.Time
		if b.Known && b.Remaining <= 0 {
			if now.Before(b.ResetAt) {
				until = b.ResetAt
			} else {
				b.Remaining = max(b.Limit, 1)
			}
		}
		if b.Until.After(until) {
			until = b.Until
		}
		if counted && l.globalUntil.After(until) {
			until = l.globalUntil
		}
		l.Mu.Unlock()
		if !until.After(now) {
			break
		}
		if until.After(deadline) {
			release()
			return nil, errBusy(route, until.Sub(now))
		}
		if err := bot.Sleep(ctx, until.Sub(now)); err != nil {
			release()
			return nil, err
		}
	}
	if counted {
		now := l.Clock.Now()
		r := l.global.ReserveN(now, 1)
		d := r.DelayFrom(now)
		if now.Add(d).After(deadline) {
			r.CancelAt(now)
			release()
			return nil, errBusy("the global limit", d)
		}
		if err := bot.Sleep(ctx, d); err != nil {
			r.Cancel()
			release()
			return nil, err
		}
	}
	l.Mu.Lock()
	if b.Known {
		b.Remaining--
	}
	l.Mu.Unlock()
	return func(h http.Header, status int, body []byte) {
		l.learn(b, h, status, body)
		release()
	}, nil
}

// learn reads a response's rate-limit headers into b, and a 429's retry_after.
func (l *limiter) learn(b *bot.RateBucket, h http.Header, status int, body []byte) {
	if h == nil {
		return
	}
	now := l.Clock.Now()
	l.Mu.Lock()
	defer l.Mu.Unlock()
	limit, errL := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, errR := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	after, errA := seconds(h.Get("X-RateLimit-Reset-After"))
	if errL == nil && errR == nil && errA == nil {
		b.Limit, b.Remaining, b.ResetAt, b.Known = limit, remaining, now.Add(after), true
	}
	if status != http.StatusTooManyRequests {
		return
	}
	retry, global := retryAfter(h, body)
	if global {
		if t := now.Add(retry); t.After(l.globalUntil) {
			l.globalUntil = t
		}
		return
	}
	bot.HoldLocked(b, now.Add(retry))
}

// retryAfter reads how long a 429 asks to wait: the body's retry_after (seconds, with
// milliseconds), else the Retry-After header, else a second; and whether the global
// limit was hit.
func retryAfter(h http.Header, body []byte) (time.Duration, bool) {
	var rl struct {
		RetryAfter *float64 `json:"retry_after"`
		Global     bool     `json:"global"`
	}
	_ = json.Unmarshal(body, &rl)
	global := rl.Global || h.Get("X-RateLimit-Global") != "" || strings.EqualFold(h.Get("X-RateLimit-Scope"), "global")
	if rl.RetryAfter != nil && *rl.RetryAfter >= 0 {
		return time.Duration(math.Ceil(*rl.RetryAfter*1000)) * time.Millisecond, global
	}
	if d, err := seconds(h.Get("Retry-After")); err == nil {
		return d, global
	}
	return time.Second, global
}

// seconds parses a number of seconds such as "1.250".
func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	if f < 0 || f > 1e6 {
		return 0, strconv.ErrRange
	}
	return time.Duration(math.Ceil(f*1000)) * time.Millisecond, nil
}

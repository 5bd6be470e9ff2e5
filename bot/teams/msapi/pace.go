package msapi

import (
	"context"
	"strings"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// window is a limit Teams keeps per conversation: at most n calls in any span of per.
type window struct {
	n   int
	per time.Duration
}

// windows are the pace Teams enforces per conversation (POST activities and PUT
// updates count). Kept before each call, so that a 429 is the exception.
var windows = [...]window{{7, time.Second}, {60, 30 * time.Second}}

// margin is added to each window: a call counted when it leaves may reach Teams a
// little sooner after the one before it than it left (that one was slower on the
// way), and must still find the window past.
const margin = 50 * time.Millisecond

// keep is how many past calls a conversation remembers: enough for the widest window.
const keep = 60

// pace keeps Teams' per-conversation pace and Retry-After holds, in the shared
// bot.RateLimits buckets (one per conversation), and the order of calls on one
// conversation in bot.Lanes.
type pace struct {
	limits *bot.RateLimits
	lanes  *bot.Lanes
	scale  float64 // the windows' lengths are divided by it; guarded by limits.Mu
}

func newPace(clock mim.Clock) *pace {
	return &pace{
		limits: bot.NewRateLimits(clock, func(string) *bot.RateBucket { return &bot.RateBucket{} }),
		lanes:  bot.NewLanes(),
		scale:  1,
	}
}

// conversationKey is the conversation whose pace and order a call keeps: a thread
// (";messageid=...") is its channel's.
func conversationKey(serviceURL, conv string) string {
	if i := strings.Index(conv, ";"); i >= 0 {
		conv = conv[:i]
	}
	return strings.TrimRight(serviceURL, "/") + " " + conv
}

// wait waits until a call on key may go out within the windows and past any
// Retry-After, and counts it as sent. It returns an *errBusy at once when that would
// be after deadline. Calls on one key are made one at a time (the caller holds its
// lane), so the check and the count cannot be overtaken.
func (p *pace) wait(ctx context.Context, key string, deadline time.Time) error {
	for {
		now := p.limits.Clock.Now()
		p.limits.Mu.Lock()
		b := p.limits.BucketLocked(key, now)
		until := b.Until
		for _, w := range windows {
			if len(b.Sent) >= w.n {
				per := time.Duration(float64(w.per) / p.scale)
				if t := b.Sent[len(b.Sent)-w.n].Add(per + margin); t.After(until) {
					until = t
				}
			}
		}
		if !until.After(now) {
			b.Sent = append(b.Sent, now)
			if len(b.Sent) > keep {
				b.Sent = append(b.Sent[:0], b.Sent[len(b.Sent)-keep:]...)
			}
			p.limits.Mu.Unlock()
			return nil
		}
		p.limits.Mu.Unlock()
		if until.After(deadline) {
			return &errBusy{wait: until.Sub(now)}
		}
		if err := sleepUntil(ctx, p.limits.Clock, until); err != nil {
			return err
		}
	}
}

// hold keeps every call on key back until until (a Retry-After).
func (p *pace) hold(key string, until time.Time) {
	p.limits.Mu.Lock()
	defer p.limits.Mu.Unlock()
	bot.HoldLocked(p.limits.BucketLocked(key, p.limits.Clock.Now()), until)
}

package slack

import (
	"context"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"mimbot/bot"
	"mimbot/mim"
)

// tier is a Web API method's published rate limit: perMinute calls a minute, in
// bursts of up to burst; perChannel limits each channel apart (chat.postMessage).
type tier struct {
	perMinute  float64
	burst      int
	perChannel bool
}

// Slack's tiers (api.slack.com/apis/rate-limits): Tier 1 1+/min, Tier 2 20+/min,
// Tier 3 50+/min, Tier 4 100+/min; chat.postMessage one message a second per channel
// with short bursts.
var (
	tier1       = tier{perMinute: 1, burst: 1}
	tier2       = tier{perMinute: 20, burst: 20}
	tier3       = tier{perMinute: 50, burst: 50}
	tier4       = tier{perMinute: 100, burst: 100}
	postMessage = tier{perMinute: 60, burst: 3, perChannel: true}
)

// methodTier returns the tier of a Web API method, as its documentation lists it.
func methodTier(method string) tier {
	switch method {
	case "chat.postMessage":
		return postMessage
	case "apps.connections.open":
		return tier1
	case "conversations.create", "conversations.setTopic", "conversations.archive", "conversations.list", "pins.add", "pins.list", "bookmarks.add":
		return tier2
	case "conversations.invite", "conversations.info", "conversations.open", "conversations.history",
		"chat.update", "chat.delete", "reactions.get", "bookmarks.list", "users.lookupByEmail":
		return tier3
	}
	return tier4 // auth.test, chat.postEphemeral, views.open, users.info, files.*
}

// headroom keeps the pace a little under the published rate, and the burst one call
// short of it: Slack counts a call when it arrives, and a call that travelled faster
// than the one before it arrives sooner after it than it was sent. A 429 costs a whole
// second (Retry-After is in seconds); 5% of pace costs far less.
const headroom = 0.95

// limits holds one bot.RateBucket per method (per method and channel for
// chat.postMessage), paced by the method's tier, and the Retry-After Slack gave each.
type limits struct {
	*bot.RateLimits
}

func newLimits(scale float64, clock mim.Clock) *limits {
	return &limits{bot.NewRateLimits(clock, func(key string) *bot.RateBucket {
		method, _, _ := strings.Cut(key, "#")
		t := methodTier(method)
		return &bot.RateBucket{Pace: rate.NewLimiter(rate.Limit(t.perMinute*scale/60*headroom), max(1, t.burst-1))}
	})}
}

// key names the bucket of a call: the method, plus the channel for per-channel limits.
func (l *limits) key(method, channel string) string {
	if methodTier(method).perChannel {
		return method + "#" + channel
	}
	return method
}

// wait takes a token for a call, sleeping until the bucket allows it and any
// Retry-After has passed. When that would take longer than budget it takes nothing
// and returns an EUNAVAILABLE error at once. It returns how long it slept.
func (l *limits) wait(ctx context.Context, method, channel string, budget time.Duration) (time.Duration, error) {
	key := l.key(method, channel)
	now := l.Clock.Now()
	l.Mu.Lock()
	b := l.BucketLocked(key, now)
	// Tokens are taken from the end of a Retry-After on, so that the calls held back
	// go out at the method's pace, not all at once when it ends.
	r := b.Pace.ReserveN(later(now, b.Until), 1)
	d := r.DelayFrom(now)
	if !r.OK() || d > budget {
		r.CancelAt(now)
		l.Mu.Unlock()
		return 0, mim.Errorf(mim.EUNAVAILABLE, "Slack's rate limit for %s leaves no room for %s; try again later", method, d.Round(time.Second))
	}
	l.Mu.Unlock()
	slept := time.Duration(0)
	if d > 0 {
		if err := bot.Sleep(ctx, d); err != nil {
			r.Cancel()
			return d, err
		}
		slept = d
	}
	// A 429 may have come back for this bucket while this call waited for its token:
	// then it also waits for the end of that Retry-After, never going out inside it.
	for {
		now := l.Clock.Now()
		l.Mu.Lock()
		until := l.BucketLocked(key, now).Until
		l.Mu.Unlock()
		hold := until.Sub(now)
		if hold <= 0 {
			return slept, nil
		}
		if slept+hold > budget {
			return slept, mim.Errorf(mim.EUNAVAILABLE, "Slack asked to wait %s before calling %s again; try again later", hold.Round(time.Second), method)
		}
		if err := bot.Sleep(ctx, hold); err != nil {
			return slept, err
		}
		slept += hold
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// block keeps every call of the bucket back until until (a Retry-After).
func (l *limits) block(method, channel string, until time.Time) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	b := l.BucketLocked(l.key(method, channel), l.Clock.Now())
	bot.HoldLocked(b, until)
	// Slack's bucket is empty when it answers 429: so is ours, from the end of the wait.
	if n := int(b.Pace.TokensAt(until)); n > 0 {
		b.Pace.ReserveN(until, n)
	}
}

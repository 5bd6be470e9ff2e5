package teamsfake

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// window is a sliding-window limit: at most n calls in any span of length per.
type window struct {
	n   int
	per time.Duration
}

// Teams' pacing of a bot's messages per conversation: 7 per second and 60
// per 30 seconds (POST activities and PUT updates count).
var messageWindows = []window{{7, time.Second}, {60, 30 * time.Second}}

// channelCreateWindows is Graph's throttling of channel creation modelled by
// the fake: 30 per minute per team.
var channelCreateWindows = []window{{30, time.Minute}}

// pacer keeps sliding windows per key and the Retry-After last announced
// for each key, to refuse and count calls that come back too early.
type pacer struct {
	mu      sync.Mutex
	hits    map[string][]time.Time
	blocked map[string]time.Time // end of the last 429's Retry-After: calls before it are refused
	told    map[string]time.Time // end of the last other Retry-After (a 503's): calls before it are early
}

func newPacer() *pacer {
	return &pacer{hits: map[string][]time.Time{}, blocked: map[string]time.Time{}, told: map[string]time.Time{}}
}

func convKey(base string) string   { return "conv:" + base }
func createKey(team string) string { return "create:" + team }

// admit counts a call for key under the windows (their lengths divided by
// scale). Over a limit, or inside the Retry-After last announced for key, it
// refuses with the wait to announce, in whole seconds.
func (p *pacer) admit(key string, ws []window, scale float64, now time.Time) (ok bool, retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.blocked[key]; now.Before(until) {
		return false, until.Sub(now)
	}
	hits := p.hits[key]
	var longest time.Duration
	var wait time.Duration
	for _, w := range ws {
		per := time.Duration(float64(w.per) / scale)
		longest = max(longest, per)
		in := 0
		for _, h := range hits {
			if h.After(now.Add(-per)) {
				in++
			}
		}
		if in >= w.n {
			// The call may go when the n-th most recent hit leaves the window.
			wait = max(wait, hits[len(hits)-w.n].Add(per).Sub(now))
		}
	}
	if wait > 0 {
		announced := time.Duration(retryAfterSeconds(wait)) * time.Second
		p.blocked[key] = now.Add(announced)
		return false, announced
	}
	keep := hits[:0]
	for _, h := range hits {
		if h.After(now.Add(-longest)) {
			keep = append(keep, h)
		}
	}
	p.hits[key] = append(keep, now)
	return true, 0
}

// block remembers a Retry-After given for key by an injected fault: calls
// with that key before until count as early; after a 429, paced ones are
// refused too, as a real rate limit would.
func (p *pacer) block(key string, refuse bool, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.told
	if refuse {
		m = p.blocked
	}
	if until.After(m[key]) {
		m[key] = until
	}
}

// early reports whether a call with key comes inside a Retry-After announced for it.
func (p *pacer) early(key string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return now.Before(p.blocked[key]) || now.Before(p.told[key])
}

// callKey is what a Retry-After given to r applies to: the conversation or
// team for the calls Teams paces, else the same method and path.
func callKey(r *http.Request, team string) string {
	if k := pacedKey(r, team); k != "" {
		return k
	}
	return "call:" + r.Method + " " + r.URL.Path
}

// pacedKey returns the pacing key of a request that Teams paces: a message
// posted or updated (its conversation) or a channel created (its team).
func pacedKey(r *http.Request, team string) string {
	seg := segments(r)
	switch {
	case len(seg) >= 5 && seg[0] == "connector" && seg[1] == "v3" && seg[2] == "conversations" && seg[4] == "activities" &&
		(r.Method == http.MethodPost || r.Method == http.MethodPut):
		base, _ := splitConv(seg[3])
		return convKey(base)
	case len(seg) == 5 && seg[0] == "graph" && seg[2] == "teams" && seg[4] == "channels" && r.Method == http.MethodPost:
		return createKey(seg[3])
	}
	return ""
}

// segments splits the escaped path and unescapes each segment, so that a
// conversation id may carry escaped characters.
func segments(r *http.Request) []string {
	parts := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts
}

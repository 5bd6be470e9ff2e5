package bot

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"mimbot/mim"
)

// Outbound is the HTTP transport under a platform client (Slack, Discord,
// PagerDuty): it tells its Observer of every attempt, with the API method and the
// status code, and of every attempt made again after a 429, a 5xx or a network
// failure. Counting here, below the clients' own retry loops, counts each attempt
// once, whichever loop made it.
type Outbound struct {
	Platform string
	Base     http.RoundTripper // nil: http.DefaultTransport
	Observer mim.CallObserver  // nil: nothing is counted
}

// callKey is the context key of one API call (see Call).
type callKey struct{}

// call is one API call: its method, and the outcome of its last attempt.
type call struct {
	method string
	mu     sync.Mutex
	tried  bool
	last   int // status of the last attempt; 0: it got no answer
}

// Call returns ctx marked as the context of one call to API method (a Slack method
// such as chat.postMessage, a Discord route template such as
// POST /channels/{channel}/messages): every HTTP attempt made with it is counted
// under method, and each attempt after the first that follows a 429, a 5xx or a
// network failure is counted as a retry.
func Call(ctx context.Context, method string) context.Context {
	return context.WithValue(ctx, callKey{}, &call{method: method})
}

// RoundTrip sends r through Base and reports the attempt.
func (o *Outbound) RoundTrip(r *http.Request) (*http.Response, error) {
	base := o.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if o.Observer == nil {
		return base.RoundTrip(r)
	}
	c, _ := r.Context().Value(callKey{}).(*call)
	method := ""
	if c != nil {
		method = c.method
		c.mu.Lock()
		if c.tried {
			if reason := RetryReason(c.last); reason != "" {
				o.Observer.Retried(o.Platform, reason)
			}
		}
		c.mu.Unlock()
	} else {
		method = RequestMethod(r)
	}
	resp, err := base.RoundTrip(r)
	code := 0
	if err == nil {
		code = resp.StatusCode
	}
	o.Observer.Called(o.Platform, method, code)
	if c != nil {
		c.mu.Lock()
		c.tried, c.last = true, code
		c.mu.Unlock()
	}
	return resp, err
}

// RetryReason says why an attempt that ended with code (0: no answer) is made again:
// "429", "5xx" or "network"; "" when its outcome is no such reason (an answer the
// client read, which may itself ask for another attempt).
func RetryReason(code int) string {
	switch {
	case code == 0:
		return "network"
	case code == http.StatusTooManyRequests:
		return "429"
	case code >= 500:
		return "5xx"
	}
	return ""
}

// RequestMethod names a request made outside a Call (a library's own request, such
// as Socket Mode's apps.connections.open or the gateway URL): a Slack-style method
// (the last path element when it has a dot), else the HTTP method and the path with
// every element that could be an id or a token replaced by {id}. Labels must not
// carry ids: one series per channel or per interaction would never end.
func RequestMethod(r *http.Request) string {
	p := strings.Trim(r.URL.Path, "/")
	if p == "" {
		return r.Method + " /"
	}
	elems := strings.Split(p, "/")
	if last := elems[len(elems)-1]; strings.Contains(last, ".") && word(strings.ReplaceAll(last, ".", "")) {
		return last
	}
	for i, e := range elems {
		if !word(e) && !version(e) {
			elems[i] = "{id}"
		}
	}
	return r.Method + " /" + strings.Join(elems, "/")
}

// word tells whether s is a plain lowercase path word (channels, messages, @me):
// no digit, no capital, nothing long enough to be a token.
func word(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || c == '-' || c == '@') {
			return false
		}
	}
	return true
}

// version tells whether s is an API version such as v10.
func version(s string) bool {
	if len(s) < 2 || len(s) > 4 || s[0] != 'v' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

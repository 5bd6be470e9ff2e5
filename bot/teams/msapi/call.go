package msapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// maxResponse bounds what is read of an answer.
const maxResponse = 4 << 20

// maxLimited bounds the attempts of one call answered 429 or 503.
const maxLimited = 5

// maxRetryAfter is the longest Retry-After a call waits for; a longer one is
// returned to the caller (Temporary), which tries again later.
const maxRetryAfter = 60 * time.Second

// request is one API call.
type request struct {
	name   string // what the metrics transport counts it under: "POST /v3/conversations/{conv}/activities"
	method string
	url    string
	body   any    // JSON-encoded; nil: no body
	form   string // a form-encoded body instead (the token request)
	scope  string // the token's scope; "": no Authorization
	// idempotent calls are sent again after a 5xx other than 503 or a network
	// failure, which leave it unknown whether the API acted. A 429 or a 503 is
	// always tried again: the API did nothing.
	idempotent bool
	// before, when set, waits for the call's turn before every attempt (the
	// Connector's pacing); deadline bounds the wait.
	before func(ctx context.Context, deadline time.Time) error
	// held, when set, learns the end of a Retry-After (the Connector holds the
	// conversation back).
	held func(until time.Time)
}

// client makes the calls of one API: through hc, with tokens, timed by clock.
type client struct {
	hc     *http.Client
	tokens *Tokens
	clock  mim.Clock
}

func newClient(hc *http.Client, tokens *Tokens, clock mim.Clock) client {
	if hc == nil {
		hc = http.DefaultClient
	}
	if clock == nil {
		clock = mim.SystemClock{}
	}
	return client{hc: hc, tokens: tokens, clock: clock}
}

// do runs r, decoding a successful answer's JSON into out (when not nil). A 429 or a
// 503 waits its Retry-After and tries again (at most maxLimited times, within
// bot.MaxWait); a 401 drops the token and tries once more with a new one; failures
// of idempotent calls are tried again after bot.Backoff. The error names the call
// and wraps an *Error for the API's refusals.
func (c client) do(ctx context.Context, r request, out any) error {
	ctx = bot.Call(ctx, r.name) // the transport counts each attempt under the call's name
	fail := func(err error) error { return fmt.Errorf("msapi: %s: %w", r.name, err) }
	var body []byte
	ctype := ""
	switch {
	case r.body != nil:
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fail(err)
		}
		ctype = "application/json"
	case r.form != "":
		body, ctype = []byte(r.form), "application/x-www-form-urlencoded"
	}
	deadline := c.clock.Now().Add(bot.MaxWait)
	refreshed := false
	failures, limited := 0, 0
	for {
		token := ""
		if r.scope != "" {
			var err error
			if token, err = c.tokens.Token(ctx, r.scope); err != nil {
				return fail(err)
			}
		}
		// After the token: the pace counts the call when it leaves, not before a
		// token fetch that may take a while.
		if r.before != nil {
			if err := r.before(ctx, deadline); err != nil {
				return fail(err)
			}
		}
		status, h, resp, err := c.send(ctx, r, body, ctype, token)
		var pause time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !r.idempotent {
				return fail(err)
			}
			failures++
			pause = bot.Backoff(failures)
		case status < 300:
			if out == nil || len(resp) == 0 {
				return nil
			}
			if err := json.Unmarshal(resp, out); err != nil {
				return fail(fmt.Errorf("decode the answer: %w", err))
			}
			return nil
		case status == http.StatusUnauthorized && token != "" && !refreshed:
			// The token may have been revoked or rotated before its time: one more
			// try with a new one, no more (a second 401 is not the token's age).
			refreshed = true
			c.tokens.Forget(r.scope, token)
			continue
		case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
			e := decodeError(status, h, resp)
			err = e
			limited++
			pause = e.RetryAfter
			if pause <= 0 {
				pause = bot.Backoff(limited)
			}
			if r.held != nil {
				r.held(c.clock.Now().Add(pause))
			}
			if limited >= maxLimited || pause > maxRetryAfter {
				return fail(e)
			}
		case status >= 500:
			e := decodeError(status, h, resp)
			if !r.idempotent {
				return fail(e)
			}
			err = e
			failures++
			pause = bot.Backoff(failures)
		default:
			return fail(decodeError(status, h, resp))
		}
		if failures >= bot.MaxTries {
			return fail(err)
		}
		if c.clock.Now().Add(pause).After(deadline) {
			return fail(err) // Temporary: the caller tries again later
		}
		if err := sleepUntil(ctx, c.clock, c.clock.Now().Add(pause)); err != nil {
			return fail(err)
		}
	}
}

// send makes one HTTP request. A transport failure comes back as err.
func (c client) send(ctx context.Context, r request, body []byte, ctype, token string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, resp.Header, nil, err
	}
	return resp.StatusCode, resp.Header, data, nil
}

package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// apiBase is the root of every REST call; the transport rewrites its host.
const apiBase = "https://discord.com/api/v10"

// maxResponse bounds what is read of a response body.
const maxResponse = 8 << 20

// userAgent is what Discord asks bots to send.
const userAgent = "DiscordBot (https://github.com/mimbot, 1) mimbot"

// client makes the adapter's REST calls: with the bot token, within the rate limits,
// honouring 429s, retrying server and network failures, within a time budget.
type client struct {
	http   *http.Client
	token  string
	limits *limiter
	clock  mim.Clock
	log    *slog.Logger
}

// call is one REST request.
type call struct {
	method string
	path   string // after /api/v10, e.g. /channels/123/messages
	// route names the endpoint in logs and errors, and with major it is the rate-limit
	// bucket: "POST /channels/{channel}/messages".
	route string
	major string
	body  any // JSON-encoded; nil: no body
	// raw and contentType replace body (multipart uploads).
	raw         []byte
	contentType string
	// idempotent calls may be sent again after a failure that leaves it unknown
	// whether Discord acted (5xx, a dropped connection). A 429 is always retried: it
	// means Discord did nothing.
	idempotent bool
	// interaction calls (callbacks, the interaction webhook) are authorised by their
	// token and do not count against the global limit.
	interaction bool
	budget      time.Duration // default bot.MaxWait
}

// apiError is Discord's answer to a call that failed.
type apiError struct {
	Status  int
	Code    int // Discord's JSON error code (10003 Unknown Channel...), 0 when none
	Message string
	Detail  string // the first field errors of a 50035 Invalid Form Body
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Message != "" {
		s += " " + e.Message
	}
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// callError is a REST call that failed. It unwraps to the cause (an *apiError for
// Discord's refusals) and, when the failure is classified, to a *mim.Error whose code
// tells the outbox relay what to do: EINVALID (never retried) or EUNAVAILABLE.
type callError struct {
	route string
	err   error
	code  string
}

func (e *callError) Error() string { return e.route + ": " + e.err.Error() }

func (e *callError) Unwrap() []error {
	if e.code == "" {
		return []error{e.err}
	}
	return []error{e.err, &mim.Error{Code: e.code, Message: "Discord " + e.route + ": " + e.err.Error()}}
}

// do runs c, decoding a successful response's JSON into out (when not nil).
func (cl *client) do(ctx context.Context, c call, out any) error {
	ctx = bot.Call(ctx, c.route) // the transport counts each attempt under the route
	body := c.raw
	ctype := c.contentType
	if body == nil && c.body != nil {
		var err error
		if body, err = json.Marshal(c.body); err != nil {
			return &callError{route: c.route, err: err, code: mim.EINVALID}
		}
		ctype = "application/json"
	}
	budget := c.budget
	if budget <= 0 {
		budget = bot.MaxWait
	}
	deadline := cl.clock.Now().Add(budget)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	key := c.route + "|" + c.major
	failures, limited := 0, 0
	for {
		done, err := cl.limits.take(ctx, c.route, key, !c.interaction, deadline)
		if err != nil {
			return &callError{route: c.route, err: err, code: mim.EUNAVAILABLE}
		}
		status, h, resp, err := cl.send(ctx, c, body, ctype)
		done(h, status, resp)
		var pause time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !c.idempotent {
				return &callError{route: c.route, err: err, code: mim.EUNAVAILABLE}
			}
			failures++
			pause = bot.Backoff(failures)
		case status < 300:
			if out == nil || len(resp) == 0 {
				return nil
			}
			if err := json.Unmarshal(resp, out); err != nil {
				return &callError{route: c.route, err: fmt.Errorf("decode the answer: %w", err)}
			}
			return nil
		case status == http.StatusTooManyRequests:
			limited++
			retry, global := retryAfter(h, resp)
			cl.log.Warn("discord: rate limited", "method", c.route, "retry_after", retry, "global", global)
			if limited >= bot.MaxRateLimited {
				return &callError{route: c.route, err: decodeError(status, resp), code: mim.EUNAVAILABLE}
			}
			continue // take waits for the retry_after
		case status >= 500:
			if !c.idempotent {
				return &callError{route: c.route, err: decodeError(status, resp), code: mim.EUNAVAILABLE}
			}
			failures++
			pause = bot.Backoff(failures)
			err = decodeError(status, resp)
		default:
			e := decodeError(status, resp)
			return &callError{route: c.route, err: e, code: classify(e)}
		}
		if failures >= bot.MaxTries || cl.clock.Now().Add(pause).After(deadline) {
			return &callError{route: c.route, err: err, code: mim.EUNAVAILABLE}
		}
		cl.log.Debug("discord: retrying", "method", c.route, "after", pause, "err", err)
		if err := bot.Sleep(ctx, pause); err != nil {
			return &callError{route: c.route, err: err, code: mim.EUNAVAILABLE}
		}
	}
}

// send makes one HTTP request. A transport failure comes back as err.
func (cl *client) send(ctx context.Context, c call, body []byte, ctype string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, apiBase+c.path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if !c.interaction {
		req.Header.Set("Authorization", "Bot "+cl.token)
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := cl.http.Do(req)
	if err != nil {
		// The URL may hold an interaction token: keep it out of errors and logs.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, resp.Header, nil, err
	}
	return resp.StatusCode, resp.Header, data, nil
}

// decodeError reads Discord's error body ({code, message, errors}).
func decodeError(status int, body []byte) *apiError {
	e := &apiError{Status: status}
	var b struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Message = b.Code, b.Message
		e.Detail = formErrors(b.Errors, 3)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// formErrors flattens the nested errors of a 50035 Invalid Form Body into at most n
// "path: message" items.
func formErrors(raw json.RawMessage, n int) string {
	if len(raw) == 0 {
		return ""
	}
	var tree map[string]any
	if json.Unmarshal(raw, &tree) != nil {
		return ""
	}
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if list, ok := m["_errors"].([]any); ok {
			for _, item := range list {
				if e, ok := item.(map[string]any); ok {
					out = append(out, fmt.Sprintf("%s: %v", strings.TrimPrefix(path, "."), e["message"]))
				}
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			if k != "_errors" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(path+"."+k, m[k])
		}
	}
	walk("", tree)
	if len(out) > n {
		out = out[:n]
	}
	return strings.Join(out, "; ")
}

// classify tells what a refusal means for the relay: a request Discord will never
// accept (unknown channel, missing access, invalid form body...) is EINVALID; a bad
// token or a timeout is worth trying again once someone fixed it.
func classify(e *apiError) string {
	switch {
	case e.Status == http.StatusUnauthorized, e.Status == http.StatusRequestTimeout:
		return mim.EUNAVAILABLE
	case e.Status >= 400 && e.Status < 500:
		return mim.EINVALID
	}
	return mim.EUNAVAILABLE
}

// Discord error codes the adapter reacts to.
const (
	codeUnknownChannel      = 10003
	codeUnknownMessage      = 10008
	codeAlreadyAcknowledged = 40060
	codeInvalidForm         = 50035
	codeMaxGuildChannels    = 30013 // a guild holds at most 500 channels
)

// discordCode returns Discord's error code in err, or 0.
func discordCode(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// statusOf returns the HTTP status of Discord's refusal in err, or 0.
func statusOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

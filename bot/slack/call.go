package slack

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"time"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// refusals are Slack error codes that the same call will never get past: the relay
// gives up on the message instead of retrying it for an hour.
var refusals = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "channel_is_archived": true,
	"msg_too_long": true, "no_text": true, "invalid_blocks": true, "invalid_blocks_format": true,
	"too_many_attachments": true, "cant_update_message": true, "message_not_found": true,
	"user_not_found": true, "user_not_in_channel": true, "users_not_found": true, "invalid_arguments": true,
	"invalid_name": true, "invalid_name_required": true, "invalid_name_maxlength": true,
	"invalid_name_specials": true, "invalid_name_punctuation": true, "name_taken": true,
	"invalid_link": true, "invalid_bookmark_type": true, "invalid_emoji": true, "too_long": true,
	"method_not_supported_for_channel_type": true, "restricted_action": true, "missing_scope": true,
	"cannot_dm_bot": true, "user_disabled": true, "bad_timestamp": true, "no_item_specified": true,
	"already_pinned": true, "too_many_pins": true, "expired_trigger_id": true, "exchanged_trigger_id": true,
	"invalid_trigger_id": true, "cant_invite_self": true, "cant_invite": true, "no_user": true,
	"unknown_method": true, "file_not_found": true, "invalid_ts_latest": true,
}

// transients are Slack error codes that a later attempt may get past.
var transients = map[string]bool{
	"ratelimited": true, "internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true,
}

// callError is a Web API call that failed. It unwraps to slack-go's error (for the
// Slack error code) and, when the failure is classified, to a *mim.Error whose code
// tells the outbox relay what to do.
type callError struct {
	method string
	err    error
	code   string // mim.EINVALID, mim.EUNAVAILABLE or "" (retried with backoff)
}

func (e *callError) Error() string { return e.method + ": " + e.err.Error() }

func (e *callError) Unwrap() []error {
	if e.code == "" {
		return []error{e.err}
	}
	return []error{e.err, &mim.Error{Code: e.code, Message: "Slack " + e.method + ": " + e.err.Error()}}
}

// call runs one Web API call: it waits for the method's rate limit (per channel for
// chat.postMessage), then calls fn, honouring Retry-After and retrying server and
// network failures, within bot.MaxWait in total.
func (a *Adapter) call(ctx context.Context, method, channel string, fn func(ctx context.Context) error) error {
	ctx = bot.Call(ctx, method) // the transport counts each attempt under method
	var waited time.Duration
	failures, limited := 0, 0
	for {
		d, err := a.limits.wait(ctx, method, channel, bot.MaxWait-waited)
		waited += d
		if err != nil {
			return &callError{method: method, err: err, code: codeOf(err)}
		}
		err = fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return &callError{method: method, err: err, code: mim.EUNAVAILABLE}
		}
		var pause time.Duration
		var rl *slackapi.RateLimitedError
		switch {
		case errors.As(err, &rl):
			limited++
			pause = max(rl.RetryAfter, time.Second)
			a.limits.block(method, channel, a.clock.Now().Add(pause))
			a.log.Warn("slack: rate limited", "method", method, "retry_after", pause)
			if limited >= bot.MaxRateLimited {
				return &callError{method: method, err: err, code: mim.EUNAVAILABLE}
			}
		case transient(err):
			failures++
			if failures >= bot.MaxTries {
				return &callError{method: method, err: err, code: mim.EUNAVAILABLE}
			}
			pause = bot.Backoff(failures)
		default:
			code := ""
			if refusals[slackCode(err)] {
				code = mim.EINVALID
			}
			return &callError{method: method, err: err, code: code}
		}
		if waited+pause > bot.MaxWait {
			return &callError{method: method, err: err, code: mim.EUNAVAILABLE}
		}
		if err := bot.Sleep(ctx, pause); err != nil {
			return &callError{method: method, err: err, code: mim.EUNAVAILABLE}
		}
		waited += pause
	}
}

// transient tells whether a later attempt of the same call may succeed: a 5xx, a
// network failure, or one of Slack's transient error codes.
func transient(err error) bool {
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500
	}
	if transients[slackCode(err)] {
		return true
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// slackCode returns the Slack error code in err ("channel_not_found"), or "".
func slackCode(err error) string {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// codeOf returns the mim error code in err's chain, or "".
func codeOf(err error) string {
	var e *mim.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

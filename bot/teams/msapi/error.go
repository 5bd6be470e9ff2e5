package msapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mimbot/mim"
)

// Error is an error answer from either API.
type Error struct {
	Status     int
	Code       string // the API's code: "NameAlreadyExists", "ConversationNotFound", "invalid_client"...
	Message    string
	RetryAfter time.Duration // the answer's Retry-After; 0 when none
}

func (e *Error) Error() string {
	s := "HTTP " + strconv.Itoa(e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Is makes errors.Is(err, ErrNameTaken) hold for Graph's NameAlreadyExists.
func (e *Error) Is(target error) bool {
	return target == ErrNameTaken && e.Code == codeNameTaken
}

// Graph's code for a channel name already used in the team.
const codeNameTaken = "NameAlreadyExists"

// ErrNameTaken is Graph's NameAlreadyExists: another channel of the team has the name
// (compared without case; a deleted channel keeps its name for a while). errors.Is
// holds for the *Error of such an answer.
var ErrNameTaken = errors.New("msapi: channel name already taken")

// ErrNotInstalled is a 403 creating a personal conversation: the user has not
// installed the app, so the bot may not write to them.
var ErrNotInstalled = errors.New("msapi: the app is not installed for the user")

// errBusy is the error of a call that could not go out within its time budget, held
// back by the pace or a Retry-After for wait more: the caller tries again later.
type errBusy struct {
	wait time.Duration
}

func (e *errBusy) Error() string {
	return fmt.Sprintf("held back by the rate limit for %s more; try again later", e.wait.Round(time.Millisecond))
}

// Temporary reports whether the call may succeed later: a 429, a 5xx, a 408, a
// network failure, a wait that did not fit in the call's time budget, a context
// that ended or a stopping process.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
	}
	var busy *errBusy
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &busy) || errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, mim.ErrStopping)
}

// Code returns the mim error code of err, for the adapter to tell the outbox relay
// and the user what happened:
//   - "" for nil;
//   - the code of a *mim.Error in the chain (ChannelByName's ENOTFOUND);
//   - mim.ECONFLICT for ErrNameTaken (the caller numbers the name and tries again);
//   - mim.EINVALID for ErrNotInstalled and for any other 4xx that the same call will
//     never get past (400 bad request, 403, 404 conversation or activity not found,
//     413 message too big): the relay gives the message up;
//   - mim.EUNAVAILABLE for what may work later (Temporary), and for a 401: a token
//     refused twice, or credentials refused (invalid_client), which work again once
//     someone fixes TEAMS_APP_PASSWORD;
//   - mim.EINTERNAL otherwise (an answer that could not be read).
func Code(err error) string {
	if err == nil {
		return ""
	}
	var me *mim.Error
	switch {
	case errors.As(err, &me):
		return me.Code
	case errors.Is(err, ErrNameTaken):
		return mim.ECONFLICT
	case errors.Is(err, ErrNotInstalled):
		return mim.EINVALID
	case Temporary(err):
		return mim.EUNAVAILABLE
	}
	var e *Error
	if errors.As(err, &e) {
		switch {
		case e.Status == http.StatusUnauthorized:
			return mim.EUNAVAILABLE
		case e.Status >= 400 && e.Status < 500:
			return mim.EINVALID
		}
	}
	return mim.EINTERNAL
}

// decodeError reads an error answer: {"error":{"code","message"}} from the Connector
// and Graph, {"error","error_description"} from the token service.
func decodeError(status int, h http.Header, body []byte) *Error {
	e := &Error{Status: status, RetryAfter: retryAfter(h)}
	var b struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(body, &b) == nil && len(b.Error) > 0 {
		var inner struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(b.Error, &inner) == nil {
			e.Code, e.Message = inner.Code, inner.Message
		} else {
			_ = json.Unmarshal(b.Error, &e.Code)
			e.Message = b.Description
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// retryAfter reads a Retry-After header in seconds (fractions allowed, as both APIs
// send seconds); 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	s := strings.TrimSpace(h.Get("Retry-After"))
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e6 || math.IsNaN(f) {
		return 0
	}
	return time.Duration(math.Ceil(f*1000)) * time.Millisecond
}

package mim

import (
	"errors"
	"fmt"
)

// Error codes. A chat user sees the message of an *Error; the code decides how an
// adapter reacts (HTTP status, retry, "try again").
const (
	EINVALID     = "invalid"     // the request is wrong; the message says what would work
	ENOTFOUND    = "not_found"   // no such incident, person, task...
	EFORBIDDEN   = "forbidden"   // the actor may not do this; the message says who may
	ECONFLICT    = "conflict"    // the state does not allow it (e.g. close before resolve)
	EUNAVAILABLE = "unavailable" // a dependency is down; try again
	EINTERNAL    = "internal"
)

// Error is a domain error whose Message is safe and useful to show a chat user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns what a chat user may read about err: the message of a domain
// error, or a generic sentence that leaks nothing of the internals.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side; nothing was changed. Please try again in a moment."
}

// ErrStale is returned by a store when a claimed timer or message was completed or
// rescheduled by someone else in the meantime; the caller drops its work.
var ErrStale = errors.New("stale: changed by another worker")

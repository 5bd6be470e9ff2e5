package msapi

import (
	"errors"
	"time"

	"mimbot/mim"
)

// Error is an error answer from either API.
type Error struct {
	Status     int
	Code       string // the API's code: "NameAlreadyExists", "ConversationNotFound"...
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return "not implemented" }

// ErrNameTaken is Graph's NameAlreadyExists: another channel of the team has the name
// (compared without case; a deleted channel keeps its name for a while).
var ErrNameTaken = errors.New("msapi: channel name already taken")

// ErrNotInstalled is a 403 creating a personal conversation: the user has not
// installed the app.
var ErrNotInstalled = errors.New("msapi: the app is not installed for the user")

// Temporary reports whether the call may succeed later (429, 5xx, network).
func Temporary(err error) bool { return false }

// Code returns the mim error code for err.
func Code(err error) string { return mim.EINTERNAL }

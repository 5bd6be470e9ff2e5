package msapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"mimbot/mim"
)

func TestCode(t *testing.T) {
	wrap := func(e error) error { return fmt.Errorf("msapi: POST x: %w", e) }
	tests := []struct {
		name      string
		err       error
		code      string
		temporary bool
	}{
		{"nil", nil, "", false},
		{"throttled", wrap(&Error{Status: 429, Code: "TooManyRequests"}), mim.EUNAVAILABLE, true},
		{"unavailable", wrap(&Error{Status: 503}), mim.EUNAVAILABLE, true},
		{"server error", wrap(&Error{Status: 500}), mim.EUNAVAILABLE, true},
		{"network", wrap(&url.Error{Op: "Post", URL: "x", Err: io.ErrUnexpectedEOF}), mim.EUNAVAILABLE, true},
		{"context ended", wrap(context.DeadlineExceeded), mim.EUNAVAILABLE, true},
		{"stopping", wrap(mim.ErrStopping), mim.EUNAVAILABLE, true},
		{"paced past the budget", wrap(&errBusy{wait: time.Minute}), mim.EUNAVAILABLE, true},
		{"token refused", wrap(&Error{Status: 401, Code: "invalid_client"}), mim.EUNAVAILABLE, false},
		{"too big", wrap(&Error{Status: 413, Code: "MessageSizeTooBig"}), mim.EINVALID, false},
		{"no such conversation", wrap(&Error{Status: 404, Code: "ConversationNotFound"}), mim.EINVALID, false},
		{"bad name", wrap(&Error{Status: 400, Code: "BadRequest"}), mim.EINVALID, false},
		{"name taken", wrap(&Error{Status: 400, Code: "NameAlreadyExists"}), mim.ECONFLICT, false},
		{"not installed", fmt.Errorf("x: %w: %w", ErrNotInstalled, &Error{Status: 403}), mim.EINVALID, false},
		{"domain error", mim.Errorf(mim.ENOTFOUND, "none"), mim.ENOTFOUND, false},
		{"unreadable answer", errors.New("decode the answer: bad"), mim.EINTERNAL, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Code(tt.err); got != tt.code {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
			if got := Temporary(tt.err); got != tt.temporary {
				t.Errorf("Temporary = %v, want %v", got, tt.temporary)
			}
		})
	}
}

func TestDecodeError(t *testing.T) {
	h := http.Header{"Retry-After": {"2.5"}}
	e := decodeError(429, h, []byte(`{"error":{"code":"TooManyRequests","message":"slow"}}`))
	if e.Code != "TooManyRequests" || e.Message != "slow" || e.RetryAfter != 2500*time.Millisecond {
		t.Errorf("connector error = %+v", e)
	}
	e = decodeError(401, nil, []byte(`{"error":"invalid_client","error_description":"AADSTS7000215"}`))
	if e.Code != "invalid_client" || e.Message != "AADSTS7000215" {
		t.Errorf("token error = %+v", e)
	}
	e = decodeError(502, nil, []byte(`<html>bad gateway</html>`))
	if e.Status != 502 || e.Message != "Bad Gateway" {
		t.Errorf("unreadable error = %+v", e)
	}
}

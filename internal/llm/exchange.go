package llm

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxReplyBytes bounds an HTTP response body. A draft of 4 x 8 statements under
// 400 characters fits in a tenth of it, so anything larger is not a draft.
const maxReplyBytes = 64 << 10

// errTooLarge is what reading a response body beyond maxReplyBytes returns.
var errTooLarge = errors.New("llm: response body larger than 64 KiB")

// exchange is the HTTP side of one attempt, given to go-openai as its HTTP client. It
// bounds the response body and keeps what go-openai's errors leave out: whether a
// request went out, the status and the Retry-After of the answer.
type exchange struct {
	client *http.Client

	sent          bool
	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
}

// Do sends req with the configured client.
func (x *exchange) Do(req *http.Request) (*http.Response, error) {
	x.sent = true
	resp, err := x.client.Do(req)
	if err != nil {
		return nil, err
	}
	x.status = resp.StatusCode
	x.retryAfter, x.hasRetryAfter = retryAfter(resp.Header, time.Now())
	resp.Body = &cappedBody{body: resp.Body, left: maxReplyBytes}
	return resp, nil
}

// retryAfter reads how long the server asks to wait: OpenAI's retry-after-ms, more
// precise, or else Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// cappedBody fails with errTooLarge once more than left bytes have been read, rather
// than cut the body silently: a cut reply must not pass for a complete one.
type cappedBody struct {
	body io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Read one byte more to tell a body of exactly the limit from a longer one.
		var probe [1]byte
		n, err := b.body.Read(probe[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	return b.body.Close()
}

package llmfake

import (
	"net/http"
	"strconv"
	"time"
)

// Finish reasons the fake reports.
const (
	FinishStop   = "stop"
	FinishLength = "length"
)

// Rate-limit figures reported in x-ratelimit-* headers by RateLimited.
const (
	rateLimitRequests = 60
	rateLimitTokens   = 150000
)

// Behaviour scripts how the server answers one accepted chat request.
// The zero value replies with empty content and finish_reason "stop".
//
// Fields are applied in this order: Delay, then Status (an error answer),
// then Malformed, then EmptyChoices, then a normal reply with Content and
// FinishReason. Header and RetryAfter are sent with every kind of answer.
type Behaviour struct {
	// Content is the assistant message content, JSON or any text.
	Content string
	// FinishReason reported with the reply; empty means "stop".
	FinishReason string
	// Delay before answering. The wait ends early, without an answer, when
	// the client goes away or the server is closed.
	Delay time.Duration
	// Status, when 400 or above, makes the server answer with that status
	// and an OpenAI error body instead of a completion.
	Status int
	// Error is the error body sent with Status. A zero Error selects what
	// the real API sends for that status (for 429, a rate_limit_exceeded
	// error naming the requested model).
	Error APIError
	// RetryAfter, when positive, is sent as Retry-After (whole seconds,
	// rounded up) and retry-after-ms.
	RetryAfter time.Duration
	// Header holds extra response headers.
	Header http.Header
	// Malformed answers 200 with a completion body cut off halfway, so it
	// is not valid JSON. For streams, one chunk is cut off and the stream
	// ends without [DONE].
	Malformed bool
	// EmptyChoices answers 200 with "choices": [].
	EmptyChoices bool
}

// Reply answers with content as the assistant message, finish_reason "stop".
func Reply(content string) Behaviour {
	return Behaviour{Content: content}
}

// ReplyTruncated answers with content and finish_reason "length", as when the
// model runs out of output tokens.
func ReplyTruncated(content string) Behaviour {
	return Behaviour{Content: content, FinishReason: FinishLength}
}

// RateLimited answers 429 with OpenAI's rate_limit_exceeded error, a
// Retry-After of retryAfter and x-ratelimit-* headers reporting no remaining
// requests until retryAfter has passed.
func RateLimited(retryAfter time.Duration) Behaviour {
	reset := retryAfter.String()
	h := http.Header{}
	h.Set("x-ratelimit-limit-requests", strconv.Itoa(rateLimitRequests))
	h.Set("x-ratelimit-remaining-requests", "0")
	h.Set("x-ratelimit-reset-requests", reset)
	h.Set("x-ratelimit-limit-tokens", strconv.Itoa(rateLimitTokens))
	h.Set("x-ratelimit-remaining-tokens", strconv.Itoa(rateLimitTokens))
	h.Set("x-ratelimit-reset-tokens", "0s")
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Header: h}
}

// ServerError answers with status (typically 500, 502 or 503) and the error
// body the real API sends with it.
func ServerError(status int) Behaviour {
	return Behaviour{Status: status}
}

// MalformedJSON answers 200 with a truncated, unparsable body.
func MalformedJSON() Behaviour {
	return Behaviour{Malformed: true}
}

// NoChoices answers 200 with an empty choices list.
func NoChoices() Behaviour {
	return Behaviour{EmptyChoices: true}
}

// WithDelay returns a copy of b that waits d before answering.
func (b Behaviour) WithDelay(d time.Duration) Behaviour {
	b.Delay = d
	return b
}

// clone copies b so the queue never shares a Header map with the caller.
func (b Behaviour) clone() Behaviour {
	b.Header = b.Header.Clone()
	return b
}

func (b Behaviour) finishReason() string {
	if b.FinishReason == "" {
		return FinishStop
	}
	return b.FinishReason
}

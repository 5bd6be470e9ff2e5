package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"

	"mimbot/mim"
)

// maxLoggedCauseRunes bounds the cause of a failure in the log: an error body may
// echo a large part of the request.
const maxLoggedCauseRunes = 300

// failure is an error of Draft. Its message is a sentence for the summary note; it
// unwraps to a *mim.Error with the same message, so mim.ErrorMessage shows it, and to
// its cause, for the log and errors.Is.
type failure struct {
	domain *mim.Error
	cause  error
}

func (f *failure) Error() string { return f.domain.Message }

func (f *failure) Unwrap() []error {
	if f.cause == nil {
		return []error{f.domain}
	}
	return []error{f.domain, f.cause}
}

func fail(code string, cause error, format string, args ...any) error {
	return &failure{domain: mim.Errorf(code, format, args...), cause: cause}
}

// explain turns an error of complete into a failure saying what happened. ctx is the
// draft's context, budget the time it had.
func (s *Summarizer) explain(ctx context.Context, err error, c call, budget time.Duration) error {
	var reqErr *openai.RequestError
	var apiErr *openai.APIError
	switch {
	case errors.Is(err, errTooLarge):
		return fail(mim.EINTERNAL, err, "the LLM answered more than 64 KiB")
	case c.last.status >= http.StatusBadRequest && (errors.As(err, &apiErr) || errors.As(err, &reqErr)):
		return s.explainStatus(err, c, apiErr)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fail(mim.EUNAVAILABLE, err, "the LLM did not answer within %s", roundDuration(budget))
	case ctx.Err() != nil:
		return fail(mim.EUNAVAILABLE, err, "the LLM draft was cancelled")
	case !c.last.sent:
		// go-openai refused to build the request, e.g. for a model it knows cannot chat.
		return fail(mim.EINTERNAL, err, "the LLM request was not sent: %v", err)
	case c.last.status == 0:
		return fail(mim.EUNAVAILABLE, err, "the LLM server at %s could not be reached", s.host)
	}
	return fail(mim.EINTERNAL, err, "the LLM server sent a response that is not valid JSON")
}

// explainStatus explains an HTTP error status; apiErr is the decoded error body, if
// there was one.
func (s *Summarizer) explainStatus(err error, c call, apiErr *openai.APIError) error {
	status := c.last.status
	what := fmt.Sprintf("%d %s", status, strings.ToLower(http.StatusText(status)))
	switch status {
	case http.StatusTooManyRequests:
		what = "429 rate limited"
	case http.StatusUnauthorized:
		what = "401 the API key was not accepted"
	case http.StatusNotFound:
		what = fmt.Sprintf("404 not found (is the model %q served at %s?)", s.cfg.Model, s.host)
	}
	if apiErr != nil {
		if code, ok := apiErr.Code.(string); ok && code != "" && !strings.Contains(what, code) {
			what += " (" + clip(code, 60) + ")"
		}
	}
	code := mim.EINTERNAL
	if retryable(status) {
		code = mim.EUNAVAILABLE
	}
	verb := "refused the request"
	if status >= http.StatusInternalServerError {
		verb = "failed"
	}
	switch {
	case c.skipped > 0:
		return fail(code, err, "the LLM server %s: %s, and asked to wait %s, longer than the time left",
			verb, what, roundDuration(c.skipped))
	case c.attempts > 1:
		return fail(code, err, "the LLM server %s: %s, again after one retry", verb, what)
	}
	return fail(code, err, "the LLM server %s: %s", verb, what)
}

// roundDuration rounds d for a person: 30s, 1m30s, 200ms.
func roundDuration(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

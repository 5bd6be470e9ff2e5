package pagerduty

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	pdapi "github.com/PagerDuty/go-pagerduty"

	"mimbot/mim"
)

// failure turns what go-pagerduty returned into an error the relay acts on: retried
// later (EUNAVAILABLE) or given up on and logged (EINVALID). The message never holds
// the routing key.
func failure(err error, action, tower, routingKey string) *mim.Error {
	var api pdapi.APIError
	if !errors.As(err, &api) {
		// No answer (network, timeout, shutdown) or one that was not JSON: trying
		// again is safe, PagerDuty deduplicates by dedup key.
		return mim.Errorf(mim.EUNAVAILABLE, "PagerDuty could not be reached for the %s of the %s tower; will retry: %s", action, tower, redact(err.Error(), routingKey))
	}
	switch code := api.StatusCode; {
	case code == http.StatusBadRequest:
		return mim.Errorf(mim.EINVALID, "PagerDuty refused the %s event of the %s tower: %s", action, tower, redact(reasons(api), routingKey))
	case code == http.StatusTooManyRequests:
		return mim.Errorf(mim.EUNAVAILABLE, "PagerDuty is throttling events of the %s tower (429); the %s will be retried", tower, action)
	case code == http.StatusRequestTimeout || code >= 500:
		return mim.Errorf(mim.EUNAVAILABLE, "PagerDuty answered %d %s to the %s of the %s tower; will retry", code, http.StatusText(code), action, tower)
	default:
		// 401, 403, 404, 413...: sending the same event again will not help.
		return mim.Errorf(mim.EINVALID, "PagerDuty answered %d %s to the %s event of the %s tower: check PAGERDUTY_EVENTS_URL", code, http.StatusText(code), action, tower)
	}
}

// reasons is what PagerDuty said was wrong with an event.
func reasons(api pdapi.APIError) string {
	o := api.APIError.ErrorObject
	switch {
	case !api.APIError.Valid:
		return "no reason given (400)"
	case len(o.Errors) > 0:
		return strings.Join(o.Errors, "; ")
	case o.Message != "":
		return o.Message
	}
	return "no reason given (400)"
}

// redact blanks the routing key out of text a library wrote.
func redact(s, routingKey string) string {
	if routingKey == "" {
		return s
	}
	return strings.ReplaceAll(s, routingKey, "[routing key]")
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// refusals is the HTTP client go-pagerduty calls. go-pagerduty v1.8.0 reads every
// error answer as the REST API's {"error": {"message", "errors"}}, but the Events API
// answers {"status", "message", "errors"}; without this translation the reasons
// PagerDuty gives for refusing an event ("'routing_key' must be 32 characters") would
// be lost, and the relay would log a bare "status code 400".
type refusals struct {
	client *http.Client
}

func (r refusals) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.client.Do(req)
	if err != nil || resp.StatusCode < 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	var doc struct {
		Status  string          `json:"status"`
		Message string          `json:"message"`
		Errors  []string        `json:"errors"`
		Error   json.RawMessage `json:"error"`
	}
	if err == nil && json.Unmarshal(body, &doc) == nil && doc.Error == nil && (doc.Status != "" || doc.Message != "" || len(doc.Errors) > 0) {
		msg := doc.Message
		if doc.Status != "" {
			msg = strings.TrimSuffix(doc.Status+": "+doc.Message, ": ")
		}
		if b, err := json.Marshal(map[string]pdapi.APIErrorObject{"error": {Message: msg, Errors: doc.Errors}}); err == nil {
			body = b
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

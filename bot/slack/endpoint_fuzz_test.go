package slack_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"mimbot/bot/slack/slackfake"
)

// How a fuzzed request is signed: only signedOK carries Slack's signature.
const (
	signedOK = iota
	unsigned
	wrongSecret
	staleSigned
	garbledSignature
	tamperedBody
	signModes
)

var slackRoutes = []struct{ path, contentType string }{
	{"/slack/commands", "application/x-www-form-urlencoded"},
	{"/slack/interactions", "application/x-www-form-urlencoded"},
	{"/slack/events", "application/json"},
}

// FuzzSlackEndpoints posts arbitrary bodies to the three Slack endpoints. A request
// without Slack's valid signature (none, another secret, six minutes old, garbled,
// or a body changed after signing) is answered 4xx and reaches neither the store nor
// Slack; a correctly signed one never panics nor answers 5xx.
func FuzzSlackEndpoints(f *testing.F) {
	cmd := url.Values{"command": {"/incident"}, "text": {"declare Payments down impact=high urgency=high"}, "user_id": {"U01SAM"},
		"channel_id": {"C1"}, "team_id": {"T1"}, "trigger_id": {"1.2.x"}}.Encode()
	for _, s := range []struct {
		route, mode uint8
		body        string
	}{
		{0, signedOK, cmd}, {0, unsigned, cmd}, {0, wrongSecret, cmd}, {0, staleSigned, cmd}, {0, garbledSignature, cmd}, {0, tamperedBody, cmd},
		{0, signedOK, "text=help&user_id=U01SAM"}, {0, signedOK, "%zz"}, {0, signedOK, "text=" + url.QueryEscape("list")},
		{1, signedOK, "payload=" + url.QueryEscape(`{"type":"block_actions","user":{"id":"U01DAVE"},"actions":[{"action_id":"ack","value":"1"}]}`)},
		{1, signedOK, "payload=" + url.QueryEscape(`{"type":"view_submission","view":{"callback_id":"declare","state":{"values":{}}}}`)},
		{1, signedOK, "payload=not-json"}, {1, unsigned, "payload={}"},
		{2, signedOK, `{"type":"url_verification","challenge":"abc"}`},
		{2, signedOK, `{"type":"event_callback","team_id":"T1","event":{"type":"app_mention","user":"U01SAM","text":"<@UBOT> status","channel":"C1"}}`},
		{2, signedOK, `{"type":"event_callback","event":{"type":"message","channel_type":"im","user":"U01DAVE","text":"ack"}}`},
		{2, signedOK, `[`}, {2, tamperedBody, `{"type":"url_verification","challenge":"abc"}`},
	} {
		f.Add(s.route, s.mode, []byte(s.body))
	}
	// Signed requests start work that goes on after the answer; refused ones go to a
	// harness of their own, so that this work cannot be counted against them.
	signed, refused := newHarness(f), newHarness(f)
	f.Fuzz(func(t *testing.T, route, mode uint8, body []byte) {
		r := slackRoutes[int(route)%len(slackRoutes)]
		mode %= signModes
		req := httptest.NewRequest(http.MethodPost, r.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", r.contentType)
		at := time.Now()
		if mode == staleSigned {
			at = at.Add(-6 * time.Minute)
		}
		ts := strconv.FormatInt(at.Unix(), 10)
		sig := slackfake.Sign(secret, at.Unix(), body)
		switch mode {
		case wrongSecret:
			sig = slackfake.Sign("not-"+secret, at.Unix(), body)
		case garbledSignature:
			sig = "v0=" + string(body)
		case tamperedBody:
			req = httptest.NewRequest(http.MethodPost, r.path, bytes.NewReader(append(bytes.Clone(body), ' ')))
			req.Header.Set("Content-Type", r.contentType)
		}
		if mode != unsigned {
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
		}
		h := refused
		if mode == signedOK {
			h = signed
		}
		stored, calls := h.store.n.Load(), len(h.fake.Calls())
		rec := httptest.NewRecorder()
		h.srv.Config.Handler.ServeHTTP(rec, req)
		if mode == signedOK {
			if rec.Code >= 500 {
				t.Fatalf("signed %s %q = %d %s", r.path, body, rec.Code, rec.Body)
			}
			return
		}
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("%s %q signed with mode %d = %d, want 4xx", r.path, body, mode, rec.Code)
		}
		if got := h.store.n.Load(); got != stored {
			t.Fatalf("%s %q signed with mode %d: %d store calls", r.path, body, mode, got-stored)
		}
		if got := len(h.fake.Calls()); got != calls {
			t.Fatalf("%s %q signed with mode %d: %d Slack calls", r.path, body, mode, got-calls)
		}
	})
}

package slackfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// staleAge is how old WithStaleTimestamp makes a request: beyond the five
// minutes Slack tells apps to accept.
const staleAge = 10 * time.Minute

// SignOption alters how the HTTP-mode helpers sign a request, so tests can
// check that the bot rejects forgeries.
type SignOption func(*signConfig)

type signConfig struct {
	secret   *string
	at       *time.Time
	stale    bool
	unsigned bool
	retry    int
	eventID  string
}

// WithRetry sends the request as Slack's retry number n (X-Slack-Retry-Num,
// with X-Slack-Retry-Reason http_timeout), as Slack does when an earlier
// delivery was not acknowledged in time.
func WithRetry(n int) SignOption {
	return func(c *signConfig) { c.retry = n }
}

// WithEventID gives an event (PostEvent) this event_id instead of a fresh one,
// so that a test can deliver the same event again.
func WithEventID(id string) SignOption {
	return func(c *signConfig) { c.eventID = id }
}

// WithSigningSecret signs with secret instead of the bot's real one.
func WithSigningSecret(secret string) SignOption {
	return func(c *signConfig) { c.secret = &secret }
}

// WithTimestamp signs with the given X-Slack-Request-Timestamp.
func WithTimestamp(t time.Time) SignOption {
	return func(c *signConfig) { c.at = &t }
}

// WithStaleTimestamp signs with a timestamp ten minutes old (a replay).
func WithStaleTimestamp() SignOption {
	return func(c *signConfig) { c.stale = true }
}

// WithoutSignature sends no X-Slack-Signature / X-Slack-Request-Timestamp.
func WithoutSignature() SignOption {
	return func(c *signConfig) { c.unsigned = true }
}

// Sign returns Slack's v0 request signature for body:
// "v0=" + hex(HMAC-SHA256(secret, "v0:<timestamp>:<body>")).
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+strconv.FormatInt(timestamp, 10)+":")
	_, _ = mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// PostSlashCommand sends a slash command to a bot's HTTP endpoint as Slack
// does (form-encoded, signed with signingSecret) and returns the response,
// whose body has been read and can be read again, and the time the bot took
// to answer (by Options.Clock). The delivery is also recorded in Acks.
func (s *Server) PostSlashCommand(ctx context.Context, botURL, signingSecret string, cmd SlashCommand, opts ...SignOption) (*http.Response, time.Duration, error) {
	base, err := s.requireURL()
	if err != nil {
		return nil, 0, err
	}
	f, err := s.slashPayload(base, cmd)
	if err != nil {
		return nil, 0, err
	}
	form := url.Values{"is_enterprise_install": {"false"}}
	for k, v := range f {
		form.Set(k, v)
	}
	rec := Ack{Type: "slash_commands", TriggerID: f["trigger_id"], ResponseURL: f["response_url"]}
	return s.postSigned(ctx, botURL, signingSecret, "application/x-www-form-urlencoded", []byte(form.Encode()), rec, opts)
}

// PostInteraction sends an interaction payload to a bot's HTTP endpoint as
// Slack does (form field payload=<json>, signed). The payload is completed
// as for SendInteraction.
func (s *Server) PostInteraction(ctx context.Context, botURL, signingSecret string, payload any, opts ...SignOption) (*http.Response, time.Duration, error) {
	base, err := s.requireURL()
	if err != nil {
		return nil, 0, err
	}
	m, err := s.interactionPayload(base, payload)
	if err != nil {
		return nil, 0, err
	}
	js, err := json.Marshal(m)
	if err != nil {
		return nil, 0, err
	}
	tid, _ := m["trigger_id"].(string)
	rurl, _ := m["response_url"].(string)
	body := url.Values{"payload": {string(js)}}.Encode()
	rec := Ack{Type: "interactive", TriggerID: tid, ResponseURL: rurl}
	return s.postSigned(ctx, botURL, signingSecret, "application/x-www-form-urlencoded", []byte(body), rec, opts)
}

// PostEvent sends an Events API event (the inner event, wrapped in an
// event_callback as for SendEvent) to a bot's HTTP endpoint as signed JSON.
func (s *Server) PostEvent(ctx context.Context, botURL, signingSecret string, event any, opts ...SignOption) (*http.Response, time.Duration, error) {
	cb, err := s.eventCallback(event)
	if err != nil {
		return nil, 0, err
	}
	var cfg signConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.eventID != "" {
		cb["event_id"] = cfg.eventID
	}
	js, err := json.Marshal(cb)
	if err != nil {
		return nil, 0, err
	}
	return s.postSigned(ctx, botURL, signingSecret, "application/json", js, Ack{Type: "events_api"}, opts)
}

func (s *Server) postSigned(ctx context.Context, botURL, secret, contentType string, body []byte, rec Ack, opts []SignOption) (*http.Response, time.Duration, error) {
	var cfg signConfig
	for _, o := range opts {
		o(&cfg)
	}
	at := s.now()
	switch {
	case cfg.at != nil:
		at = *cfg.at
	case cfg.stale:
		at = at.Add(-staleAge)
	}
	if cfg.secret != nil {
		secret = *cfg.secret
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, botURL, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if cfg.retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(cfg.retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	if !cfg.unsigned {
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
		req.Header.Set("X-Slack-Signature", Sign(secret, at.Unix(), body))
	}
	rec.Transport = "http"
	rec.SentAt = s.now()
	resp, err := s.client.Do(req)
	if err != nil {
		rec.Latency = s.now().Sub(rec.SentAt)
		rec.Late = true
		s.recordAck(rec)
		return nil, rec.Latency, err
	}
	data, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	rec.Latency = s.now().Sub(rec.SentAt)
	rec.StatusCode = resp.StatusCode
	rec.Acked = resp.StatusCode == http.StatusOK && rerr == nil
	rec.Late = rec.Latency > AckDeadline
	rec.Payload = data
	s.recordAck(rec)
	s.ackMessage(rec)
	return resp, rec.Latency, rerr
}

func (s *Server) recordAck(a Ack) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.acks = append(s.hub.acks, &a)
}

package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mimbot/mim"
)

// Headers of a signed request.
const (
	TimestampHeader = "X-Mimbot-Timestamp"
	SignatureHeader = "X-Mimbot-Signature"
	// DeliveryHeader names the delivery, the same on every retry of it: a receiver
	// whose 2xx was lost (it answered after the 10-second timeout) sees the id again
	// and can drop the copy.
	DeliveryHeader = "X-Mimbot-Delivery"
)

// GiveUpAfter is how many times a body a receiver refuses with a 4xx (other than 408
// and 429) is sent before it is given up on: a receiver being deployed may refuse for
// a moment what it takes a minute later, but one that keeps refusing will not change
// its mind within the hour the outbox would otherwise keep trying.
const GiveUpAfter = 3

// Sender signs and POSTs outbound webhook messages; it is the program's mim.Hook.
type Sender struct {
	secrets map[string]string // by URL
	client  *http.Client
	clock   mim.Clock
	log     *slog.Logger
}

var _ mim.Hook = (*Sender)(nil)

// Config is what a Sender needs.
type Config struct {
	Webhooks   []mim.Webhook
	HTTPClient *http.Client // default: 10-second timeout
	Clock      mim.Clock    // for X-Mimbot-Timestamp; default: the system clock
	Log        *slog.Logger
}

// New returns a Sender for the configured webhooks.
func New(cfg Config) *Sender {
	s := &Sender{secrets: map[string]string{}, client: cfg.HTTPClient, clock: cfg.Clock, log: cfg.Log}
	for _, w := range cfg.Webhooks {
		s.secrets[w.URL] = w.Secret
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.clock == nil {
		s.clock = mim.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Signature is the X-Mimbot-Signature of body sent at ts (Unix seconds).
func Signature(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Post sends one message (To mim.ToWebhook): Person is the webhook's URL and Text the
// body rendered at the event.
func (s *Sender) Post(ctx context.Context, m mim.Outgoing) error {
	where := redacted(m.Person)
	secret, ok := s.secrets[m.Person]
	if !ok {
		return mim.Errorf(mim.EINVALID, "webhook %s is no longer in the configuration: its %s event of incident %d is not sent", where, m.Kind, m.Incident)
	}
	body := []byte(m.Text)
	ts := s.clock.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Person, bytes.NewReader(body))
	if err != nil {
		return mim.Errorf(mim.EINVALID, "webhook %s: not a URL to POST to: %v", where, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mimbot")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Signature(secret, ts, body))
	req.Header.Set(DeliveryHeader, strconv.FormatInt(m.ID, 10))
	resp, err := s.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is said once, redacted
		}
		return mim.Errorf(mim.EUNAVAILABLE, "webhook %s could not be reached; will retry: %v", where, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
	code := resp.StatusCode
	log := s.log.With("platform", mim.WebhookPlatform, "incident", m.Incident, "webhook", where, "code", code)
	switch {
	case code >= 200 && code < 300:
		log.Debug("webhook: delivered", "kind", m.Kind)
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return mim.Errorf(mim.EUNAVAILABLE, "webhook %s answered %d %s; will retry", where, code, http.StatusText(code))
	case m.Attempts < GiveUpAfter:
		return mim.Errorf(mim.EUNAVAILABLE, "webhook %s answered %d %s (attempt %d of %d before giving up)", where, code, http.StatusText(code), m.Attempts, GiveUpAfter)
	}
	return mim.Errorf(mim.EINVALID, "webhook %s answered %d %s %d times: the %s event of incident %d is given up on; check the receiver", where, code, http.StatusText(code), m.Attempts, m.Kind, m.Incident)
}

// redacted is the URL as logs may show it: without a password or query (which may
// carry a token).
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("%q", raw)
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.Redacted()
}

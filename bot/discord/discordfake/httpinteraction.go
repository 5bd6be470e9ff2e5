package discordfake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// SignOption alters how PostInteraction signs a request, so tests can check
// that the bot rejects bad signatures.
type SignOption func(*signConfig)

type signConfig struct {
	key        ed25519.PrivateKey
	timestamp  *time.Time
	tamperBody bool
	noHeaders  bool
}

// WithWrongKey signs with a fresh key that is not the application's.
func WithWrongKey() SignOption {
	return func(c *signConfig) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic("discordfake: generating ed25519 key: " + err.Error())
		}
		c.key = priv
	}
}

// WithSigningKey signs with key.
func WithSigningKey(key ed25519.PrivateKey) SignOption {
	return func(c *signConfig) { c.key = key }
}

// WithTimestamp signs and sends this X-Signature-Timestamp (e.g. an old one).
func WithTimestamp(t time.Time) SignOption {
	return func(c *signConfig) { c.timestamp = &t }
}

// WithTamperedBody signs the body, then sends a different one.
func WithTamperedBody() SignOption {
	return func(c *signConfig) { c.tamperBody = true }
}

// WithoutSignature sends no signature headers.
func WithoutSignature() SignOption {
	return func(c *signConfig) { c.noHeaders = true }
}

// PostInteraction sends i to an HTTP interactions endpoint the way Discord
// does: a JSON body signed with Ed25519 over timestamp+body, in
// X-Signature-Ed25519 (hex) and X-Signature-Timestamp (unix seconds, from the
// Clock). If the bot answers 200 with a callback object ({"type": ...}), it
// is checked by the same rules as the REST callback endpoint and recorded as
// the interaction's callback; set i.ID (or use Interactions) to look the
// result up. latency is real time from sending to the end of the response.
func (s *Server) PostInteraction(ctx context.Context, botURL string, i Interaction, opts ...SignOption) (status int, body []byte, latency time.Duration, err error) {
	ix, payload, err := s.prepareInteraction(i, "http")
	if err != nil {
		return 0, nil, 0, err
	}
	cfg := signConfig{key: s.priv}
	for _, o := range opts {
		o(&cfg)
	}
	ts := s.clock()
	if cfg.timestamp != nil {
		ts = *cfg.timestamp
	}
	tsStr := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(cfg.key, append([]byte(tsStr), payload...))
	sent := payload
	if cfg.tamperBody {
		sent = bytes.Replace(payload, []byte(`"version":1`), []byte(`"version":1,"tampered":true`), 1)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, botURL, bytes.NewReader(sent))
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	if !cfg.noHeaders {
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
		req.Header.Set("X-Signature-Timestamp", tsStr)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxRequestBody))
	latency = time.Since(start)
	if err != nil {
		return resp.StatusCode, body, latency, err
	}
	if resp.StatusCode == http.StatusOK {
		var probe struct {
			Type *int `json:"type"`
		}
		if json.Unmarshal(body, &probe) == nil && probe.Type != nil {
			s.mu.Lock()
			_, events := s.acceptCallback(ix, body, nil, s.clock())
			s.mu.Unlock()
			for _, ev := range events {
				s.gw.dispatchMessage(ev.name, ev.event)
			}
		}
	}
	return resp.StatusCode, body, latency, nil
}

// VerifyEndpoint does what Discord does when an interactions endpoint URL is
// saved: a signed PING must be answered 200 {"type":1} and a PING with a bad
// signature must be answered 401.
func (s *Server) VerifyEndpoint(ctx context.Context, botURL string) error {
	status, body, _, err := s.PostInteraction(ctx, botURL, Interaction{Type: InteractionPing})
	if err != nil {
		return err
	}
	var pong struct {
		Type int `json:"type"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &pong) != nil || pong.Type != CallbackPong {
		return fmt.Errorf("discordfake: signed PING answered %d %q, want 200 {\"type\":1}", status, body)
	}
	status, _, _, err = s.PostInteraction(ctx, botURL, Interaction{Type: InteractionPing}, WithWrongKey())
	if err != nil {
		return err
	}
	if status != http.StatusUnauthorized {
		return fmt.Errorf("discordfake: PING with a bad signature answered %d, want 401", status)
	}
	return nil
}

package pagerdutyfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Subscription is a webhooks v3 subscription: incident events are POSTed to URL,
// signed with Secret in X-PagerDuty-Signature ("v1=<hex HMAC-SHA256 of the body>").
type Subscription struct {
	URL    string
	Secret string
}

// Subscribe adds a webhook subscription; Acknowledge notifies every subscription.
func (s *Server) Subscribe(sub Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs, sub)
}

// Delivery is one webhook the server POSTed and what the subscriber answered.
type Delivery struct {
	URL    string
	Status int // 0 when the subscriber could not be reached
	Body   json.RawMessage
}

// Acknowledge acknowledges the open incident of dedupKey as a responder does in the
// PagerDuty app, and POSTs an incident.acknowledged webhook to every subscription.
// It returns what each subscriber answered; an error when no open incident has that
// dedup key or nobody subscribed.
func (s *Server) Acknowledge(ctx context.Context, dedupKey string) ([]Delivery, error) {
	s.mu.Lock()
	var open *Incident
	idx := 0
	for i, in := range s.incidents {
		if in.DedupKey == dedupKey && in.State != Resolved {
			open, idx = in, i
		}
	}
	if open == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("pagerdutyfake: no open incident has dedup key %q", dedupKey)
	}
	now := s.now()
	if open.State == Triggered {
		open.State = Acknowledged
		open.AcknowledgedAt = now
	}
	body := webhookBody(*open, idx+1, now)
	subs := append([]Subscription(nil), s.subs...)
	s.mu.Unlock()
	if len(subs) == 0 {
		return nil, errors.New("pagerdutyfake: no webhook subscription: call Subscribe first")
	}
	out := make([]Delivery, 0, len(subs))
	for _, sub := range subs {
		out = append(out, post(ctx, sub, body))
	}
	return out, nil
}

// post sends one signed webhook as PagerDuty does.
func post(ctx context.Context, sub Subscription, body []byte) Delivery {
	d := Delivery{URL: sub.URL, Body: body}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return d
	}
	mac := hmac.New(sha256.New, []byte(sub.Secret))
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "PagerDuty-Webhook/V3.0")
	req.Header.Set("X-PagerDuty-Signature", "v1="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Webhook-Id", randomID())
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return d
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	d.Status = resp.StatusCode
	return d
}

// webhookBody is a v3 incident.acknowledged event about in, the number-th incident,
// shaped as PagerDuty sends it.
func webhookBody(in Incident, number int, at time.Time) []byte {
	id := fmt.Sprintf("PFAKE%03d", number)
	ref := func(kind, id, summary string) map[string]any {
		return map[string]any{"id": id, "type": kind + "_reference", "summary": summary,
			"self": "https://api.pagerduty.com/" + kind + "s/" + id, "html_url": "https://fake.pagerduty.com/" + kind + "s/" + id}
	}
	ev := map[string]any{"event": map[string]any{
		"id":            randomID(),
		"event_type":    "incident.acknowledged",
		"resource_type": "incident",
		"occurred_at":   at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"agent":         ref("user", "PFAKEUSR", "Fake Responder"),
		"client":        nil,
		"data": map[string]any{
			"id":                id,
			"type":              "incident",
			"self":              "https://api.pagerduty.com/incidents/" + id,
			"html_url":          "https://fake.pagerduty.com/incidents/" + id,
			"number":            number,
			"status":            string(in.State),
			"incident_key":      in.DedupKey,
			"created_at":        in.TriggeredAt.UTC().Format(time.RFC3339),
			"title":             in.Summary,
			"service":           ref("service", "PFAKESVC", "Fake service"),
			"assignees":         []any{ref("user", "PFAKEUSR", "Fake Responder")},
			"escalation_policy": ref("escalation_policy", "PFAKEEP", "Fake policy"),
			"teams":             []any{},
			"priority":          nil,
			"urgency":           "high",
			"conference_bridge": nil,
			"resolve_reason":    nil,
		},
	}}
	b, _ := json.Marshal(ev) // maps of strings, numbers and nil always encode
	return b
}

// randomID is 26 characters like PagerDuty's event ids.
func randomID() string {
	var b [13]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

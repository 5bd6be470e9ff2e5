package pagerduty

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// PagerDuty tells mimbot what responders do on its side through a webhook
// subscription (webhooks v3): when a lead acknowledges mimbot's page in the PagerDuty
// app, the subscription POSTs incident.acknowledged, and the page is acknowledged in
// mimbot too. This file holds what is PagerDuty's in that: the signature, the payload
// and the dedup key mimbot sent; internal/web serves the route.

// SignatureHeader carries the v3 signatures of a webhook body.
const SignatureHeader = "X-PagerDuty-Signature"

// EventAcknowledged is the v3 event type of an incident acknowledged on PagerDuty.
const EventAcknowledged = "incident.acknowledged"

// Signature is the v3 signature of body with secret: "v1=<hex HMAC-SHA256>".
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify tells whether header (X-PagerDuty-Signature) holds a valid signature of body.
// During a secret rotation PagerDuty sends one signature per secret, comma-separated:
// any match is enough. Signatures are compared in constant time.
func Verify(secret string, body []byte, header string) bool {
	if secret == "" {
		return false
	}
	want := []byte(Signature(secret, body))
	ok := false
	for sig := range strings.SplitSeq(header, ",") {
		// Every candidate is compared, so that the time taken does not say which matched.
		if hmac.Equal(want, []byte(strings.TrimSpace(sig))) {
			ok = true
		}
	}
	return ok
}

// WebhookEvent is the body of a v3 webhook: {"event": {...}}.
type WebhookEvent struct {
	Event struct {
		ID           string          `json:"id"`
		EventType    string          `json:"event_type"`
		ResourceType string          `json:"resource_type"`
		OccurredAt   time.Time       `json:"occurred_at"`
		Agent        json.RawMessage `json:"agent"`
		Data         WebhookIncident `json:"data"`
	} `json:"event"`
}

// WebhookIncident is the incident of an incident event (event.data), as far as mimbot
// reads it.
type WebhookIncident struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	Status string `json:"status"`
	// IncidentKey is the dedup key of the Events API event that opened the incident.
	IncidentKey string `json:"incident_key"`
	HTMLURL     string `json:"html_url"`
}

// ParseWebhook reads a v3 webhook body; the error says what is missing.
func ParseWebhook(body []byte) (WebhookEvent, error) {
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return ev, fmt.Errorf("pagerduty: webhook body is not a v3 event ({\"event\": {\"id\", \"event_type\", \"occurred_at\", \"data\"}}): %w", err)
	}
	switch {
	case ev.Event.ID == "":
		return ev, fmt.Errorf("pagerduty: webhook body has no event.id: want a v3 event such as {\"event\": {\"id\": \"01BZN1...\", \"event_type\": \"incident.acknowledged\", ...}}")
	case ev.Event.EventType == "":
		return ev, fmt.Errorf("pagerduty: webhook event %s has no event_type", ev.Event.ID)
	case ev.Event.OccurredAt.IsZero():
		return ev, fmt.Errorf("pagerduty: webhook event %s has no occurred_at", ev.Event.ID)
	}
	return ev, nil
}

var dedupKeyRE = regexp.MustCompile(`^mimbot-([1-9][0-9]{0,9})-(.+)$`)

// ParseDedupKey is DedupKey read back: the incident number and the tower of a page;
// ok is false for a key mimbot did not send.
func ParseDedupKey(key string) (number int, tower string, ok bool) {
	m := dedupKeyRE.FindStringSubmatch(key)
	if m == nil {
		return 0, "", false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	return n, m[2], true
}

package pagerdutyfake

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Event actions.
const (
	ActionTrigger     = "trigger"
	ActionAcknowledge = "acknowledge"
	ActionResolve     = "resolve"
)

// Limits PagerDuty documents for event fields.
const (
	RoutingKeyLength  = 32
	MaxSummaryLength  = 1024
	MaxDedupKeyLength = 255
)

// Event is an accepted Events API v2 event.
type Event struct {
	// Received is when the server accepted the event (Options.Now).
	Received   time.Time
	RoutingKey string
	Action     string
	// DedupKey is the key sent, or the one generated for a trigger that
	// sent none (then DedupKeyGenerated is true).
	DedupKey          string
	DedupKeyGenerated bool
	// Payload is nil when the event had none (usual for acknowledge and
	// resolve).
	Payload   *Payload
	Client    string
	ClientURL string
	// Links and Images are the raw JSON arrays, nil when absent.
	Links  json.RawMessage
	Images json.RawMessage
	// Body is the raw request body.
	Body json.RawMessage
}

// Payload is an event's payload.
type Payload struct {
	Summary   string
	Source    string
	Severity  string
	Timestamp string
	Component string
	Group     string
	Class     string
	// CustomDetails is the raw custom_details JSON, nil when absent.
	CustomDetails json.RawMessage
}

func (e Event) clone() Event {
	if e.Payload != nil {
		p := *e.Payload
		p.CustomDetails = bytes.Clone(p.CustomDetails)
		e.Payload = &p
	}
	e.Links = bytes.Clone(e.Links)
	e.Images = bytes.Clone(e.Images)
	e.Body = bytes.Clone(e.Body)
	return e
}

type wireEvent struct {
	RoutingKey string          `json:"routing_key"`
	Action     string          `json:"event_action"`
	DedupKey   string          `json:"dedup_key"`
	Payload    *wirePayload    `json:"payload"`
	Client     string          `json:"client"`
	ClientURL  string          `json:"client_url"`
	Links      json.RawMessage `json:"links"`
	Images     json.RawMessage `json:"images"`
}

type wirePayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// parseEvent decodes and validates an event body, returning every problem
// found as PagerDuty-style error strings.
func parseEvent(body []byte) (Event, []string) {
	var we wireEvent
	if err := json.Unmarshal(body, &we); err != nil {
		return Event{}, []string{"Invalid JSON: " + err.Error()}
	}
	var errs []string
	add := func(msg string) { errs = append(errs, msg) }

	switch n := utf8.RuneCountInString(we.RoutingKey); {
	case blank(we.RoutingKey):
		add("'routing_key' is missing or blank")
	case n != RoutingKeyLength:
		add("'routing_key' must be 32 characters")
	}

	switch we.Action {
	case ActionTrigger:
		errs = append(errs, payloadErrors(we.Payload)...)
	case ActionAcknowledge, ActionResolve:
		if blank(we.DedupKey) {
			add("'dedup_key' is missing or blank")
		}
	case "":
		add("'event_action' is missing or blank")
	default:
		add("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
	}
	if utf8.RuneCountInString(we.DedupKey) > MaxDedupKeyLength {
		add("'dedup_key' must be 255 characters or fewer")
	}
	if !isNullOrArray(we.Links) {
		add("'links' must be an array")
	}
	if !isNullOrArray(we.Images) {
		add("'images' must be an array")
	}
	if len(errs) > 0 {
		return Event{}, errs
	}

	ev := Event{
		RoutingKey: we.RoutingKey,
		Action:     we.Action,
		DedupKey:   we.DedupKey,
		Client:     we.Client,
		ClientURL:  we.ClientURL,
		Links:      nilIfNull(we.Links),
		Images:     nilIfNull(we.Images),
		Body:       body,
	}
	if p := we.Payload; p != nil {
		ev.Payload = &Payload{
			Summary:       p.Summary,
			Source:        p.Source,
			Severity:      p.Severity,
			Timestamp:     p.Timestamp,
			Component:     p.Component,
			Group:         p.Group,
			Class:         p.Class,
			CustomDetails: nilIfNull(p.CustomDetails),
		}
	}
	return ev, nil
}

func payloadErrors(p *wirePayload) []string {
	if p == nil {
		return []string{"'payload' is missing or blank"}
	}
	var errs []string
	switch {
	case blank(p.Summary):
		errs = append(errs, "'payload.summary' is missing or blank")
	case utf8.RuneCountInString(p.Summary) > MaxSummaryLength:
		errs = append(errs, "'payload.summary' must be 1024 characters or fewer")
	}
	if blank(p.Source) {
		errs = append(errs, "'payload.source' is missing or blank")
	}
	switch p.Severity {
	case "critical", "error", "warning", "info":
	case "":
		errs = append(errs, "'payload.severity' is missing or blank")
	default:
		errs = append(errs, "'payload.severity' is invalid (must be one of the following: "+
			"'critical', 'warning', 'error' or 'info')")
	}
	if p.Timestamp != "" {
		if _, err := time.Parse(time.RFC3339Nano, p.Timestamp); err != nil {
			errs = append(errs, "'payload.timestamp' is invalid (must be ISO 8601)")
		}
	}
	return errs
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func isNullOrArray(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null")) || t[0] == '['
}

func nilIfNull(raw json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	return raw
}

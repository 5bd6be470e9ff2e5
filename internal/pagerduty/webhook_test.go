package pagerduty_test

import (
	"testing"

	"mimbot/internal/pagerduty"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"event":{"id":"01"}}`)
	good := pagerduty.Signature("s3cret", body)
	other := pagerduty.Signature("old-secret", body)
	tests := []struct {
		name   string
		secret string
		header string
		want   bool
	}{
		{"one valid", "s3cret", good, true},
		{"rotation: the second matches", "s3cret", other + "," + good, true},
		{"rotation with spaces", "s3cret", other + ", " + good, true},
		{"forged", "s3cret", other, false},
		{"missing", "s3cret", "", false},
		{"bare hex without v1=", "s3cret", good[len("v1="):], false},
		{"another body", "s3cret", pagerduty.Signature("s3cret", []byte(`{"event":{"id":"02"}}`)), false},
		{"no secret configured", "", pagerduty.Signature("", body), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pagerduty.Verify(tt.secret, body, tt.header); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseDedupKey(t *testing.T) {
	tests := []struct {
		key    string
		number int
		tower  string
		ok     bool
	}{
		{pagerduty.DedupKey(12, "application"), 12, "application", true},
		{pagerduty.DedupKey(7, "core-network"), 7, "core-network", true},
		{"mimbot-0-application", 0, "", false},
		{"mimbot-12-", 0, "", false},
		{"d3640fbd41094207a1c11e58e46b1662", 0, "", false},
		{"mimbot-99999999999-db", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			n, tower, ok := pagerduty.ParseDedupKey(tt.key)
			if n != tt.number || tower != tt.tower || ok != tt.ok {
				t.Errorf("ParseDedupKey(%q) = %d, %q, %v; want %d, %q, %v", tt.key, n, tower, ok, tt.number, tt.tower, tt.ok)
			}
		})
	}
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"acknowledged", `{"event":{"id":"01","event_type":"incident.acknowledged","resource_type":"incident","occurred_at":"2026-03-02T10:02:00.169Z","data":{"id":"PGR0VU2","incident_key":"mimbot-1-application"}}}`, false},
		{"not JSON", `event`, true},
		{"no id", `{"event":{"event_type":"incident.acknowledged","occurred_at":"2026-03-02T10:02:00Z"}}`, true},
		{"no type", `{"event":{"id":"01","occurred_at":"2026-03-02T10:02:00Z"}}`, true},
		{"no time", `{"event":{"id":"01","event_type":"incident.acknowledged"}}`, true},
		{"v2 shape", `{"messages":[{"event":"incident.acknowledge"}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := pagerduty.ParseWebhook([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err == nil && ev.Event.Data.IncidentKey != "mimbot-1-application" {
				t.Errorf("incident_key %q", ev.Event.Data.IncidentKey)
			}
		})
	}
}

package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/pagerduty"
	"mimbot/internal/web"
	"mimbot/mim"
)

const pdSecret = "pd-webhook-secret-8c1e"

// pdEvent is a v3 webhook body as PagerDuty sends it.
func pdEvent(id, eventType, incidentKey string, at time.Time) string {
	return fmt.Sprintf(`{"event":{"id":%q,"event_type":%q,"resource_type":"incident","occurred_at":%q,
"agent":{"id":"PLH1HKV","type":"user_reference","summary":"Dave on his phone"},"client":null,
"data":{"id":"PGR0VU2","type":"incident","number":2,"status":"acknowledged","incident_key":%q,"title":"#1 Payments down","urgency":"high"}}}`,
		id, eventType, at.UTC().Format("2006-01-02T15:04:05.000Z"), incidentKey)
}

func (f *fixture) pd(body, signature string) response {
	f.t.Helper()
	return f.pdAs("application/json; charset=utf-8", body, signature)
}

func (f *fixture) pdAs(contentType, body, signature string) response {
	f.t.Helper()
	h := http.Header{}
	h.Set("Content-Type", contentType)
	if signature != "" {
		h.Set(pagerduty.SignatureHeader, signature)
	}
	return f.doWith("POST", "/webhooks/pagerduty", h, body)
}

func TestPagerDutyWebhook(t *testing.T) {
	ackKey := pagerduty.DedupKey(1, "application")
	tests := []struct {
		name  string
		body  func(now time.Time) string
		sign  func(body string) string // nil: signed with pdSecret
		code  int
		reply string // a part of the answer
		acked bool   // dave's page is acknowledged afterwards
	}{
		{name: "acknowledged", body: func(now time.Time) string { return pdEvent("E1", "incident.acknowledged", ackKey, now) },
			code: 200, reply: `"status": "acknowledged"`, acked: true},
		{name: "during a secret rotation", body: func(now time.Time) string { return pdEvent("E1", "incident.acknowledged", ackKey, now) },
			sign: func(b string) string {
				return pagerduty.Signature("old", []byte(b)) + "," + pagerduty.Signature(pdSecret, []byte(b))
			},
			code: 200, acked: true},
		{name: "forged", body: func(now time.Time) string { return pdEvent("E1", "incident.acknowledged", ackKey, now) },
			sign: func(b string) string { return pagerduty.Signature("guessed", []byte(b)) }, code: 401, reply: "v1= signature"},
		{name: "unsigned", body: func(now time.Time) string { return pdEvent("E1", "incident.acknowledged", ackKey, now) },
			sign: func(string) string { return "" }, code: 401},
		{name: "stale", body: func(now time.Time) string {
			return pdEvent("E1", "incident.acknowledged", ackKey, now.Add(-5*time.Minute-time.Second))
		}, code: 401, reply: "stale"},
		{name: "from the future", body: func(now time.Time) string {
			return pdEvent("E1", "incident.acknowledged", ackKey, now.Add(6*time.Minute))
		}, code: 401, reply: "stale"},
		{name: "a little late is fine", body: func(now time.Time) string {
			return pdEvent("E1", "incident.acknowledged", ackKey, now.Add(-4*time.Minute))
		}, code: 200, acked: true},
		{name: "other event type", body: func(now time.Time) string { return pdEvent("E1", "incident.resolved", ackKey, now) },
			code: 200, reply: `"status": "ignored"`},
		{name: "unknown incident key", body: func(now time.Time) string {
			return pdEvent("E1", "incident.acknowledged", "d3640fbd41094207a1c11e58e46b1662", now)
		}, code: 200, reply: `"status": "ignored"`},
		{name: "unknown mimbot incident", body: func(now time.Time) string {
			return pdEvent("E1", "incident.acknowledged", pagerduty.DedupKey(99, "application"), now)
		}, code: 200, reply: `"status": "ignored"`},
		{name: "a tower not paged", body: func(now time.Time) string {
			return pdEvent("E1", "incident.acknowledged", pagerduty.DedupKey(1, "network"), now)
		}, code: 200, reply: "not paged"},
		{name: "not an event", body: func(time.Time) string { return `{"messages":[]}` }, code: 400, reply: "event.id"},
		{name: "too big", body: func(time.Time) string { return `{"x":"` + strings.Repeat("a", 1<<20) + `"}` }, code: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, web.Config{PagerDutySecret: pdSecret})
			f.declare("Payments down", mim.High, mim.High, "application")
			f.clock.Advance(2 * time.Minute)
			body := tt.body(f.clock.Now())
			sig := pagerduty.Signature(pdSecret, []byte(body))
			if tt.sign != nil {
				sig = tt.sign(body)
			}
			before := len(f.incident(1).Timeline)
			got := f.pd(body, sig)
			if got.code != tt.code || !strings.Contains(got.body, tt.reply) {
				t.Fatalf("got %d %s, want %d with %q", got.code, got.body, tt.code, tt.reply)
			}
			inc := f.incident(1)
			if acked := inc.Pages[0].Acked(); acked != tt.acked {
				t.Errorf("dave's page acknowledged: %v, want %v", acked, tt.acked)
			}
			if !tt.acked && len(inc.Timeline) != before {
				t.Errorf("the timeline changed: %d -> %d entries", before, len(inc.Timeline))
			}
			if tt.acked {
				last := inc.Timeline[len(inc.Timeline)-1]
				found := false
				for _, e := range inc.Timeline[before:] {
					found = found || (e.Kind == mim.KindPageAcked && e.Actor == "pagerduty")
				}
				if !found {
					t.Errorf("no page_acked entry by pagerduty; last: %+v", last)
				}
			}
		})
	}
}

func TestPagerDutyWebhookSameEventTwiceAcknowledgesOnce(t *testing.T) {
	f := newFixture(t, web.Config{PagerDutySecret: pdSecret})
	inc := f.declare("Payments down", mim.High, mim.High, "application")
	body := pdEvent("E-same", "incident.acknowledged", pagerduty.DedupKey(1, "application"), f.clock.Now())
	send := func() {
		t.Helper()
		if got := f.pd(body, pagerduty.Signature(pdSecret, []byte(body))); got.code != 200 {
			t.Fatalf("%d %s", got.code, got.body)
		}
	}
	send()
	// The IM pages the tower's next lead: a page the first event knew nothing of.
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Page(f.ctx, 1, inc.IM, "application"); err != nil {
		t.Fatal(err)
	}
	send() // PagerDuty delivers the same event again
	var got []string
	for _, p := range f.incident(1).Pages {
		got = append(got, fmt.Sprintf("%s acked=%v", p.Person, p.Acked()))
	}
	if diff := cmp.Diff([]string{"dave acked=true", "erin acked=false"}, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func TestPagerDutyWebhookRefusesOtherContent(t *testing.T) {
	f := newFixture(t, web.Config{PagerDutySecret: pdSecret})
	f.declare("Payments down", mim.High, mim.High, "application")
	body := pdEvent("E1", "incident.acknowledged", pagerduty.DedupKey(1, "application"), f.clock.Now())
	if got := f.pdAs("text/plain", body, pagerduty.Signature(pdSecret, []byte(body))); got.code != http.StatusUnsupportedMediaType {
		t.Errorf("got %d %s, want 415", got.code, got.body)
	}
	if f.incident(1).Pages[0].Acked() {
		t.Error("a refused request acknowledged the page")
	}
}

func TestPagerDutyWebhookOffWithoutSecret(t *testing.T) {
	f := newFixture(t, web.Config{})
	body := pdEvent("E1", "incident.acknowledged", pagerduty.DedupKey(1, "application"), f.clock.Now())
	if got := f.pd(body, pagerduty.Signature("", []byte(body))); got.code != 404 || !strings.Contains(got.body, "PAGERDUTY_WEBHOOK_SECRET") {
		t.Errorf("got %d %s, want 404 naming PAGERDUTY_WEBHOOK_SECRET", got.code, got.body)
	}
}

package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	pdapi "github.com/PagerDuty/go-pagerduty"
	"github.com/google/go-cmp/cmp"

	"mimbot/internal/api"
	"mimbot/internal/pagerduty"
	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/store"
)

// Routing keys of the towers paged on PagerDuty in these tests: 32 characters.
const (
	appRoutingKey = "appRoutingKey0000000000000000032"
	dbRoutingKey  = "dbRoutingKey00000000000000000032"
	pdHookSecret  = "pd-webhook-secret-for-serve-0001"
)

// editConfig rewrites the test configuration with pairs of old, new.
func (e *env) editConfig(t *testing.T, pairs ...string) {
	t.Helper()
	path := e.vars["MIMBOT_CONFIG"]
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("the configuration has no %q", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// paged lists who is paged on an incident, with whether they acknowledged.
func paged(inc api.Incident) []string {
	var out []string
	for _, p := range inc.Paged {
		s := p.Tower + " " + p.Person
		if p.Acked {
			s += " acked"
		}
		out = append(out, s)
	}
	return out
}

// TestPagerDutyAcknowledgementStopsTheEscalation: two towers are paged through
// PagerDuty; the application lead acknowledges in the PagerDuty app, whose signed
// webhook reaches mimbot, and a forged acknowledgement of the database page is
// refused. Past ack_within only the database page escalates to its next lead.
func TestPagerDutyAcknowledgementStopsTheEscalation(t *testing.T) {
	e := newEnv(t)
	e.editConfig(t,
		`pagerduty_routing_key: ""`, `pagerduty_routing_key: `+appRoutingKey,
		`database:    {leads: [frank, grace], members: [noor], ack_within: 10m}`,
		`database:    {leads: [frank, grace], members: [noor], ack_within: 10m, pagerduty_routing_key: `+dbRoutingKey+`}`)
	fake := pagerdutyfake.New(pagerdutyfake.Options{Now: e.clock.Now})
	fake.Start()
	t.Cleanup(fake.Close)
	e.vars["PAGERDUTY_EVENTS_URL"] = fake.URL()
	e.vars["PAGERDUTY_WEBHOOK_SECRET"] = pdHookSecret
	e.vars["MIMBOT_API_TOKEN"] = "api-token"
	srv := e.serveOn(t, e.clock, nil)

	declare := `{"title": "Payments down", "impact": "high", "urgency": "high", "towers": ["application", "database"]}`
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/api/v1/incidents", strings.NewReader(declare))
	req.Header.Set("Authorization", "Bearer api-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("declare: %d %s", resp.StatusCode, body)
	}
	waitFor(t, 15*time.Second, "both towers paged on PagerDuty", func() bool { return len(fake.Incidents()) == 2 })

	e.clock.Advance(3 * time.Minute)
	fake.Subscribe(pagerdutyfake.Subscription{URL: srv.url + "/webhooks/pagerduty", Secret: pdHookSecret})
	got, err := fake.Acknowledge(context.Background(), pagerduty.DedupKey(1, "application"))
	if err != nil || len(got) != 1 || got[0].Status != http.StatusOK {
		t.Fatalf("acknowledge: %v %+v", err, got)
	}
	forger := pagerdutyfake.New(pagerdutyfake.Options{Now: e.clock.Now}) // another PagerDuty, another secret
	forger.Start()
	t.Cleanup(forger.Close)
	if _, err := newClientFor(forger).ManageEventWithContext(context.Background(), triggerFor(pagerduty.DedupKey(1, "database"))); err != nil {
		t.Fatal(err)
	}
	forger.Subscribe(pagerdutyfake.Subscription{URL: srv.url + "/webhooks/pagerduty", Secret: "guessed"})
	got, err = forger.Acknowledge(context.Background(), pagerduty.DedupKey(1, "database"))
	if err != nil || len(got) != 1 || got[0].Status != http.StatusUnauthorized {
		t.Fatalf("forged acknowledge: want 401, got %v %+v", err, got)
	}
	inc := e.show("1")
	if diff := cmp.Diff([]string{"application dave acked", "database frank"}, paged(inc)); diff != "" {
		t.Errorf("pages after the acknowledgements (-want +got):\n%s", diff)
	}
	acks := 0
	for _, en := range inc.Timeline {
		if en.Kind == "page_acked" && en.Actor == "pagerduty" {
			acks++
		}
	}
	if acks != 1 {
		t.Errorf("%d page_acked entries by pagerduty, want 1", acks)
	}

	e.clock.Advance(7*time.Minute + time.Second) // past ack_within (10m) of both pages
	waitFor(t, 15*time.Second, "the database page to escalate", func() bool { return len(e.show("1").Paged) > 2 })
	// Both pages' OLA timers were due at once; wait until every timer due now has
	// fired, so that an application escalation, had it been left scheduled, is seen.
	db, err := store.OpenSQLite(context.Background(), e.vars["MIMBOT_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waitFor(t, 15*time.Second, "every due timer to fire", func() bool {
		next, err := db.NextDue(context.Background())
		return err == nil && next.After(e.clock.Now())
	})
	if diff := cmp.Diff([]string{"application dave acked", "database frank", "database grace"}, paged(e.show("1"))); diff != "" {
		t.Errorf("pages past ack_within (-want +got):\n%s", diff)
	}
	if !strings.Contains(srv.stderr.String(), "reason=signature") {
		t.Errorf("the forged request is not logged as refused:\n%s", srv.stderr.String())
	}
}

// TestServeSendsWebhooks: serve with webhooks configured delivers the events of an
// incident to the receiver, signed. (It also warns that PAGERDUTY_WEBHOOK_SECRET is
// of no use when no tower pages PagerDuty.)
func TestServeSendsWebhooks(t *testing.T) {
	var mu sync.Mutex
	var events []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte("hook-secret"))
		mac.Write([]byte(r.Header.Get("X-Mimbot-Timestamp") + "." + string(body)))
		if r.Header.Get("X-Mimbot-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var m struct {
			Event    string `json:"event"`
			Incident struct {
				Number int    `json:"number"`
				Title  string `json:"title"`
			} `json:"incident"`
		}
		_ = json.Unmarshal(body, &m)
		mu.Lock()
		events = append(events, m.Event+" "+m.Incident.Title)
		mu.Unlock()
	}))
	defer rcv.Close()
	e := newEnv(t)
	cfg, err := os.ReadFile(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, []byte("\nwebhooks:\n  - {url: \""+rcv.URL+"/in\", secret: hook-secret, events: [declared, resolved]}\n")...)
	if err := os.WriteFile(e.vars["MIMBOT_CONFIG"], cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	e.vars["MIMBOT_API_TOKEN"] = "api-token"
	e.vars["PAGERDUTY_WEBHOOK_SECRET"] = pdHookSecret // with no routing key: warned
	srv := e.serveOn(t, e.clock, nil)
	if !strings.Contains(srv.stderr.String(), "no tower has a pagerduty_routing_key") {
		t.Errorf("serve does not warn that no acknowledgement can come from PagerDuty:\n%s", srv.stderr.String())
	}
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/api/v1/incidents", strings.NewReader(`{"title": "Checkout slow", "impact": "low", "urgency": "low"}`))
	req.Header.Set("Authorization", "Bearer api-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, 15*time.Second, "the declared event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(events) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"declared Checkout slow"}, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// newClientFor is a go-pagerduty client of a fake.
func newClientFor(fake *pagerdutyfake.Server) *pdapi.Client {
	return pdapi.NewClient("", pdapi.WithV2EventsAPIEndpoint(fake.URL()))
}

// triggerFor is a trigger event with dedupKey on the database routing key.
func triggerFor(dedupKey string) *pdapi.V2Event {
	return &pdapi.V2Event{RoutingKey: dbRoutingKey, Action: "trigger", DedupKey: dedupKey,
		Payload: &pdapi.V2Payload{Summary: "#1 Payments down (P0): database tower paged", Source: "mimbot", Severity: "critical"}}
}

package pagerdutyfake_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	mimpd "mimbot/internal/pagerduty"
	"mimbot/internal/pagerduty/pagerdutyfake"
)

// TestAcknowledgeSendsASignedV3Webhook checks the fake's webhook against mimbot's
// reading of PagerDuty's: signature, shape, incident_key.
func TestAcknowledgeSendsASignedV3Webhook(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 2, 0, 0, time.UTC)
	srv := startServer(t, pagerdutyfake.Options{Now: func() time.Time { return at }})
	var mu sync.Mutex
	var bodies [][]byte
	var sigs []string
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, sigs = append(bodies, b), append(sigs, r.Header.Get(mimpd.SignatureHeader))
		mu.Unlock()
	}))
	defer sub.Close()

	if _, err := srv.Acknowledge(context.Background(), "mimbot-1-database"); err == nil {
		t.Error("acknowledged an incident that was never triggered")
	}
	if _, err := newClient(srv).ManageEventWithContext(context.Background(), trigger(routingKey, "mimbot-1-database")); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Acknowledge(context.Background(), "mimbot-1-database"); err == nil {
		t.Error("no subscription, yet no error")
	}
	srv.Subscribe(pagerdutyfake.Subscription{URL: sub.URL, Secret: "right"})
	srv.Subscribe(pagerdutyfake.Subscription{URL: sub.URL, Secret: "wrong"})
	got, err := srv.Acknowledge(context.Background(), "mimbot-1-database")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Status != http.StatusOK || got[1].Status != http.StatusOK {
		t.Fatalf("deliveries %+v", got)
	}
	if in := srv.Incidents()[0]; in.State != pagerdutyfake.Acknowledged || !in.AcknowledgedAt.Equal(at) {
		t.Errorf("incident %s acknowledged at %s", in.State, in.AcknowledgedAt)
	}
	if !mimpd.Verify("right", bodies[0], sigs[0]) || mimpd.Verify("right", bodies[1], sigs[1]) {
		t.Error("the subscription's secret signs its webhook, and only it")
	}
	ev, err := mimpd.ParseWebhook(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	e := ev.Event
	if e.EventType != mimpd.EventAcknowledged || e.ResourceType != "incident" || !e.OccurredAt.Equal(at) ||
		e.Data.IncidentKey != "mimbot-1-database" || e.Data.Status != "acknowledged" || len(e.ID) != 26 {
		t.Errorf("event %+v", e)
	}
}

package pagerdutyfake_test

import (
	"context"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/mim/mimtest"
)

func TestIncidentLifecycle(t *testing.T) {
	t.Parallel()
	clk := mimtest.NewClock(time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC))
	srv := startServer(t, pagerdutyfake.Options{Now: clk.Now})
	client := newClient(srv)
	ack := func(key, dedup string) *pagerduty.V2Event {
		return &pagerduty.V2Event{RoutingKey: key, Action: "acknowledge", DedupKey: dedup}
	}
	resolve := func(key, dedup string) *pagerduty.V2Event {
		return &pagerduty.V2Event{RoutingKey: key, Action: "resolve", DedupKey: dedup}
	}

	sends := []*pagerduty.V2Event{
		trigger(routingKey, "db"),      // 03:00 opens incident 0
		trigger(routingKey, "db"),      // 03:01 deduplicated into incident 0
		ack(routingKey, "db"),          // 03:02 acknowledges incident 0
		ack(routingKey, "db"),          // 03:03 already acknowledged: time kept
		ack(routingKey, "unknown"),     // 03:04 accepted, no incident
		trigger(otherRoutingKey, "db"), // 03:05 same dedup key, other service: incident 1
		resolve(routingKey, "db"),      // 03:06 resolves incident 0
		resolve(routingKey, "db"),      // 03:07 nothing open: no change
		trigger(routingKey, "db"),      // 03:08 reopens as incident 2
	}
	for i, e := range sends {
		if _, err := client.ManageEventWithContext(context.Background(), e); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		clk.Advance(time.Minute)
	}
	if got := len(srv.Events()); got != len(sends) {
		t.Errorf("accepted %d events, want %d", got, len(sends))
	}

	at := func(min int) time.Time { return time.Date(2025, 1, 2, 3, min, 0, 0, time.UTC) }
	want := []struct {
		name         string
		routingKey   string
		state        pagerdutyfake.State
		events       int
		triggered    time.Time
		acknowledged time.Time
		resolved     time.Time
	}{
		{name: "deduplicated, acknowledged then resolved", routingKey: routingKey, state: pagerdutyfake.Resolved,
			events: 5, triggered: at(0), acknowledged: at(2), resolved: at(6)},
		{name: "other service", routingKey: otherRoutingKey, state: pagerdutyfake.Triggered, events: 1, triggered: at(5)},
		{name: "reopened after resolve", routingKey: routingKey, state: pagerdutyfake.Triggered, events: 1, triggered: at(8)},
	}
	incidents := srv.Incidents()
	if len(incidents) != len(want) {
		t.Fatalf("got %d incidents, want %d: %+v", len(incidents), len(want), incidents)
	}
	for i, w := range want {
		t.Run(w.name, func(t *testing.T) {
			in := incidents[i]
			if in.RoutingKey != w.routingKey || in.DedupKey != "db" || in.State != w.state || len(in.Events) != w.events {
				t.Errorf("incident = %s/%s %s with %d events, want %s/db %s with %d",
					in.RoutingKey, in.DedupKey, in.State, len(in.Events), w.routingKey, w.state, w.events)
			}
			if !in.TriggeredAt.Equal(w.triggered) || !in.AcknowledgedAt.Equal(w.acknowledged) || !in.ResolvedAt.Equal(w.resolved) {
				t.Errorf("times = %v / %v / %v, want %v / %v / %v",
					in.TriggeredAt, in.AcknowledgedAt, in.ResolvedAt, w.triggered, w.acknowledged, w.resolved)
			}
			if in.Summary != "API error rate above 5%" || in.Source != "api-gateway" || in.Severity != "critical" {
				t.Errorf("incident details = %q %q %q", in.Summary, in.Source, in.Severity)
			}
		})
	}
}

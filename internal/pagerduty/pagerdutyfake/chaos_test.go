package pagerdutyfake_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"mimbot/internal/pagerduty/pagerdutyfake"
)

func TestChaos(t *testing.T) {
	tests := []struct {
		name   string
		chaos  pagerdutyfake.Chaos
		status int // 0: the connection is reset
	}{
		{"rate limited", pagerdutyfake.Chaos{Seed: 1, RateLimited: 1}, http.StatusTooManyRequests},
		{"server error", pagerdutyfake.Chaos{Seed: 1, ServerError: 1}, http.StatusInternalServerError},
		{"reset", pagerdutyfake.Chaos{Seed: 1, Reset: 1}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, pagerdutyfake.Options{})
			srv.SetChaos(tc.chaos)
			_, err := newClient(srv).ManageEventWithContext(context.Background(), trigger(routingKey, "mimbot-1-application"))
			var apiErr pagerduty.APIError
			switch {
			case err == nil:
				t.Fatal("accepted, want a failure")
			case tc.status != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tc.status):
				t.Fatalf("err = %v, want HTTP %d", err, tc.status)
			case tc.status == 0 && errors.As(err, &apiErr):
				t.Fatalf("err = %v, want a transport error", err)
			}
			if n := len(srv.Events()); n != 0 {
				t.Fatalf("%d events accepted by a failed request", n)
			}
		})
	}
	t.Run("spike", func(t *testing.T) {
		srv := startServer(t, pagerdutyfake.Options{})
		srv.SetChaos(pagerdutyfake.Chaos{Seed: 1, Spike: 1, SpikeLatency: 300 * time.Millisecond})
		start := time.Now()
		if _, err := newClient(srv).ManageEventWithContext(context.Background(), trigger(routingKey, "mimbot-1-application")); err != nil || time.Since(start) < 300*time.Millisecond {
			t.Fatalf("answered after %s (%v), want success after 300ms", time.Since(start), err)
		}
		if got := srv.ChaosCounts(); got.Spike != 1 || got.Calls != 1 || len(srv.Events()) != 1 {
			t.Fatalf("ChaosCounts = %+v, events %d", got, len(srv.Events()))
		}
	})
}

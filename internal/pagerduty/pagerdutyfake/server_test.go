package pagerdutyfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/mim/mimtest"
)

const (
	routingKey      = "0123456789abcdef0123456789abcdef"
	otherRoutingKey = "fedcba9876543210fedcba9876543210"
)

func startServer(t *testing.T, opts pagerdutyfake.Options) *pagerdutyfake.Server {
	t.Helper()
	srv := pagerdutyfake.New(opts)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func newClient(srv *pagerdutyfake.Server) *pagerduty.Client {
	return pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(srv.URL()))
}

func trigger(key, dedup string) *pagerduty.V2Event {
	return &pagerduty.V2Event{
		RoutingKey: key,
		Action:     "trigger",
		DedupKey:   dedup,
		Client:     "mimbot",
		Payload: &pagerduty.V2Payload{
			Summary:   "API error rate above 5%",
			Source:    "api-gateway",
			Severity:  "critical",
			Timestamp: "2025-01-02T03:04:05Z",
			Details:   map[string]string{"runbook": "https://example.invalid/rb"},
		},
	}
}

func withAction(e *pagerduty.V2Event, action string) *pagerduty.V2Event {
	e.Action = action
	return e
}

// statusOf returns the HTTP status go-pagerduty reports for err, 0 for nil.
func statusOf(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var apiErr pagerduty.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want pagerduty.APIError", err, err)
	}
	return apiErr.StatusCode
}

func TestManageEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		event         *pagerduty.V2Event
		wantStatus    int    // 0: accepted
		wantDedup     string // "": expect a generated 32-character key
		wantGenerated bool
	}{
		{name: "trigger with dedup key", event: trigger(routingKey, "db-primary-down"), wantDedup: "db-primary-down"},
		{name: "trigger without dedup key gets one", event: trigger(routingKey, ""), wantGenerated: true},
		{name: "acknowledge", event: &pagerduty.V2Event{RoutingKey: routingKey, Action: "acknowledge", DedupKey: "k1"},
			wantDedup: "k1"},
		{name: "resolve", event: &pagerduty.V2Event{RoutingKey: routingKey, Action: "resolve", DedupKey: "k1"},
			wantDedup: "k1"},
		{name: "summary of 1024 multi-byte characters", event: func() *pagerduty.V2Event {
			e := trigger(routingKey, "long")
			e.Payload.Summary = strings.Repeat("é", 1024)
			return e
		}(), wantDedup: "long"},
		{name: "routing key too short", event: trigger("abc", "x"), wantStatus: http.StatusBadRequest},
		{name: "unknown action", event: withAction(trigger(routingKey, "x"), "escalate"), wantStatus: http.StatusBadRequest},
		{name: "trigger without payload", event: &pagerduty.V2Event{RoutingKey: routingKey, Action: "trigger"},
			wantStatus: http.StatusBadRequest},
		{name: "bad severity", event: func() *pagerduty.V2Event {
			e := trigger(routingKey, "x")
			e.Payload.Severity = "sev1"
			return e
		}(), wantStatus: http.StatusBadRequest},
		{name: "summary too long", event: func() *pagerduty.V2Event {
			e := trigger(routingKey, "x")
			e.Payload.Summary = strings.Repeat("a", 1025)
			return e
		}(), wantStatus: http.StatusBadRequest},
		{name: "resolve without dedup key", event: &pagerduty.V2Event{RoutingKey: routingKey, Action: "resolve"},
			wantStatus: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, pagerdutyfake.Options{})

			resp, err := newClient(srv).ManageEventWithContext(context.Background(), tc.event)

			if got := statusOf(t, err); got != tc.wantStatus {
				t.Fatalf("status = %d, want %d (err %v)", got, tc.wantStatus, err)
			}
			events := srv.Events()
			if tc.wantStatus != 0 {
				if len(events) != 0 {
					t.Errorf("invalid event was accepted: %+v", events)
				}
				return
			}
			if resp.Status != "success" || resp.Message != "Event processed" {
				t.Errorf("response = %+v", resp)
			}
			if len(events) != 1 {
				t.Fatalf("accepted %d events, want 1", len(events))
			}
			ev := events[0]
			if ev.DedupKey != resp.DedupKey || ev.DedupKeyGenerated != tc.wantGenerated {
				t.Errorf("event dedup %q (generated %v), response %q", ev.DedupKey, ev.DedupKeyGenerated, resp.DedupKey)
			}
			switch {
			case tc.wantGenerated && len(resp.DedupKey) != 32:
				t.Errorf("generated dedup key %q, want 32 characters", resp.DedupKey)
			case !tc.wantGenerated && resp.DedupKey != tc.wantDedup:
				t.Errorf("dedup key = %q, want %q", resp.DedupKey, tc.wantDedup)
			}
			if ev.RoutingKey != tc.event.RoutingKey || ev.Action != tc.event.Action {
				t.Errorf("recorded %q %q", ev.RoutingKey, ev.Action)
			}
			if tc.event.Payload != nil &&
				(ev.Payload == nil || ev.Payload.Summary != tc.event.Payload.Summary || ev.Client != "mimbot" ||
					!strings.Contains(string(ev.Payload.CustomDetails), "runbook")) {
				t.Errorf("recorded payload %+v", ev.Payload)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clk := mimtest.NewClock(time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC))
	srv := startServer(t, pagerdutyfake.Options{RateLimitPerMinute: 2, Now: clk.Now})
	client := newClient(srv)

	steps := []struct {
		name      string
		advance   time.Duration
		key       string
		wantLimit bool
	}{
		{name: "first event", key: routingKey},
		{name: "second event", advance: 10 * time.Second, key: routingKey},
		{name: "third event within the minute", advance: 10 * time.Second, key: routingKey, wantLimit: true},
		{name: "other routing key has its own budget", key: otherRoutingKey},
		{name: "first event left the window", advance: 41 * time.Second, key: routingKey},
		{name: "second event still in the window", key: routingKey, wantLimit: true},
	}
	accepted := 0
	for _, st := range steps {
		clk.Advance(st.advance)
		_, err := client.ManageEventWithContext(context.Background(), trigger(st.key, "dk"))
		if st.wantLimit {
			var apiErr pagerduty.APIError
			if !errors.As(err, &apiErr) || !apiErr.RateLimited() {
				t.Fatalf("%s: err = %v, want a 429", st.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		accepted++
	}
	if got := len(srv.Events()); got != accepted {
		t.Errorf("accepted %d events, want %d", got, accepted)
	}
	if got := srv.Attempts(); got != len(steps) {
		t.Errorf("Attempts = %d, want %d", got, len(steps))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       pagerdutyfake.Fault
		timeout     time.Duration
		wantStatus  int // 0: accepted; -1: transport error
		wantMinTime time.Duration
	}{
		{name: "internal server error", fault: pagerdutyfake.Fault{Status: http.StatusInternalServerError},
			wantStatus: http.StatusInternalServerError},
		{name: "bad gateway", fault: pagerdutyfake.Fault{Status: http.StatusBadGateway}, wantStatus: http.StatusBadGateway},
		{name: "delay then accept", fault: pagerdutyfake.Fault{Delay: 50 * time.Millisecond}, wantMinTime: 50 * time.Millisecond},
		{name: "delay then fail", fault: pagerdutyfake.Fault{Delay: 20 * time.Millisecond, Status: http.StatusServiceUnavailable},
			wantStatus: http.StatusServiceUnavailable, wantMinTime: 20 * time.Millisecond},
		{name: "delay past client deadline", fault: pagerdutyfake.Fault{Delay: 10 * time.Second},
			// The client's deadline ending the call is checked by ctx.Err, not by a
			// stopwatch: the deadline starts before the test's clock does.
			timeout: 100 * time.Millisecond, wantStatus: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, pagerdutyfake.Options{})
			srv.InjectFault(tc.fault)
			client := newClient(srv)
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}

			start := time.Now()
			_, err := client.ManageEventWithContext(ctx, trigger(routingKey, "dk"))
			elapsed := time.Since(start)

			switch tc.wantStatus {
			case -1:
				if err == nil || ctx.Err() == nil {
					t.Fatalf("err = %v, ctx.Err = %v; want the client deadline to end the call", err, ctx.Err())
				}
			case 0:
				if err != nil {
					t.Fatalf("ManageEventWithContext: %v", err)
				}
			default:
				var apiErr pagerduty.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.wantStatus || !apiErr.Temporary() {
					t.Fatalf("err = %v, want a temporary %d", err, tc.wantStatus)
				}
			}
			if elapsed < tc.wantMinTime || elapsed > 2*time.Second {
				t.Errorf("took %v, want at least %v and well under the fault delay", elapsed, tc.wantMinTime)
			}
			wantEvents := 0
			if tc.wantStatus == 0 {
				wantEvents = 1
			}
			if got := len(srv.Events()); got != wantEvents {
				t.Errorf("accepted %d events, want %d", got, wantEvents)
			}

			// The fault is used up: the retry goes through.
			if _, err := client.ManageEventWithContext(context.Background(), trigger(routingKey, "dk")); err != nil {
				t.Errorf("retry after fault: %v", err)
			}
			if srv.Attempts() != 2 {
				t.Errorf("Attempts = %d, want 2", srv.Attempts())
			}
		})
	}
}

func TestInvalidEventBody(t *testing.T) {
	t.Parallel()
	const key = `"routing_key":"` + routingKey + `"`
	tests := []struct {
		name       string
		body       string
		wantErrors []string
	}{
		{name: "empty object", body: `{}`, wantErrors: []string{
			"'routing_key' is missing or blank", "'event_action' is missing or blank"}},
		{name: "short key and unknown action", body: `{"routing_key":"abc","event_action":"page"}`, wantErrors: []string{
			"'routing_key' must be 32 characters",
			"'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"}},
		{name: "trigger with blank payload", body: `{` + key + `,"event_action":"trigger","payload":{"summary":"  "}}`,
			wantErrors: []string{"'payload.summary' is missing or blank", "'payload.source' is missing or blank",
				"'payload.severity' is missing or blank"}},
		{name: "bad severity and timestamp", body: `{` + key + `,"event_action":"trigger","payload":{"summary":"s",` +
			`"source":"h","severity":"high","timestamp":"yesterday"}}`,
			wantErrors: []string{
				"'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
				"'payload.timestamp' is invalid (must be ISO 8601)"}},
		{name: "acknowledge without dedup key", body: `{` + key + `,"event_action":"acknowledge"}`,
			wantErrors: []string{"'dedup_key' is missing or blank"}},
		{name: "dedup key too long", body: `{` + key + `,"event_action":"resolve","dedup_key":"` + strings.Repeat("d", 256) + `"}`,
			wantErrors: []string{"'dedup_key' must be 255 characters or fewer"}},
		{name: "links not an array", body: `{` + key + `,"event_action":"resolve","dedup_key":"d","links":{}}`,
			wantErrors: []string{"'links' must be an array"}},
		{name: "not json", body: `routing_key=abc`, wantErrors: []string{"Invalid JSON: "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, pagerdutyfake.Options{})
			resp, err := http.Post(srv.EnqueueURL(), "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				Status  string   `json:"status"`
				Message string   `json:"message"`
				Errors  []string `json:"errors"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if resp.StatusCode != http.StatusBadRequest || got.Status != "invalid event" ||
				got.Message != "Event object is invalid" {
				t.Errorf("got %d %q %q, want 400 invalid event", resp.StatusCode, got.Status, got.Message)
			}
			if len(got.Errors) != len(tc.wantErrors) {
				t.Fatalf("errors = %q, want %q", got.Errors, tc.wantErrors)
			}
			for i, want := range tc.wantErrors {
				if !strings.HasPrefix(got.Errors[i], want) {
					t.Errorf("errors[%d] = %q, want %q", i, got.Errors[i], want)
				}
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	srv := startServer(t, pagerdutyfake.Options{})
	tests := []struct {
		name   string
		method string
		url    string
		want   int
	}{
		{name: "get enqueue", method: http.MethodGet, url: srv.EnqueueURL(), want: http.StatusMethodNotAllowed},
		{name: "unknown path", method: http.MethodPost, url: srv.URL() + "/v1/enqueue", want: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if !strings.HasSuffix(srv.EnqueueURL(), "/v2/enqueue") || strings.Contains(srv.URL(), "/v2") {
		t.Errorf("URL %q, EnqueueURL %q", srv.URL(), srv.EnqueueURL())
	}
}

// TestHandlerStopsWaitingWhenRequestEnds drives ServeHTTP directly: a fault
// delay must end when the request's context does, without writing an answer.
func TestHandlerStopsWaitingWhenRequestEnds(t *testing.T) {
	t.Parallel()
	srv := pagerdutyfake.New(pagerdutyfake.Options{})
	defer srv.Close()
	srv.InjectFault(pagerdutyfake.Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, pagerdutyfake.EnqueuePath, strings.NewReader("{}"))
	rec := httptest.NewRecorder()

	start := time.Now()
	panicked := func() (v any) {
		defer func() { v = recover() }()
		srv.ServeHTTP(rec, req)
		return nil
	}()

	if d := time.Since(start); d > time.Second {
		t.Errorf("ServeHTTP took %v after the request ended", d)
	}
	if panicked != http.ErrAbortHandler {
		t.Errorf("ServeHTTP panicked with %v, want http.ErrAbortHandler (drop the connection)", panicked)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("wrote %q, want no answer", rec.Body.String())
	}
}

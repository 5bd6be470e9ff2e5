package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot"
)

// calls is a hand-written mim.CallObserver that records what it is told.
type calls struct {
	mu      sync.Mutex
	called  []string
	retried []string
}

func (c *calls) Called(platform, method string, code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.called = append(c.called, fmt.Sprintf("%s %s %d", platform, method, code))
}

func (c *calls) Retried(platform, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retried = append(c.retried, platform+" "+reason)
}

func TestOutboundCountsAttemptsAndRetries(t *testing.T) {
	answers := []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusOK, http.StatusNotFound, http.StatusOK}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		code := answers[0]
		answers = answers[1:]
		mu.Unlock()
		w.WriteHeader(code)
	}))
	defer srv.Close()
	obs := &calls{}
	client := &http.Client{Transport: &bot.Outbound{Platform: "slack", Observer: obs}}
	get := func(ctx context.Context, path string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// One call tried three times (429, 503, 200), then another call answered 404 and
	// a request outside any call.
	ctx := bot.Call(context.Background(), "chat.postMessage")
	for range 3 {
		get(ctx, "/api/chat.postMessage")
	}
	get(bot.Call(context.Background(), "conversations.info"), "/api/conversations.info")
	get(context.Background(), "/api/apps.connections.open")

	wantCalled := []string{
		"slack chat.postMessage 429", "slack chat.postMessage 503", "slack chat.postMessage 200",
		"slack conversations.info 404", "slack apps.connections.open 200",
	}
	if diff := cmp.Diff(wantCalled, obs.called); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"slack 429", "slack 5xx"}, obs.retried); diff != "" {
		t.Errorf("retries (-want +got):\n%s", diff)
	}

	// A network failure: no answer, code 0, and the next attempt is a retry.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	obs = &calls{}
	client.Transport = &bot.Outbound{Platform: "discord", Observer: obs}
	ctx = bot.Call(context.Background(), "POST /channels/{channel}/messages")
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, dead.URL+"/api/v10/channels/123/messages", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("a closed server answered")
		}
	}
	if diff := cmp.Diff([]string{"discord POST /channels/{channel}/messages 0", "discord POST /channels/{channel}/messages 0"}, obs.called); diff != "" {
		t.Errorf("attempts to a closed server (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"discord network"}, obs.retried); diff != "" {
		t.Errorf("retries after a network failure (-want +got):\n%s", diff)
	}
}

func TestRequestMethod(t *testing.T) {
	tests := []struct {
		name, method, url, want string
	}{
		{"slack method", http.MethodPost, "https://slack.com/api/apps.connections.open", "apps.connections.open"},
		{"discord gateway", http.MethodGet, "https://discord.com/api/v10/gateway/bot", "GET /api/v10/gateway/bot"},
		{"discord ids hidden", http.MethodPost, "https://discord.com/api/v10/channels/1234567890/messages", "POST /api/v10/channels/{id}/messages"},
		{"interaction token hidden", http.MethodPost, "https://discord.com/api/v10/interactions/99/aW50ZXJhY3Rpb246OTk/callback", "POST /api/v10/interactions/{id}/{id}/callback"},
		{"lowercase token hidden by length", http.MethodPost, "https://x.test/webhooks/abcdefghijklmnopqrstuvwxyzabcdef", "POST /webhooks/{id}"},
		{"pagerduty events", http.MethodPost, "https://events.pagerduty.com/v2/enqueue", "POST /v2/enqueue"},
		{"root", http.MethodGet, "https://x.test/", "GET /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := bot.RequestMethod(r); got != tt.want {
				t.Errorf("RequestMethod(%s %s) = %q, want %q", tt.method, tt.url, got, tt.want)
			}
		})
	}
}

package discordfake

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestChaos(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	path := "/api/v10/channels/" + testStakeholders + "/messages"
	post := func() (*http.Response, []byte) {
		return rawCall(t, f, http.MethodPost, path, map[string]string{"content": "chaos"}, true)
	}

	f.SetChaos(Chaos{Seed: 1, RateLimited: 1, RetryAfter: 2 * time.Second})
	resp, body := post()
	var rl struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(body, &rl) != nil || rl.RetryAfter != 2 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("with RateLimited 1: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	f.SetChaos(Chaos{})
	// A call right after the 429 was on the wire already: refused, not counted early.
	if resp, _ := post(); resp.StatusCode != http.StatusTooManyRequests || f.EarlyRetries() != 0 {
		t.Fatalf("just after the 429: %d, early %d; want 429 and 0", resp.StatusCode, f.EarlyRetries())
	}
	time.Sleep(injectedGrace) // well inside the 2 s retry_after
	if resp, _ := post(); resp.StatusCode != http.StatusTooManyRequests || f.EarlyRetries() != 1 {
		t.Fatalf("inside the retry_after: %d, early %d; want 429 and 1", resp.StatusCode, f.EarlyRetries())
	}

	g := startFake(t, baseOptions())
	g.SetChaos(Chaos{Seed: 1, ServerError: 1})
	if resp, _ := rawCall(t, g, http.MethodPost, path, map[string]string{"content": "chaos"}, true); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("with ServerError 1: %d, want 502", resp.StatusCode)
	}
	if n := len(g.Messages(testStakeholders)); n != 0 {
		t.Fatalf("a failed call posted %d messages", n)
	}
	g.SetChaos(Chaos{Seed: 1, Spike: 1, SpikeLatency: 300 * time.Millisecond})
	start := time.Now()
	if resp, _ := rawCall(t, g, http.MethodPost, path, map[string]string{"content": "chaos"}, true); resp.StatusCode != http.StatusOK || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("with Spike 1: %d after %s, want 200 after 300ms", resp.StatusCode, time.Since(start))
	}
	if got := g.ChaosCounts(); got.ServerError != 1 || got.Spike != 1 || got.Calls != 2 {
		t.Fatalf("ChaosCounts = %+v", got)
	}
}

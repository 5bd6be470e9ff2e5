package discordfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	msgs := "/api/v10/channels/" + testStakeholders + "/messages"
	tests := []struct {
		name          string
		method, path  string
		body          any
		auth          bool
		wantStatus    int
		wantLimit     string
		wantRemaining string
	}{
		{name: "current user", method: http.MethodGet, path: "/api/v9/users/@me", auth: true, wantStatus: 200, wantLimit: "5", wantRemaining: "4"},
		{name: "first message", method: http.MethodPost, path: msgs, body: map[string]string{"content": "a"}, auth: true, wantStatus: 200, wantLimit: "5", wantRemaining: "4"},
		{name: "second message", method: http.MethodPost, path: msgs, body: map[string]string{"content": "b"}, auth: true, wantStatus: 200, wantLimit: "5", wantRemaining: "3"},
		{name: "form error still counts", method: http.MethodPost, path: msgs, body: map[string]string{"content": ""}, auth: true, wantStatus: 400, wantLimit: "5", wantRemaining: "2"},
		{name: "gateway without auth", method: http.MethodGet, path: "/api/v10/gateway", wantStatus: 200, wantLimit: "5", wantRemaining: "4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawCall(t, f, tc.method, tc.path, tc.body, tc.auth)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			h := resp.Header
			if h.Get("X-RateLimit-Limit") != tc.wantLimit || h.Get("X-RateLimit-Remaining") != tc.wantRemaining || h.Get("X-RateLimit-Bucket") == "" {
				t.Fatalf("headers %v", h)
			}
			reset, err1 := strconv.ParseFloat(h.Get("X-RateLimit-Reset"), 64)
			after, err2 := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
			now := float64(time.Now().UnixNano()) / 1e9
			if err1 != nil || err2 != nil || after <= 0 || after > 5 || reset < now-1 || reset > now+6 {
				t.Fatalf("reset %q reset-after %q", h.Get("X-RateLimit-Reset"), h.Get("X-RateLimit-Reset-After"))
			}
		})
	}
	resp, body := rawCall(t, f, http.MethodGet, "/api/v10/users/@me", nil, false)
	if resp.StatusCode != http.StatusUnauthorized || string(body) != `{"code":0,"message":"401: Unauthorized"}`+"\n" {
		t.Fatalf("no auth: %d %s", resp.StatusCode, body)
	}
}

// TestDiscordgoWaitsOut429 exhausts the channel's message bucket behind
// discordgo's back (as a second bot process would), then checks that
// discordgo sees the 429, sleeps retry_after and succeeds, without retrying
// early.
func TestDiscordgoWaitsOut429(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.05 // 5 messages per 250 ms
	f := startFake(t, opts)
	s := newSession(t, f)
	path := "/api/v10/channels/" + testStakeholders + "/messages"
	for i := 0; i < 5; i++ {
		if resp, body := rawCall(t, f, http.MethodPost, path, map[string]string{"content": "other process"}, true); resp.StatusCode != 200 {
			t.Fatalf("priming: %d %s", resp.StatusCode, body)
		}
	}
	start := time.Now()
	m, err := s.ChannelMessageSend(testStakeholders, "from discordgo")
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	var limited, after *Call
	calls := f.Calls()
	for i := range calls {
		c := &calls[i]
		if c.Route != "POST /channels/{channel_id}/messages" {
			continue
		}
		if c.RateLimited && limited == nil {
			limited = c
		} else if limited != nil && c.Status == 200 {
			after = c
		}
	}
	if limited == nil || after == nil {
		t.Fatalf("want a 429 then a 200 in %+v", calls)
	}
	if limited.Global || limited.Status != http.StatusTooManyRequests {
		t.Fatalf("429 call %+v", limited)
	}
	if gap := after.Time.Sub(limited.Time); gap < 150*time.Millisecond || elapsed < 150*time.Millisecond {
		t.Fatalf("discordgo retried after %v (elapsed %v); the window was 250 ms", gap, elapsed)
	}
	if f.EarlyRetries() != 0 {
		t.Fatalf("EarlyRetries = %d, want 0", f.EarlyRetries())
	}
	if stored, ok := f.Message(m.ID); !ok || stored.Content != "from discordgo" {
		t.Fatal("message not stored")
	}
}

func TestEarlyRetriesAreCounted(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.05
	f := startFake(t, opts)
	path := "/api/v10/channels/" + testStakeholders + "/messages"
	var resp *http.Response
	var body []byte
	for i := 0; i < 6; i++ {
		resp, body = rawCall(t, f, http.MethodPost, path, map[string]string{"content": "spam"}, true)
	}
	var rl struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(body, &rl) != nil || rl.RetryAfter <= 0 || rl.Global ||
		rl.Message != "You are being rate limited." || resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-RateLimit-Scope") != "user" {
		t.Fatalf("sixth message: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	tests := []struct {
		name       string
		wait       time.Duration
		wantStatus int
		wantEarly  int
	}{
		{name: "retry at once", wait: 0, wantStatus: http.StatusTooManyRequests, wantEarly: 1},
		{name: "retry after retry_after", wait: time.Duration(rl.RetryAfter*float64(time.Second)) + 20*time.Millisecond, wantStatus: http.StatusOK, wantEarly: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			time.Sleep(tc.wait)
			resp, _ := rawCall(t, f, http.MethodPost, path, map[string]string{"content": "retry"}, true)
			if resp.StatusCode != tc.wantStatus || f.EarlyRetries() != tc.wantEarly {
				t.Fatalf("status %d early %d, want %d and %d", resp.StatusCode, f.EarlyRetries(), tc.wantStatus, tc.wantEarly)
			}
		})
	}
}

func TestGlobalRateLimit(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.GlobalLimit = RouteLimit{Limit: 3, Window: 400 * time.Millisecond}
	f := startFake(t, opts)
	for _, p := range []string{"/api/v10/users/@me", "/api/v10/gateway/bot", "/api/v10/guilds/" + testGuild + "/channels"} {
		if resp, body := rawCall(t, f, http.MethodGet, p, nil, true); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	tests := []struct {
		name       string
		path       string
		method     string
		auth       bool
		wantStatus int
		wantGlobal bool
	}{
		{name: "fourth request hits the global limit", method: http.MethodGet, path: "/api/v10/channels/" + testStakeholders, auth: true, wantStatus: http.StatusTooManyRequests, wantGlobal: true},
		{name: "interaction webhooks are exempt", method: http.MethodGet, path: "/api/v10/webhooks/" + DefaultApplicationID + "/no-such-token/messages/@original", wantStatus: http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawCall(t, f, tc.method, tc.path, nil, tc.auth)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if !tc.wantGlobal {
				return
			}
			var rl struct {
				Global bool `json:"global"`
			}
			_ = json.Unmarshal(body, &rl)
			if !rl.Global || resp.Header.Get("X-RateLimit-Global") != "true" || resp.Header.Get("X-RateLimit-Scope") != "global" {
				t.Fatalf("global 429: %s %v", body, resp.Header)
			}
		})
	}
	// discordgo honours the global lock and waits it out.
	s := newSession(t, f)
	start := time.Now()
	if _, err := s.User("@me"); err != nil {
		t.Fatalf("discordgo after a global 429: %v", err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Fatalf("discordgo did not wait for the global window (%v)", time.Since(start))
	}
}

func TestFaultsAndLatency(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	tests := []struct {
		name       string
		fault      Fault
		wantErr    bool
		wantStatus int
		wantCode   int
	}{
		{name: "500 surfaces", fault: FaultStatus(500, 1), wantErr: true, wantStatus: 500},
		{name: "one 502 is retried by discordgo", fault: FaultStatus(502, 1)},
		{name: "discord error", fault: FaultDiscordError(403, CodeMissingAccess, "Missing Access", 1), wantErr: true, wantStatus: 403, wantCode: CodeMissingAccess},
		{name: "dropped connection", fault: FaultDrop(1), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.InjectFault("POST /channels/", tc.fault)
			_, err := s.ChannelMessageSend(testStakeholders, "during an outage")
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
			} else if err == nil {
				t.Fatal("want an error")
			} else if tc.wantStatus != 0 {
				if e := errorOf(t, err); e.Status != tc.wantStatus || e.Code != tc.wantCode {
					t.Fatalf("got %+v", e)
				}
			}
			if _, err := s.ChannelMessageSend(testStakeholders, "after"); err != nil {
				t.Fatalf("fault not consumed: %v", err)
			}
		})
	}
	faults := 0
	for _, c := range f.Calls() {
		if c.Fault {
			faults++
		}
	}
	if faults != len(tests) {
		t.Fatalf("%d faulted calls recorded, want %d", faults, len(tests))
	}

	f.SetLatency("/users/@me", 150*time.Millisecond)
	start := time.Now()
	if _, err := s.User("@me"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("GET /users/@me took %v, want >= 150ms", d)
	}
	start = time.Now()
	if _, err := s.ChannelMessageSend(testStakeholders, "fast"); err != nil || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("latency leaked to other routes: %v %v", err, time.Since(start))
	}
}

func TestClientRewritesDiscordURLs(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	s, _ := discordgo.New("Bot " + f.BotToken())
	s.Client = f.Client()
	u, err := s.User("@me")
	if err != nil || u.ID != f.ApplicationID() || !u.Bot {
		t.Fatalf("User(@me) through Server.Client: %v %+v", err, u)
	}
}

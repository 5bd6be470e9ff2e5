package slackfake

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func rateLimited(t *testing.T, err error) time.Duration {
	t.Helper()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("error = %v, want *slack.RateLimitedError", err)
	}
	return rl.RetryAfter
}

func TestTierLimitWithScale(t *testing.T) {
	clock := newTestClock()
	f, api := startFake(t, Options{Clock: clock.Now, RateLimitScale: 60})

	// Tier 2 at scale 60: a burst of 20, then one call per 50 ms.
	for i := 0; i < 20; i++ {
		mustCreate(t, api, fmt.Sprintf("burst-%d", i))
	}
	_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "one-too-many"})
	if ra := rateLimited(t, err); ra != time.Second {
		t.Fatalf("slack-go saw Retry-After %v, want 1s (50 ms rounded up)", ra)
	}

	steps := []struct {
		name      string
		advance   time.Duration
		wantOK    bool
		wantEarly int
	}{
		{"retry at once", 0, false, 1},
		{"retry after 49 ms", 49 * time.Millisecond, false, 2},
		{"retry when the window ends", time.Millisecond, true, 2},
		{"next call is limited again", 0, false, 2},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Advance(st.advance)
			_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: fmt.Sprintf("retry-%d", i)})
			if st.wantOK && err != nil {
				t.Fatalf("want success, got %v", err)
			}
			if !st.wantOK {
				rateLimited(t, err)
			}
			if got := f.EarlyRetries(); got != st.wantEarly {
				t.Fatalf("EarlyRetries = %d, want %d", got, st.wantEarly)
			}
		})
	}

	calls := f.CallsTo("conversations.create")
	last := calls[len(calls)-1]
	if last.Status != http.StatusTooManyRequests || last.RetryAfter != 50*time.Millisecond || last.EarlyRetry {
		t.Fatalf("last call = %+v", last)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	clock := newTestClock()
	f, _ := startFake(t, Options{Clock: clock.Now, RateLimitScale: 60})
	post := func() *http.Response {
		resp, err := http.PostForm(f.URL()+"/api/apps.connections.open", url.Values{"token": {f.AppToken()}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post(); resp.StatusCode != http.StatusOK {
		t.Fatalf("first call status %d", resp.StatusCode)
	}
	clock.Advance(250 * time.Millisecond)
	resp := post() // Tier 1 at scale 60: one call per second
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tests := []struct {
		name, got, want string
	}{
		{"status", strconv.Itoa(resp.StatusCode), "429"},
		{"Retry-After rounds up", resp.Header.Get("Retry-After"), "1"},
		{"exact wait", resp.Header.Get(RetryAfterMsHeader), "750"},
		{"body", strings.TrimSpace(string(body)), `{"error":"ratelimited","ok":false}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestPostMessagePerChannelLimit(t *testing.T) {
	clock := newTestClock()
	f, api := startFake(t, Options{Clock: clock.Now})
	a := mustCreate(t, api, "chan-a")
	b := mustCreate(t, api, "chan-b")
	post := func(ch string) error {
		_, _, err := api.PostMessage(ch, slack.MsgOptionText("x", false))
		return err
	}
	for i := 0; i < postMessageBurst; i++ {
		if err := post(a.ID); err != nil {
			t.Fatalf("burst message %d: %v", i, err)
		}
	}
	tests := []struct {
		name    string
		advance time.Duration
		channel string
		limited bool
	}{
		{"burst exhausted", 0, a.ID, true},
		{"same channel by name shares the bucket", 0, "#chan-a", true},
		{"other channel unaffected", 0, b.ID, false},
		{"one second later", time.Second, a.ID, false},
		{"then limited again", 0, a.ID, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			err := post(tc.channel)
			if tc.limited {
				if ra := rateLimited(t, err); ra != time.Second {
					t.Fatalf("Retry-After = %v", ra)
				}
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
	if n := f.EarlyRetries(); n != 1 {
		t.Fatalf("EarlyRetries = %d, want 1 (the retry by name)", n)
	}
}

func TestRateLimitInRealTime(t *testing.T) {
	// No fake clock: the scale factor alone keeps this fast.
	f, _ := startFake(t, Options{RateLimitScale: 600})
	sm := slack.New("", slack.OptionAPIURL(f.URL()+"/api/"), slack.OptionAppLevelToken(f.AppToken()))
	if _, _, err := sm.StartSocketModeContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _, err := sm.StartSocketModeContext(t.Context())
	rateLimited(t, err)
	calls := f.CallsTo("apps.connections.open")
	wait := calls[len(calls)-1].RetryAfter
	if wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("exact wait = %v, want <= 100ms at scale 600", wait)
	}
	time.Sleep(wait)
	if _, _, err := sm.StartSocketModeContext(t.Context()); err != nil {
		t.Fatalf("after waiting %v: %v", wait, err)
	}
	if f.EarlyRetries() != 0 {
		t.Fatalf("EarlyRetries = %d", f.EarlyRetries())
	}
}

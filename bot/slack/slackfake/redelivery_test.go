package slackfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRedelivery sends a slash command again with its trigger id and an event again
// with its event id, as retries, and checks what the bot receives.
func TestRedelivery(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "redelivery")
	type got struct{ Trigger, EventID, RetryNum, RetryReason string }
	var seen []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := got{RetryNum: r.Header.Get("X-Slack-Retry-Num"), RetryReason: r.Header.Get("X-Slack-Retry-Reason")}
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("trigger_id") != "" {
			g.Trigger = form.Get("trigger_id")
		}
		var ev struct {
			EventID string `json:"event_id"`
		}
		if json.Unmarshal(body, &ev) == nil {
			g.EventID = ev.EventID
		}
		seen = append(seen, g)
	}))
	defer srv.Close()
	ctx := context.Background()
	trigger := f.IssueTriggerID(alice)
	cmd := SlashCommand{Command: "/deploy", Text: "api", UserID: alice, ChannelID: ch.ID, TriggerID: trigger}
	for _, opts := range [][]SignOption{nil, {WithRetry(1)}} {
		if _, _, err := f.PostSlashCommand(ctx, srv.URL+"/commands", signingSecret, cmd, opts...); err != nil {
			t.Fatal(err)
		}
	}
	ev := map[string]any{"type": "app_mention", "user": alice, "channel": ch.ID, "text": "hi"}
	for _, opts := range [][]SignOption{{WithEventID("Ev0001")}, {WithEventID("Ev0001"), WithRetry(3)}} {
		if _, _, err := f.PostEvent(ctx, srv.URL+"/events", signingSecret, ev, opts...); err != nil {
			t.Fatal(err)
		}
	}
	want := []got{
		{Trigger: trigger},
		{Trigger: trigger, RetryNum: "1", RetryReason: "http_timeout"},
		{EventID: "Ev0001"},
		{EventID: "Ev0001", RetryNum: "3", RetryReason: "http_timeout"},
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

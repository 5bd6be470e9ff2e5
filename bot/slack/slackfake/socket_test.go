package slackfake

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// testBot is a minimal Socket Mode bot built on slack-go's socketmode client.
type testBot struct {
	api    *slack.Client
	client *socketmode.Client
	mu     sync.Mutex
	seen   []socketmode.EventType
	events []any
}

func (b *testBot) record(t socketmode.EventType, data any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = append(b.seen, t)
	if data != nil {
		b.events = append(b.events, data)
	}
}

func (b *testBot) saw(t socketmode.EventType) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.seen {
		if s == t {
			return true
		}
	}
	return false
}

// runBot connects a socketmode client to f; handle runs for every request
// that needs an ack and returns the ack payload.
func runBot(t *testing.T, f *Server, handle func(b *testBot, evt socketmode.Event) any) *testBot {
	t.Helper()
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.URL()+"/api/"), slack.OptionAppLevelToken(f.AppToken()))
	b := &testBot{api: api, client: socketmode.New(api, socketmode.OptionPingInterval(300*time.Millisecond))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.client.RunContext(ctx)
	}()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-b.client.Events:
				b.record(evt.Type, evt.Data)
				if evt.Request != nil && evt.Request.EnvelopeID != "" {
					payload := handle(b, evt)
					_ = b.client.Ack(*evt.Request, payload)
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer wcancel()
	if err := f.WaitConnected(wctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return b
}

func TestSocketModeRoundTrip(t *testing.T) {
	clock := newTestClock()
	f, api := startFake(t, Options{Clock: clock.Now, PingInterval: 50 * time.Millisecond})
	ch := mustCreate(t, api, "ops")
	if _, err := api.InviteUsersToConversation(ch.ID, alice); err != nil {
		t.Fatal(err)
	}

	bot := runBot(t, f, func(b *testBot, evt socketmode.Event) any {
		switch data := evt.Data.(type) {
		case slack.SlashCommand:
			switch data.Command {
			case "/incident":
				if _, err := b.api.OpenView(data.TriggerID, modal("Declare incident")); err != nil {
					t.Errorf("views.open from slash command: %v", err)
				}
				_, _, err := b.api.PostMessage(data.ChannelID, slack.MsgOptionResponseURL(data.ResponseURL, slack.ResponseTypeInChannel),
					slack.MsgOptionText("incident declared by <@"+data.UserID+">", false))
				if err != nil {
					t.Errorf("response_url: %v", err)
				}
				return map[string]string{"text": "working on " + data.Text}
			case "/slow":
				clock.Advance(AckDeadline + time.Second)
			}
		case slack.InteractionCallback:
			_, _, err := b.api.PostMessage(data.Channel.ID, slack.MsgOptionReplaceOriginal(data.ResponseURL),
				slack.MsgOptionText("approved by "+data.User.ID, false))
			if err != nil {
				t.Errorf("replace_original: %v", err)
			}
		}
		return nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if !waitFor(func() bool { return bot.saw(socketmode.EventTypeHello) }) || f.Hellos() != 1 {
		t.Fatalf("hello: bot saw %v, fake sent %d", bot.seen, f.Hellos())
	}

	ack, err := f.SendSlashCommand(ctx, SlashCommand{Command: "/incident", Text: "db down", UserID: alice, ChannelID: ch.ID})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"acked in time", ack.Acked && !ack.Late && ack.Type == "slash_commands" && ack.Transport == "socket"},
		{"ack payload", strings.Contains(string(ack.Payload), "working on db down")},
		{"modal opened with the command's trigger", len(f.OpenedViews()) == 1 && f.OpenedViews()[0].TriggerID == ack.TriggerID},
		{"response_url post recorded", len(f.ResponseURLPosts()) == 2 && f.ResponseURLPosts()[0].ResponseType == "in_channel"},
		{"ack message shown as an answer", len(f.ResponseURLPosts()) == 2 && f.ResponseURLPosts()[1].Ack && f.ResponseURLPosts()[1].Text == "working on db down"},
		{"in_channel response is a channel message", lastText(f.Messages(ch.ID)) == "incident declared by <@"+alice+">"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Fatalf("ack %+v, views %+v, posts %+v", ack, f.OpenedViews(), f.ResponseURLPosts())
			}
		})
	}

	// An interaction on a bot message: the response_url replaces it.
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("approve deploy?", false))
	if err != nil {
		t.Fatal(err)
	}
	ia, err := f.SendInteraction(ctx, map[string]any{
		"type":      "block_actions",
		"user":      map[string]any{"id": bob},
		"channel":   map[string]any{"id": ch.ID},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": ch.ID},
		"actions":   []any{map[string]any{"action_id": "approve", "type": "button", "value": "yes"}},
	})
	if err != nil || !ia.Acked || ia.TriggerID == "" || ia.ResponseURL == "" {
		t.Fatalf("interaction ack = %+v, %v", ia, err)
	}
	if m, _ := f.Message(ch.ID, ts); m.Text != "approved by "+bob || m.Updated != 1 {
		t.Fatalf("after replace_original: %+v", m)
	}

	// An event: reaction_added reaches the bot as slackevents.ReactionAddedEvent.
	ev, err := f.AddReaction(ch.ID, ts, "rocket", alice)
	if err != nil {
		t.Fatal(err)
	}
	if ea, err := f.SendEvent(ctx, ev); err != nil || !ea.Acked {
		t.Fatalf("event ack = %+v, %v", ea, err)
	}
	if !waitFor(func() bool { return bot.hasReaction("rocket") }) {
		t.Fatal("bot did not receive reaction_added")
	}

	// A slow ack is recorded as late.
	slow, err := f.SendSlashCommand(ctx, SlashCommand{Command: "/slow", UserID: alice, ChannelID: ch.ID})
	if err != nil || !slow.Acked || !slow.Late || f.LateAcks() != 1 {
		t.Fatalf("slow ack = %+v, late acks %d, %v", slow, f.LateAcks(), err)
	}

	// Pings keep the connection alive past the client's 300 ms ping timeout.
	time.Sleep(500 * time.Millisecond)
	if f.Hellos() != 1 {
		t.Fatalf("client reconnected (%d hellos): pings are not reaching it", f.Hellos())
	}

	// disconnect: the client reconnects through apps.connections.open (Tier 1).
	clock.Advance(time.Minute)
	f.DisconnectAll("refresh_requested")
	if !waitFor(func() bool { return f.Hellos() == 2 && f.SocketConnections() == 1 }) {
		t.Fatalf("no reconnect after disconnect: hellos %d, connections %d", f.Hellos(), f.SocketConnections())
	}
	if _, err := f.SendEvent(ctx, map[string]any{"type": "app_mention", "user": alice, "text": "<@" + f.BotUserID() + "> hi", "channel": ch.ID}); err != nil {
		t.Fatalf("event after reconnect: %v", err)
	}
	if f.EarlyRetries() != 0 {
		t.Fatalf("EarlyRetries = %d", f.EarlyRetries())
	}
}

func (b *testBot) hasReaction(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.events {
		if api, ok := e.(slackevents.EventsAPIEvent); ok {
			if r, ok := api.InnerEvent.Data.(*slackevents.ReactionAddedEvent); ok && r.Reaction == name {
				return true
			}
		}
	}
	return false
}

func lastText(msgs []Message) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Text
}

func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

func TestSocketModeErrors(t *testing.T) {
	f, api := startFake(t, Options{})
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"send without a connection", func() error {
			_, err := f.SendEvent(context.Background(), map[string]any{"type": "app_mention"})
			return err
		}, ErrNotConnected.Error()},
		{"connections.open with the bot token", func() error {
			_, _, err := api.StartSocketModeContext(context.Background())
			return err
		}, "not_authed"}, // slack-go sends no app token at all here
		{"event without type", func() error {
			_, err := f.SendEvent(context.Background(), map[string]any{"user": alice})
			return err
		}, "slackfake: event needs a type"},
		{"slash command for an unknown user", func() error {
			_, err := f.SendSlashCommand(context.Background(), SlashCommand{Command: "/x", UserID: "U0NOBODY1", ChannelID: "C0SEEDED1"})
			return err
		}, "slackfake: user_not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.run(), tc.want) })
	}
	wrongType := slack.New(f.BotToken(), slack.OptionAPIURL(f.URL()+"/api/"), slack.OptionAppLevelToken(f.BotToken()))
	_, _, err := wrongType.StartSocketModeContext(context.Background())
	wantCode(t, err, "not_allowed_token_type")

	// A ticket works once.
	_, wsURL, err := slack.New("", slack.OptionAPIURL(f.URL()+"/api/"), slack.OptionAppLevelToken(f.AppToken())).StartSocketModeContext(context.Background())
	if err != nil || !strings.HasPrefix(wsURL, "ws://") {
		t.Fatalf("connections.open = %q, %v", wsURL, err)
	}
	var hello struct{ Type string }
	for i, want := range []bool{true, false} {
		conn, _, err := websocketDial(wsURL)
		if (err == nil) != want {
			t.Fatalf("dial %d: err = %v, want success %v", i, err, want)
		}
		if err == nil {
			_, data, _ := conn.ReadMessage()
			_ = json.Unmarshal(data, &hello)
			conn.Close()
		}
	}
	if hello.Type != "hello" {
		t.Fatalf("first frame type = %q", hello.Type)
	}
}

func websocketDial(u string) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial(u, nil)
}

package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// httpBot is a bot's HTTP endpoint that verifies signatures with slack-go.
type httpBot struct {
	mu       sync.Mutex
	commands []slack.SlashCommand
	actions  []slack.InteractionCallback
	events   []slackevents.EventsAPIEvent
}

func (b *httpBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sv, err := slack.NewSecretsVerifier(r.Header, signingSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.mu.Lock()
	defer b.mu.Unlock()
	switch r.URL.Path {
	case "/commands":
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b.commands = append(b.commands, cmd)
		_, _ = io.WriteString(w, `{"text":"on it"}`)
	case "/interactions":
		ic, err := slack.InteractionCallbackParse(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b.actions = append(b.actions, ic)
	case "/events":
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b.events = append(b.events, ev)
	}
}

func TestSignedHTTPDelivery(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "http-mode")
	bot := &httpBot{}
	srv := httptest.NewServer(bot)
	defer srv.Close()
	ctx := context.Background()
	cmd := SlashCommand{Command: "/deploy", Text: "api v2", UserID: alice, ChannelID: ch.ID}

	tests := []struct {
		name   string
		opts   []SignOption
		status int
	}{
		{"correct signature", nil, http.StatusOK},
		{"wrong secret", []SignOption{WithSigningSecret("not-the-secret")}, http.StatusUnauthorized},
		{"stale timestamp", []SignOption{WithStaleTimestamp()}, http.StatusUnauthorized},
		{"future timestamp", []SignOption{WithTimestamp(time.Now().Add(time.Hour))}, http.StatusUnauthorized},
		{"unsigned", []SignOption{WithoutSignature()}, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, took, err := f.PostSlashCommand(ctx, srv.URL+"/commands", signingSecret, cmd, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || took <= 0 {
				t.Fatalf("status %d in %v, want %d", resp.StatusCode, took, tc.status)
			}
		})
	}
	if len(bot.commands) != 1 {
		t.Fatalf("bot accepted %d commands, want 1", len(bot.commands))
	}
	got := bot.commands[0]
	if got.Command != "/deploy" || got.Text != "api v2" || got.ChannelName != "http-mode" || got.UserName != "alice" ||
		got.TeamID != f.TeamID() || !strings.HasPrefix(got.ResponseURL, f.URL()+"/commands/") || got.TriggerID == "" {
		t.Fatalf("parsed command = %+v", got)
	}
	if _, err := api.OpenView(got.TriggerID, modal("From HTTP")); err != nil {
		t.Fatalf("trigger from HTTP slash command: %v", err)
	}

	acks := f.Acks()
	if len(acks) != len(tests) || !acks[0].Acked || acks[0].Transport != "http" || string(acks[0].Payload) != `{"text":"on it"}` || acks[1].Acked {
		t.Fatalf("acks = %+v", acks)
	}

	resp, _, err := f.PostInteraction(ctx, srv.URL+"/interactions", signingSecret, map[string]any{
		"type": "shortcut", "callback_id": "new_incident", "user": map[string]any{"id": bob},
	})
	if err != nil || resp.StatusCode != http.StatusOK || len(bot.actions) != 1 ||
		bot.actions[0].CallbackID != "new_incident" || bot.actions[0].TriggerID == "" || bot.actions[0].Team.ID != f.TeamID() {
		t.Fatalf("interaction: %v %v %+v", resp, err, bot.actions)
	}

	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("react to me", false))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.AddReaction(ch.ID, ts, "eyes", alice)
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err = f.PostEvent(ctx, srv.URL+"/events", signingSecret, ev)
	if err != nil || resp.StatusCode != http.StatusOK || len(bot.events) != 1 {
		t.Fatalf("event: %v %v", resp, err)
	}
	if r, ok := bot.events[0].InnerEvent.Data.(*slackevents.ReactionAddedEvent); !ok || r.Reaction != "eyes" || r.Item.Timestamp != ts {
		t.Fatalf("inner event = %#v", bot.events[0].InnerEvent.Data)
	}
}

func TestSign(t *testing.T) {
	// The example from Slack's "Verifying requests from Slack" guide.
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got := Sign(signingSecret, 1531420618, []byte(body)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

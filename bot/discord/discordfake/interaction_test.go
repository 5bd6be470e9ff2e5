package discordfake

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/mim/mimtest"
)

// botHarness is a discordgo bot connected to the fake's gateway whose
// interaction handler each test case replaces.
type botHarness struct {
	f     *Server
	s     *discordgo.Session
	clock *mimtest.Clock
	mu    sync.Mutex
	fn    func(*discordgo.Session, *discordgo.InteractionCreate)
}

func newBotHarness(t *testing.T) *botHarness {
	t.Helper()
	h := &botHarness{clock: newTestClock()}
	opts := baseOptions()
	opts.Clock = h.clock.Now
	opts.RateLimitScale = 0.001
	h.f = startFake(t, opts)
	h.s = openSession(t, h.f, func(s *discordgo.Session) {
		s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
			h.mu.Lock()
			fn := h.fn
			h.mu.Unlock()
			if fn != nil {
				fn(s, i)
			}
		})
	})
	if _, err := h.s.ApplicationCommandBulkOverwrite(h.f.ApplicationID(), testGuild, incidentCommands()); err != nil {
		t.Fatalf("register commands: %v", err)
	}
	return h
}

// handle installs fn and returns a channel receiving what fn returns.
func (h *botHarness) handle(fn func(*discordgo.Session, *discordgo.InteractionCreate) error) <-chan error {
	done := make(chan error, 1)
	h.mu.Lock()
	h.fn = func(s *discordgo.Session, i *discordgo.InteractionCreate) { done <- fn(s, i) }
	h.mu.Unlock()
	return done
}

func waitErr(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("handler did not run")
		return nil
	}
}

func replyWith(content string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: content}}
}

func TestInteractionCallbackRules(t *testing.T) {
	t.Parallel()
	h := newBotHarness(t)
	openIncident := map[string]any{"name": "incident", "options": []any{map[string]any{"type": 1, "name": "open", "options": []any{
		map[string]any{"type": 3, "name": "title", "value": "db down"},
	}}}}
	tests := []struct {
		name     string
		respond  func(*discordgo.Session, *discordgo.Interaction) error
		wantCode int // Discord code of the error respond returns, 0 for none
		wantAck  bool
		wantType int
		check    func(t *testing.T, res InteractionResult)
	}{
		{
			name: "reply within 3 s",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				if i.ApplicationCommandData().Name != "incident" || i.Member == nil || i.Member.User.ID != testAlice || i.GuildID != testGuild {
					return errors.New("unexpected interaction payload")
				}
				return s.InteractionRespond(i, replyWith("Incident opened"))
			},
			wantAck: true, wantType: CallbackChannelMessage,
			check: func(t *testing.T, res InteractionResult) {
				m, ok := h.f.Message(res.OriginalMessageID)
				if !ok || m.Content != "Incident opened" || m.Type != MessageChatInputCommand || m.WebhookID != h.f.ApplicationID() || m.ChannelID != testStakeholders {
					t.Fatalf("reply message %+v", m)
				}
			},
		},
		{
			name: "reply after 3 s is 10062",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				h.clock.Advance(InteractionDeadline + 100*time.Millisecond)
				return s.InteractionRespond(i, replyWith("too late"))
			},
			wantCode: CodeUnknownInteraction,
			check: func(t *testing.T, res InteractionResult) {
				if len(res.Rejected) != 1 || res.Rejected[0].Code != CodeUnknownInteraction || res.Rejected[0].Status != http.StatusNotFound {
					t.Fatalf("rejections %+v", res.Rejected)
				}
			},
		},
		{
			name: "second reply is 40060",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				if err := s.InteractionRespond(i, replyWith("one")); err != nil {
					return err
				}
				return s.InteractionRespond(i, replyWith("two"))
			},
			wantCode: CodeAlreadyAcknowledged, wantAck: true, wantType: CallbackChannelMessage,
		},
		{
			name: "update message is not a command response",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				err := s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: &discordgo.InteractionResponseData{Content: "x"}})
				h.clock.Advance(InteractionDeadline + time.Millisecond) // the bot gives up
				return err
			},
			wantCode: CodeInvalidFormBody,
			check: func(t *testing.T, res InteractionResult) {
				if len(res.Rejected) != 1 || res.Rejected[0].Code != CodeInvalidFormBody {
					t.Fatalf("rejections %+v", res.Rejected)
				}
			},
		},
		{
			name: "empty reply is 50006",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				err := s.InteractionRespond(i, replyWith(""))
				h.clock.Advance(InteractionDeadline + time.Millisecond)
				return err
			},
			wantCode: CodeEmptyMessage,
		},
		{
			name: "deferred then edit original",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				err := s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
					Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}})
				if err != nil {
					return err
				}
				content := "Incident #42 opened"
				_, err = s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content})
				return err
			},
			wantAck: true, wantType: CallbackDeferredChannelMessage,
			check: func(t *testing.T, res InteractionResult) {
				m, _ := h.f.Message(res.OriginalMessageID)
				if res.Edits != 1 || m.Content != "Incident #42 opened" || !m.Ephemeral() || m.Flags&FlagLoading != 0 {
					t.Fatalf("edits %d, message %+v", res.Edits, m)
				}
			},
		},
		{
			name: "first follow-up replaces the deferred placeholder",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				if err := s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
					return err
				}
				if _, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "done"}); err != nil {
					return err
				}
				_, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "and more"})
				return err
			},
			wantAck: true, wantType: CallbackDeferredChannelMessage,
			check: func(t *testing.T, res InteractionResult) {
				if len(res.FollowUpMessageIDs) != 2 || res.FollowUpMessageIDs[0] != res.OriginalMessageID || res.FollowUpMessageIDs[1] == res.OriginalMessageID {
					t.Fatalf("follow-ups %v, original %s", res.FollowUpMessageIDs, res.OriginalMessageID)
				}
				if m, _ := h.f.Message(res.OriginalMessageID); m.Content != "done" || m.Edits != 0 {
					t.Fatalf("placeholder %+v", m)
				}
			},
		},
		{
			name: "follow-up after the 15-minute token lifetime is 50027",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				if err := s.InteractionRespond(i, replyWith("working on it")); err != nil {
					return err
				}
				h.clock.Advance(InteractionTokenTTL + time.Second)
				_, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "much later"})
				return err
			},
			wantCode: CodeInvalidWebhookToken, wantAck: true, wantType: CallbackChannelMessage,
		},
		{
			name: "follow-up before any callback is 10015",
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				_, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "early"})
				if rerr := s.InteractionRespond(i, replyWith("ok")); rerr != nil {
					return rerr
				}
				return err
			},
			wantCode: CodeUnknownWebhook, wantAck: true, wantType: CallbackChannelMessage,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := h.handle(func(s *discordgo.Session, i *discordgo.InteractionCreate) error { return tc.respond(s, i.Interaction) })
			res, err := h.f.DispatchInteraction(context.Background(), Interaction{Data: openIncident, ChannelID: testStakeholders})
			if err != nil {
				t.Fatalf("dispatch: %v", err)
			}
			herr := waitErr(t, done)
			if tc.wantCode == 0 && herr != nil {
				t.Fatalf("handler: %v", herr)
			}
			if tc.wantCode != 0 {
				if e := errorOf(t, herr); e.Code != tc.wantCode {
					t.Fatalf("handler error %+v, want code %d", e, tc.wantCode)
				}
			}
			res, _ = h.f.InteractionResult(res.ID)
			if res.Acknowledged != tc.wantAck || res.CallbackType != tc.wantType || res.Transport != "gateway" {
				t.Fatalf("result %+v", res)
			}
			if tc.wantAck && res.Latency < 0 {
				t.Fatalf("latency %v", res.Latency)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestInteractionsDiscordCouldSend(t *testing.T) {
	t.Parallel()
	h := newBotHarness(t)
	h.handle(func(s *discordgo.Session, i *discordgo.InteractionCreate) error { return nil })
	bot, err := h.s.ChannelMessageSendComplex(testStakeholders, &discordgo.MessageSend{Content: "SEV2 open", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("ack")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		i    Interaction
		want error
	}{
		{name: "unregistered command", i: Interaction{Data: map[string]any{"name": "deploy"}}, want: ErrUnknownCommand},
		{name: "component that is not on the message", i: Interaction{Type: InteractionMessageComponent, MessageID: bot.ID, ChannelID: testStakeholders, Data: map[string]any{"custom_id": "nope"}}},
		{name: "modal that was never opened", i: Interaction{Type: InteractionModalSubmit, Data: map[string]any{"custom_id": "form"}}},
		{name: "pings only go over HTTP", i: Interaction{Type: InteractionPing}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.f.DispatchInteraction(context.Background(), tc.i)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestComponentModalAndAutocompleteFlows(t *testing.T) {
	t.Parallel()
	h := newBotHarness(t)
	bot, err := h.s.ChannelMessageSendComplex(testStakeholders, &discordgo.MessageSend{Content: "SEV2 open", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("ack")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	modal := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
		CustomID: "open-form", Title: "Open incident",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{CustomID: "title", Label: "Title", Style: discordgo.TextInputShort, Required: true},
		}}},
	}}
	tests := []struct {
		name     string
		i        Interaction
		respond  func(*discordgo.Session, *discordgo.Interaction) error
		wantType int
	}{
		{
			name: "button click updates the message",
			i:    Interaction{Type: InteractionMessageComponent, MessageID: bot.ID, ChannelID: testStakeholders, Data: map[string]any{"custom_id": "ack"}},
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				if i.MessageComponentData().CustomID != "ack" || i.Message == nil || i.Message.ID != bot.ID {
					return errors.New("bad component interaction")
				}
				return s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
					Data: &discordgo.InteractionResponseData{Content: "SEV2 acknowledged by alice"}})
			},
			wantType: CallbackUpdateMessage,
		},
		{
			name:     "command opens a modal",
			i:        Interaction{Data: map[string]any{"name": "incident"}},
			respond:  func(s *discordgo.Session, i *discordgo.Interaction) error { return s.InteractionRespond(i, modal) },
			wantType: CallbackModal,
		},
		{
			name: "modal submit is answered",
			i: Interaction{Type: InteractionModalSubmit, Data: map[string]any{"custom_id": "open-form", "components": []any{
				map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "title", "value": "db down"}}},
			}}},
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				if i.ModalSubmitData().CustomID != "open-form" {
					return errors.New("bad modal submit")
				}
				return s.InteractionRespond(i, replyWith("Opened: db down"))
			},
			wantType: CallbackChannelMessage,
		},
		{
			name: "autocomplete gets choices",
			i:    Interaction{Type: InteractionAutocomplete, Data: map[string]any{"name": "incident"}},
			respond: func(s *discordgo.Session, i *discordgo.Interaction) error {
				return s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
					Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "db down", Value: "db"}}}})
			},
			wantType: CallbackAutocompleteResult,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := h.handle(func(s *discordgo.Session, i *discordgo.InteractionCreate) error { return tc.respond(s, i.Interaction) })
			res, err := h.f.DispatchInteraction(context.Background(), tc.i)
			if err != nil {
				t.Fatalf("dispatch: %v", err)
			}
			if herr := waitErr(t, done); herr != nil {
				t.Fatalf("handler: %v", herr)
			}
			if !res.Acknowledged || res.CallbackType != tc.wantType {
				t.Fatalf("result %+v", res)
			}
		})
	}
	if m, _ := h.f.Message(bot.ID); m.Content != "SEV2 acknowledged by alice" || m.Edits != 1 {
		t.Fatalf("component message %q, %d edits", m.Content, m.Edits)
	}
	// The modal was consumed by its submit.
	_, err = h.f.DispatchInteraction(context.Background(), Interaction{Type: InteractionModalSubmit, Data: map[string]any{"custom_id": "open-form"}})
	if err == nil {
		t.Fatal("a second submit of the same modal was dispatched")
	}
}

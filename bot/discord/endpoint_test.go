package discord_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
	"mimbot/mim"
)

// checkWarRoom asserts what people see once a declaration's war room is open.
func checkWarRoom(t *testing.T, h *harness, inc *mim.Incident) {
	t.Helper()
	room := h.room(inc)
	if !room.Ready || room.Card == "" || room.Voice == "" {
		t.Errorf("war room recorded %+v, want ready with a card and a voice bridge", room)
	}
	text, ok := h.fake.Channel(room.ID)
	if !ok || text.Name != "mi-1-payments-down" || room.Name != text.Name || text.Type != discordfake.ChannelText {
		t.Fatalf("text channel %+v (recorded %q), want #mi-1-payments-down", text, room.Name)
	}
	category, ok := h.fake.Channel(text.ParentID)
	if !ok || category.Name != "Major incidents" || category.Type != discordfake.ChannelCategory {
		t.Errorf("war room in %+v, want the Major incidents category", category)
	}
	voice, ok := h.fake.Channel(room.Voice)
	if !ok || voice.Type != discordfake.ChannelVoice || voice.ParentID != text.ParentID {
		t.Errorf("voice bridge %+v, want a voice channel beside the war room", voice)
	}
	// @everyone reads, the team talks, the bot pins.
	everyone, _ := overwriteOf(text, h.fake.GuildID())
	if everyone.Deny&discordfake.PermSendMessages == 0 || everyone.Allow&discordfake.PermViewChannel == 0 {
		t.Errorf("@everyone overwrite %+v, want view allowed and send denied", everyone)
	}
	for _, k := range []string{"sam", inc.IM, "dave", "frank"} {
		o, ok := overwriteOf(text, id(h, k))
		if !ok || o.Allow&discordfake.PermSendMessages == 0 {
			t.Errorf("%s may not post in the war room: %+v", k, text.PermissionOverwrites)
		}
		if o, ok := overwriteOf(voice, id(h, k)); !ok || o.Allow&discordfake.PermConnect == 0 {
			t.Errorf("%s may not join the bridge: %+v", k, voice.PermissionOverwrites)
		}
	}
	if o, ok := overwriteOf(text, h.fake.ApplicationID()); !ok || o.Allow&discordfake.PermPinMessages == 0 || o.Allow&discordfake.PermSendMessages == 0 {
		t.Errorf("bot overwrite %+v, want send and pin", o)
	}
	want := "P0 · investigating · IM " + h.svc.Config.Display(inc.IM) + " · bridge: <#" + room.Voice + "> / https://meet.jit.si/mi-1-payments-down"
	if text.Topic != want {
		t.Errorf("topic %q, want %q", text.Topic, want)
	}
	pins := h.fake.Pins(room.ID)
	if len(pins) != 1 || pins[0].ID != room.Card {
		t.Fatalf("pins %+v, want the card %s", pins, room.Card)
	}
	card := pins[0]
	for _, w := range []string{"P0 #1", "Respond SLA", "Next update due", "Paged leads", "<@" + id(h, "frank") + ">", "not acknowledged yet"} {
		if !strings.Contains(embedText(card), w) {
			t.Errorf("card %s lacks %q", embedText(card), w)
		}
	}
	var labels []string
	for _, b := range buttons(t, card) {
		labels = append(labels, b.Label)
	}
	if want := []string{"Acknowledge", "Post update", "Resolve"}; !slices.Equal(labels, want) {
		t.Errorf("card buttons %v, want %v", labels, want)
	}
	if len(containing(h.fake.Messages(room.ID), "Major incident #1", "<@"+id(h, "sam")+">")) != 1 {
		t.Errorf("no announcement mentioning the declarer in the room: %q", contents(h.fake.Messages(room.ID)))
	}
	for _, lead := range []string{"dave", "frank"} {
		dm, ok := h.fake.DMChannel(id(h, lead))
		if !ok {
			t.Fatalf("%s was not sent a direct message", lead)
		}
		page := containing(h.fake.Messages(dm.ID), "You are paged")
		if len(page) != 1 {
			t.Fatalf("%s's DMs: %q", lead, contents(h.fake.Messages(dm.ID)))
		}
		if b := buttons(t, page[0]); len(b) != 1 || b[0].Label != "Acknowledge" || b[0].CustomID != "mimbot:ack:1" {
			t.Errorf("%s's page buttons %+v, want Acknowledge for incident 1", lead, b)
		}
		if !slices.Contains(page[0].Mentions, id(h, lead)) && strings.Contains(page[0].Content, "<@"+id(h, lead)+">") {
			t.Errorf("%s's page does not ping them", lead)
		}
	}
	posts := containing(h.fake.Messages(h.stake), "Major incident declared")
	if len(posts) != 1 || posts[0].Content != "" || !strings.Contains(embedText(posts[0]), "[P0 · investigating] Major incident declared: #1 Payments down\n") {
		t.Errorf("stakeholders: %q, want the declaration as an embed", contents(h.fake.Messages(h.stake)))
	}
}

func TestDeclareOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	i := h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high"), opt("towers", "application, database"))
	status, body, took := h.post(i)
	var cb struct {
		Type int `json:"type"`
		Data struct {
			Flags int `json:"flags"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil || status != http.StatusOK {
		t.Fatalf("HTTP %d %s: %v", status, body, err)
	}
	if cb.Type != discordfake.CallbackChannelMessage || cb.Data.Flags&discordfake.FlagEphemeral == 0 || took > time.Second {
		t.Fatalf("answer %s after %v, want a private answer well within 3s", body, took)
	}
	h.declared(i.ID)
	if a := h.answer(i.ID); !a.Ephemeral() || !strings.Contains(a.Content, "Declared #1") || !strings.HasSuffix(a.Content, "Opening war room...") {
		t.Errorf("answer %q (ephemeral %v), want the declaration, then Opening war room...", a.Content, a.Ephemeral())
	}
	h.drain()
	inc := h.incidentNow(1)
	checkWarRoom(t, h, inc)
	room := h.room(inc)
	h.eventually("the war room ready in the answer", func() bool {
		return strings.Contains(h.answer(i.ID).Content, "Opening war room... done: <#"+room.ID+">")
	})
	if strings.Contains(h.logs.String(), h.fake.BotToken()) {
		t.Errorf("the logs contain the bot token")
	}
}

func TestForgedInteractionsAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	forgeries := []struct {
		name string
		sign discordfake.SignOption
	}{
		{"unsigned", discordfake.WithoutSignature()},
		{"signed with another key", discordfake.WithWrongKey()},
		{"body changed after signing", discordfake.WithTamperedBody()},
		{"six minutes old", discordfake.WithTimestamp(time.Now().Add(-6 * time.Minute))},
		{"six minutes ahead", discordfake.WithTimestamp(time.Now().Add(6 * time.Minute))},
	}
	h.fake.ResetCalls()
	before := h.store.n.Load()
	for _, f := range forgeries {
		t.Run(f.name, func(t *testing.T) {
			i := h.command("sam", h.general, "declare", opt("title", "Forged outage"), opt("impact", "high"), opt("urgency", "high"))
			status, _, _ := h.post(i, f.sign)
			if status != http.StatusUnauthorized {
				t.Errorf("HTTP %d, want 401", status)
			}
			if res, _ := h.fake.InteractionResult(i.ID); res.Acknowledged {
				t.Errorf("a forged interaction was answered: %+v", res)
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // anything started in the background would show by now
	if calls := h.fake.Calls(); len(calls) != 0 {
		t.Errorf("forged requests caused %d calls to Discord, the first %s", len(calls), calls[0].Route)
	}
	if n := h.store.n.Load() - before; n != 0 {
		t.Errorf("forged requests caused %d store calls", n)
	}
	if incs, _ := h.svc.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
		t.Errorf("%d incidents declared by forged requests", len(incs))
	}
}

// Discord checks the endpoint when it is saved: a signed PING is answered PONG, a badly
// signed one 401.
func TestEndpointVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if err := h.fake.VerifyEndpoint(h.ctx, h.srv.URL+"/discord/interactions"); err != nil {
		t.Fatal(err)
	}
}

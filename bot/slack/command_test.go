package slack_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot/slack"
	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

// checkWarRoom asserts what a person sees once a declaration's war room is open.
func checkWarRoom(t *testing.T, h *harness, inc *mim.Incident) {
	t.Helper()
	room := h.room(inc)
	if !room.Ready || room.Card == "" {
		t.Errorf("war room recorded %+v, want ready with a card", room)
	}
	ch, ok := h.fake.Channel(room.ID)
	if !ok || ch.Name != "mi-1-payments-down" || room.Name != ch.Name {
		t.Fatalf("channel %+v (recorded %q), want #mi-1-payments-down", ch, room.Name)
	}
	for _, k := range []string{"sam", inc.IM, "dave", "frank"} {
		if !slices.Contains(ch.Members, id(h, k)) {
			t.Errorf("%s (%s) not invited; members %v", k, id(h, k), ch.Members)
		}
	}
	if want := "P0 · investigating · IM " + h.svc.Config.Display(inc.IM) + " · bridge https://meet.jit.si/mi-1-payments-down"; ch.Topic != want {
		t.Errorf("topic %q, want %q", ch.Topic, want)
	}
	if bm := h.fake.Bookmarks(room.ID); len(bm) != 1 || bm[0].Link != "https://meet.jit.si/mi-1-payments-down" {
		t.Errorf("bookmarks %+v, want the bridge", bm)
	}
	pins := h.fake.Pins(room.ID)
	if len(pins) != 1 || pins[0].TS != room.Card {
		t.Fatalf("pins %+v, want the card %s", pins, room.Card)
	}
	card, _ := h.fake.Message(room.ID, room.Card)
	if !strings.Contains(card.Text, "P0 #1") || !strings.Contains(string(card.Blocks), "Respond SLA") || !strings.Contains(string(card.Blocks), "Next update due") {
		t.Errorf("card %q %s lacks priority, SLA clocks or the next update", card.Text, card.Blocks)
	}
	var labels []string
	for _, b := range buttons(t, card) {
		labels = append(labels, b.Text.Text)
	}
	if want := []string{"Acknowledge", "Post update", "Resolve"}; !slices.Equal(labels, want) {
		t.Errorf("card buttons %v, want %v", labels, want)
	}
	msgs := h.fake.Messages(room.ID)
	if len(containing(msgs, "Major incident #1", "<@"+id(h, "sam")+">")) != 1 {
		t.Errorf("no announcement mentioning the declarer in the room: %q", texts(msgs))
	}
	dm := containing(h.fake.DMs(id(h, "dave")), "You are paged")
	if len(dm) != 1 {
		t.Fatalf("dave's DMs: %q", texts(h.fake.DMs(id(h, "dave"))))
	}
	if b := buttons(t, dm[0]); len(b) != 1 || b[0].Text.Text != "Acknowledge" || b[0].Value != "1" {
		t.Errorf("page DM buttons %+v, want Acknowledge for incident 1", b)
	}
	if len(containing(h.fake.Messages("C01STAKE"), "Major incident declared")) != 1 {
		t.Errorf("stakeholders: %q", texts(h.fake.Messages("C01STAKE")))
	}
}

func TestDeclareOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	resp, took := h.slash(id(h, "sam"), h.general, "declare Payments down impact=high urgency=high towers=application,database")
	if resp.StatusCode != http.StatusOK || took > time.Second {
		t.Fatalf("HTTP %d after %v, want 200 well within 3s", resp.StatusCode, took)
	}
	h.eventually("the declare reply", func() bool { return len(h.replies()) == 1 })
	if r := h.replies()[0]; !strings.Contains(r, "Declared #1") || !strings.HasSuffix(r, "Opening war room...") {
		t.Errorf("first reply %q, want the declaration, then Opening war room...", r)
	}
	h.drain()
	inc := h.incidentNow(1)
	checkWarRoom(t, h, inc)
	h.eventually("the progress update", func() bool { return len(h.replies()) == 2 })
	post := h.fake.ResponseURLPosts()[1]
	if !post.ReplaceOriginal || !strings.Contains(post.Text, "War room <#"+h.room(inc).ID+"> ready") || !strings.HasSuffix(post.Text, "card pinned. Done.") {
		t.Errorf("progress %+v, want the first reply replaced by the room ready", post)
	}
	for _, secretText := range []string{secret, h.fake.BotToken()} {
		if strings.Contains(h.logs.String(), secretText) {
			t.Errorf("the logs contain a secret")
		}
	}
}

func TestDeclareOverSocketMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runSocket()
	ack, err := h.fake.SendSlashCommand(h.ctx, slackfake.SlashCommand{Command: "/incident", Text: "declare Payments down impact=high urgency=high towers=application,database", UserID: id(h, "sam"), ChannelID: h.general})
	if err != nil || !ack.Acked || ack.Latency > time.Second {
		t.Fatalf("ack %+v, %v: want acknowledged well within 3s", ack, err)
	}
	h.eventually("the declare reply", func() bool { return len(h.replies()) == 1 })
	h.drain()
	checkWarRoom(t, h, h.incidentNow(1))
	h.eventually("the progress update", func() bool { return len(h.replies()) == 2 })
	if r := h.replies()[1]; !strings.Contains(r, "ready") {
		t.Errorf("progress %q", r)
	}
}

// Slack wants an answer within three seconds, however slow its own API is today.
func TestAckLatencyWhileSlackIsSlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runSocket()
	h.fake.SetLatency("", 2*time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var worst time.Duration
	for i := range 8 {
		wg.Go(func() {
			text := "status incident=1"
			switch i {
			case 0:
				text = "declare Payments down impact=high urgency=high"
			case 1:
				text = "declare" // opens the form: a views.open that takes 2s
			}
			var took time.Duration
			if i%2 == 0 {
				var resp *http.Response
				resp, took = h.slash(id(h, "sam"), h.general, text)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("HTTP %d", resp.StatusCode)
				}
			} else {
				ack, err := h.fake.SendSlashCommand(h.ctx, slackfake.SlashCommand{Command: "/incident", Text: text, UserID: id(h, "dave"), ChannelID: h.general})
				if err != nil || !ack.Acked {
					t.Errorf("socket ack %+v: %v", ack, err)
				}
				took = ack.Latency
			}
			mu.Lock()
			worst = max(worst, took)
			mu.Unlock()
		})
	}
	wg.Wait()
	if worst > 500*time.Millisecond {
		t.Errorf("slowest acknowledgement %v while Slack takes 2s per call; want far below 3s", worst)
	}
	if n := h.fake.LateAcks(); n != 0 {
		t.Errorf("%d late acks", n)
	}
	h.eventually("the declare form", func() bool { return len(h.fake.OpenedViews()) == 1 })
	h.eventually("every other reply", func() bool { return len(h.replies()) == 7 })
}

func TestForgedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	forgeries := []struct {
		name string
		sign slackfake.SignOption
	}{
		{"unsigned", slackfake.WithoutSignature()},
		{"wrong secret", slackfake.WithSigningSecret("not-the-secret")},
		{"six minutes old", slackfake.WithTimestamp(time.Now().Add(-6 * time.Minute))},
		{"replayed", slackfake.WithStaleTimestamp()},
	}
	endpoints := []struct {
		name string
		post func(sign slackfake.SignOption) (*http.Response, error)
	}{
		{"command", func(sign slackfake.SignOption) (*http.Response, error) {
			resp, _ := h.slash(id(h, "sam"), h.general, "declare Forged outage impact=high urgency=high", sign)
			return resp, nil
		}},
		{"interaction", func(sign slackfake.SignOption) (*http.Response, error) {
			resp, _, err := h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, ackPress(h, "dave", h.general, "", 1), sign)
			return resp, err
		}},
		{"event", func(sign slackfake.SignOption) (*http.Response, error) {
			ev := slackfake.ReactionAddedEvent{Type: "reaction_added", User: id(h, "dave"), Reaction: "pushpin", Item: slackfake.ReactionItem{Type: "message", Channel: h.general, TS: "1700000000.000100"}}
			resp, _, err := h.fake.PostEvent(h.ctx, h.srv.URL+"/slack/events", secret, ev, sign)
			return resp, err
		}},
	}
	h.fake.ResetCalls()
	before := h.store.n.Load()
	for _, ep := range endpoints {
		for _, f := range forgeries {
			t.Run(ep.name+"/"+f.name, func(t *testing.T) {
				resp, err := ep.post(f.sign)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("HTTP %d, want 401", resp.StatusCode)
				}
			})
		}
	}
	time.Sleep(200 * time.Millisecond) // any work would have started by now
	if calls := h.fake.Calls(); len(calls) != 0 {
		t.Errorf("Slack was called for forged requests: %+v", calls)
	}
	if n := h.store.n.Load() - before; n != 0 {
		t.Errorf("%d store calls for forged requests", n)
	}
	if got := h.replies(); len(got) != 0 {
		t.Errorf("forged requests were answered: %q", got)
	}
	if incs, err := h.svc.Store.Incidents(h.ctx, mim.Filter{}); err != nil || len(incs) != 0 {
		t.Errorf("incidents after forged requests: %d (%v)", len(incs), err)
	}
}

func TestOtherWorkspaceIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAdapter(func(c *slack.Config) { c.TeamID = "T0THEIRS" }), withoutStart())
	h.runSocket()
	resp, _ := h.slash(id(h, "sam"), h.general, "declare Their outage impact=high urgency=high")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("HTTP %d, want 403", resp.StatusCode)
	}
	ack, err := h.fake.SendSlashCommand(h.ctx, slackfake.SlashCommand{Command: "/incident", Text: "declare Their outage", UserID: id(h, "sam"), ChannelID: h.general})
	if err != nil || !ack.Acked {
		t.Errorf("socket mode delivery not acknowledged: %+v %v", ack, err)
	}
	time.Sleep(200 * time.Millisecond)
	if incs, _ := h.svc.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 || len(h.replies()) != 0 {
		t.Errorf("%d incidents, replies %q: want the other workspace ignored", len(incs), h.replies())
	}
	if !strings.Contains(h.logs.String(), "another workspace") {
		t.Errorf("no log line about the other workspace")
	}
}

// ackPress is the block_actions payload of user pressing Acknowledge for incident n
// on message ts of channel.
func ackPress(h *harness, user, channel, ts string, n int) map[string]any {
	return press(h, user, channel, ts, "mimbot_ack", n)
}

func press(h *harness, user, channel, ts, action string, n int) map[string]any {
	return map[string]any{
		"type":      "block_actions",
		"user":      map[string]any{"id": id(h, user)},
		"channel":   map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "channel_id": channel, "message_ts": ts},
		"actions":   []map[string]any{{"type": "button", "action_id": action, "block_id": "b", "value": strconv.Itoa(n)}},
	}
}

func TestSocketModeReconnects(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runSocket()
	h.fake.DropConnections()
	h.eventually("a new connection", func() bool { return h.fake.Hellos() >= 2 && h.fake.SocketConnections() == 1 })
	ack, err := h.fake.SendSlashCommand(h.ctx, slackfake.SlashCommand{Command: "/incident", Text: "oncall", UserID: id(h, "sam"), ChannelID: h.general})
	if err != nil || !ack.Acked {
		t.Fatalf("after the drop: %+v %v", ack, err)
	}
	h.eventually("the answer", func() bool { return len(h.replies()) == 1 })
}

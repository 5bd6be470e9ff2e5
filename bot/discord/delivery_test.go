package discord_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"mimbot/bot/discord"
	"mimbot/bot/discord/discordfake"
	"mimbot/mim"
)

// toRoom is an outbox message for a war-room channel (any channel the bot may post in).
func toRoom(id int64, channel, text string) mim.Delivery {
	return mim.Delivery{
		Message: mim.Outgoing{ID: id, Platform: discord.Platform, Incident: 7, To: mim.ToWarRoom, Kind: mim.KindNote, Text: text},
		Room:    &mim.WarRoom{Platform: discord.Platform, ID: channel, Name: "general"},
	}
}

func toStakeholders(id int64, text string) mim.Delivery {
	return mim.Delivery{Message: mim.Outgoing{ID: id, Platform: discord.Platform, To: mim.ToStakeholders, Kind: mim.KindUpdate, Text: text, Created: t0}}
}

func TestLongTextIsSplitInOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var lines []string
	for n := 1; len(strings.Join(lines, "\n")) < 4500; n++ {
		lines = append(lines, fmt.Sprintf("Line %03d of the timeline, with %s mentioned.", n, mim.Mention("dave")))
	}
	text := strings.Join(lines, "\n")
	if _, err := h.adapter.Send(h.ctx, toRoom(11, h.general, text)); err != nil {
		t.Fatal(err)
	}
	msgs := h.botMessages(h.general)
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want the text in 3", len(msgs))
	}
	var parts []string
	for _, m := range msgs {
		if n := utf8.RuneCountInString(m.Content); n > 2000 {
			t.Errorf("a message of %d characters", n)
		}
		parts = append(parts, m.Content)
	}
	if got, want := strings.Join(parts, "\n"), strings.ReplaceAll(text, mim.Mention("dave"), "<@"+id(h, "dave")+">"); got != want {
		t.Errorf("the parts, joined, are not the text in order")
	}

	// Far longer: the beginning, and the whole text attached.
	long := strings.Repeat(text+"\n", 3)
	if _, err := h.adapter.Send(h.ctx, toRoom(12, h.general, long)); err != nil {
		t.Fatal(err)
	}
	msgs = h.botMessages(h.general)[3:]
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || !strings.Contains(msgs[0].Content, "attached") {
		t.Fatalf("%d messages %q, want one with the text attached", len(msgs), contents(msgs))
	}
	if a := msgs[0].Attachments[0]; string(a.Data) != strings.ReplaceAll(long, mim.Mention("dave"), "<@"+id(h, "dave")+">") || !strings.HasSuffix(a.Filename, ".md") {
		t.Errorf("attachment %s of %d bytes, want the whole text as Markdown", a.Filename, a.Size)
	}
}

// Every message says exactly whom it pings: a mention of a person pings them, and
// nothing in the text can ping @everyone, @here or a role, although the bot could.
func TestMessagesPingOnlyThePeopleTheyName(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	text := "@everyone @here <@&1300000000000000099> " + mim.Mention("dave") + " and " + mim.Mention("nobody") + " look"
	if _, err := h.adapter.Send(h.ctx, toRoom(21, h.general, text)); err != nil {
		t.Fatal(err)
	}
	msgs := h.botMessages(h.general)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.MentionEveryone || len(m.MentionRoles) != 0 || len(m.Mentions) != 1 || m.Mentions[0] != id(h, "dave") {
		t.Errorf("pings everyone %v, roles %v, users %v; want only dave", m.MentionEveryone, m.MentionRoles, m.Mentions)
	}
	if !strings.Contains(m.Content, "<@"+id(h, "dave")+"> and nobody look") {
		t.Errorf("content %q", m.Content)
	}

	// And so does everything a declaration sends.
	h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	for _, c := range h.fake.Channels() {
		checkMentions(t, h, c.ID)
	}
	for _, k := range h.svc.Config.PersonKeys() {
		if dm, ok := h.fake.DMChannel(id(h, k)); ok {
			checkMentions(t, h, dm.ID)
		}
	}
}

func checkMentions(t *testing.T, h *harness, channel string) {
	t.Helper()
	for _, m := range h.botMessages(channel) {
		if m.WebhookID != "" {
			continue
		}
		var am struct {
			Parse []string `json:"parse"`
			Roles []string `json:"roles"`
		}
		if m.AllowedMentions == nil || json.Unmarshal(m.AllowedMentions, &am) != nil || len(am.Parse) != 0 || len(am.Roles) != 0 {
			t.Errorf("message %q has allowed_mentions %s, want explicit users only", m.Content, m.AllowedMentions)
		}
		if m.MentionEveryone || len(m.MentionRoles) > 0 {
			t.Errorf("message %q pings everyone or roles", m.Content)
		}
	}
}

// The relay sends a message again when it did not hear back: Discord keeps one.
func TestRetriedPostIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	d := toRoom(31, h.general, "The database is back")
	for range 2 {
		if _, err := h.adapter.Send(h.ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if msgs := containing(h.botMessages(h.general), "The database is back"); len(msgs) != 1 {
		t.Errorf("%d copies of the message, want 1", len(msgs))
	}
	// Another outbox message with the same text is another message.
	if _, err := h.adapter.Send(h.ctx, toRoom(32, h.general, "The database is back")); err != nil {
		t.Fatal(err)
	}
	if msgs := containing(h.botMessages(h.general), "The database is back"); len(msgs) != 2 {
		t.Errorf("%d messages, want 2", len(msgs))
	}
	for _, m := range h.botMessages(h.general) {
		if m.Nonce == "" {
			t.Errorf("message %q has no nonce", m.Content)
		}
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	hidden := "1300000000000000077"
	cases := []struct {
		name     string
		fault    *discordfake.Fault
		room     string // a war room channel; "": the stakeholders
		wantCode string // "": delivered
	}{
		{name: "server error once", fault: &discordfake.Fault{Status: 500}},
		{name: "bad gateway twice", fault: &discordfake.Fault{Status: 502, Times: 2}},
		{name: "dropped connection once", fault: &discordfake.Fault{Drop: true}},
		{name: "server down", fault: &discordfake.Fault{Status: 503, Times: 20}, wantCode: mim.EUNAVAILABLE},
		{name: "channel gone", room: "1300000000000000066", wantCode: mim.EINVALID},
		{name: "bot cannot see the channel", room: hidden, wantCode: mim.EINVALID},
		{name: "invalid form body", fault: &discordfake.Fault{Status: 400, Code: 50035, Message: "Invalid Form Body"}, wantCode: mim.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withChannel(discordfake.Channel{ID: hidden, Name: "secret", Type: discordfake.ChannelText,
				PermissionOverwrites: []discordfake.PermissionOverwrite{{ID: discordfake.DefaultGuildID, Type: 0, Deny: discordfake.PermViewChannel}}}))
			if tc.fault != nil {
				h.fake.InjectFault("POST /channels/{channel_id}/messages", *tc.fault)
			}
			d := toStakeholders(41, "The database is back")
			if tc.room != "" {
				d = toRoom(41, tc.room, "The database is back")
			}
			start := time.Now()
			_, err := h.adapter.Send(h.ctx, d)
			took := time.Since(start)
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("send: %v", err)
			case tc.wantCode == "":
				if len(containing(h.fake.Messages(h.stake), "The database is back")) != 1 {
					t.Errorf("message not delivered once: %q", contents(h.fake.Messages(h.stake)))
				}
			case mim.ErrorCode(err) != tc.wantCode:
				t.Errorf("error %v with code %q, want %q", err, mim.ErrorCode(err), tc.wantCode)
			}
			if took > 5*time.Second {
				t.Errorf("send took %v: the relay's lease is 30s", took)
			}
			if n := h.fake.EarlyRetries(); n != 0 {
				t.Errorf("%d early retries", n)
			}
		})
	}
}

// Messages to one channel keep their order and Discord's per-channel limit (5 per
// window) without a single 429, even when they are sent all at once.
func TestChannelOrderWithinRateLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fake.ResetCalls()
	var wg sync.WaitGroup
	for n := 1; n <= 12; n++ {
		wg.Go(func() {
			if _, err := h.adapter.Send(h.ctx, toStakeholders(int64(100+n), fmt.Sprintf("[P1 · investigating] Update %02d", n))); err != nil {
				t.Errorf("send %d: %v", n, err)
			}
		})
		// Update n is in line (or already sent) before update n+1 is sent.
		h.eventually(fmt.Sprintf("update %02d in line", n), func() bool {
			return h.adapter.InLine(h.stake)+len(h.botMessages(h.stake)) >= n
		})
	}
	wg.Wait()
	var got []string
	for _, m := range h.botMessages(h.stake) {
		got = append(got, strings.TrimSpace(embedText(m)))
	}
	for n := 1; n <= 12; n++ {
		if len(got) < n || !strings.HasSuffix(got[n-1], fmt.Sprintf("Update %02d", n)) {
			t.Fatalf("stakeholders read %q, want updates 01..12 in order", got)
		}
	}
	for _, c := range h.fake.Calls() {
		if c.RateLimited {
			t.Errorf("a 429 on %s: the adapter did not wait for the bucket", c.Route)
		}
	}
}

// After a 429, nothing goes to that bucket before its retry_after; a wait longer than
// a send may take sends the message back to the outbox at once, without a call.
func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withFake(func(o *discordfake.Options) {
		o.RouteLimits = map[string]discordfake.RouteLimit{discordfake.BucketMessageCreate: {Limit: 2, Window: 5 * time.Second}}
	}))
	if _, err := h.adapter.Send(h.ctx, toStakeholders(51, "first")); err != nil {
		t.Fatal(err)
	}
	// Another replica of the bot takes what is left of the bucket: the adapter only
	// learns it from a 429.
	otherClient(t, h, h.stake)
	if _, err := h.adapter.Send(h.ctx, toStakeholders(52, "second")); err != nil {
		t.Fatal(err)
	}
	if n := h.fake.EarlyRetries(); n != 0 {
		t.Errorf("%d requests before the retry_after ended", n)
	}
	limited := 0
	for _, c := range h.fake.Calls() {
		if c.RateLimited {
			limited++
		}
	}
	if limited != 1 || len(containing(h.fake.Messages(h.stake), "second")) != 1 {
		t.Errorf("%d 429s and %q, want one 429, then the message", limited, contents(h.botMessages(h.stake)))
	}

	slow := newHarness(t, withFake(func(o *discordfake.Options) {
		o.RouteLimits = map[string]discordfake.RouteLimit{discordfake.BucketMessageCreate: {Limit: 1, Window: 10 * time.Minute}}
	}))
	if _, err := slow.adapter.Send(slow.ctx, toStakeholders(53, "one")); err != nil {
		t.Fatal(err)
	}
	calls := len(slow.fake.Calls())
	start := time.Now()
	_, err := slow.adapter.Send(slow.ctx, toStakeholders(54, "two"))
	if mim.ErrorCode(err) != mim.EUNAVAILABLE || time.Since(start) > 100*time.Millisecond {
		t.Errorf("second send: %v after %v, want unavailable at once", err, time.Since(start))
	}
	if n := len(slow.fake.Calls()); n != calls {
		t.Errorf("the second send called Discord while its bucket was empty")
	}
}

// otherClient posts a message as the bot, outside the adapter.
func otherClient(t *testing.T, h *harness, channel string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.fake.URL()+"/api/v10/channels/"+channel+"/messages", strings.NewReader(`{"content":"from elsewhere"}`))
	req.Header.Set("Authorization", "Bot "+h.fake.BotToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the other client got HTTP %d", resp.StatusCode)
	}
}

func TestSummaryIsAttached(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	i := h.command("sam", room.ID, "summary")
	if status, _, _ := h.post(i); status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	h.eventually("the summary answer", func() bool { return strings.Contains(h.answer(i.ID).Content, "summary posted") })
	h.drain()
	msgs := containing(h.botMessages(room.ID), "Post-incident summary of #1")
	if len(msgs) != 1 {
		t.Fatalf("war room: %q", contents(h.botMessages(room.ID)))
	}
	var names []string
	for _, a := range msgs[0].Attachments {
		names = append(names, a.Filename)
		if a.Filename == "incident-1-summary.md" && !strings.Contains(string(a.Data), "Payments down") {
			t.Errorf("summary file: %.200s", a.Data)
		}
		if a.Filename == "incident-1-timeline.svg" && !strings.Contains(string(a.Data), "<svg") {
			t.Errorf("timeline file: %.200s", a.Data)
		}
	}
	if strings.Join(names, ",") != "incident-1-summary.md,incident-1-timeline.svg" {
		t.Errorf("attachments %v, want the summary and its timeline", names)
	}
}

// What the timers decide reaches Discord: the IM is reminded in the war room with a
// real ping and a Post update button, and the next lead is paged when the first one
// does not acknowledge.
func TestTimersReachDiscord(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	h.clock.Advance(12*time.Minute + 30*time.Second) // frank's 10m to acknowledge; the update is due at 15m
	if _, err := h.svc.FireDue(h.ctx, "test", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	h.drain()
	reminder := containing(h.botMessages(room.ID), "<@"+id(h, inc.IM)+">", "status update for #1")
	if len(reminder) != 1 {
		t.Fatalf("no reminder mentioning the IM in the room: %q", contents(h.botMessages(room.ID)))
	}
	if m := reminder[0]; len(m.Mentions) != 1 || m.Mentions[0] != id(h, inc.IM) {
		t.Errorf("the reminder pings %v, want the IM", m.Mentions)
	}
	if b := buttons(t, reminder[0]); len(b) != 1 || b[0].Label != "Post update" || b[0].CustomID != "mimbot:update:1" {
		t.Errorf("reminder buttons %+v, want Post update", b)
	}
	dm, _ := h.fake.DMChannel(id(h, "grace"))
	if len(containing(h.fake.Messages(dm.ID), "You are paged")) != 1 {
		t.Errorf("grace (next database lead) not paged: %q", contents(h.fake.Messages(dm.ID)))
	}
}

// A long stakeholder post (or digest) is laid out in embeds within Discord's limits:
// 4,096 characters a description, 6,000 a message; nothing is lost, nothing reordered.
func TestLongEmbedsStayWithinLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var lines []string
	for n := 1; len(strings.Join(lines, "\n")) < 13000; n++ {
		lines = append(lines, fmt.Sprintf("• #%d [P1 · investigating] Something broke somewhere · IM Alice Ng · open for %dm", n, n))
	}
	body := strings.Join(lines, "\n")
	d := toStakeholders(61, "Major incident roll-up at 11:00 BST: many active.\n"+body)
	d.Message.Kind = mim.KindNote
	if _, err := h.adapter.Send(h.ctx, d); err != nil {
		t.Fatal(err)
	}
	msgs := h.botMessages(h.stake)
	if len(msgs) < 3 {
		t.Fatalf("%d messages for 13,000 characters, want at least 3", len(msgs))
	}
	var got []string
	for _, m := range msgs {
		var embeds []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal(m.Embeds, &embeds); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, e := range embeds {
			if n := utf8.RuneCountInString(e.Description); n > 4096 {
				t.Errorf("a description of %d characters", n)
			}
			total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
			got = append(got, e.Description)
		}
		if total > 6000 || m.Content != "" {
			t.Errorf("a message with %d characters of embeds and content %q", total, m.Content)
		}
	}
	if strings.Join(got, "\n") != body {
		t.Errorf("the embeds, joined, are not the post in order")
	}
	if !strings.Contains(embedText(msgs[0]), "Major incident roll-up at 11:00 BST") {
		t.Errorf("first embed %q, want the roll-up's heading as its title", embedText(msgs[0]))
	}
}

// A page is one call to Discord once the person's direct messages are open: the
// channel is opened the first time only.
func TestDirectMessagesOpenTheChannelOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fake.ResetCalls()
	for n, text := range []string{"You are paged for #7.", "You are paged for #8."} {
		d := mim.Delivery{Message: mim.Outgoing{ID: int64(71 + n), Platform: discord.Platform, Incident: 7, To: mim.ToPerson, Person: "dave", Kind: mim.KindPaged, Text: text}}
		if _, err := h.adapter.Send(h.ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	dm, _ := h.fake.DMChannel(id(h, "dave"))
	if got := contents(h.fake.Messages(dm.ID)); len(got) != 2 {
		t.Fatalf("dave's direct messages: %q, want both pages", got)
	}
	opened := 0
	for _, c := range h.fake.Calls() {
		if c.Route == "POST /users/@me/channels" {
			opened++
		}
	}
	if opened != 1 {
		t.Errorf("the direct-message channel was opened %d times, want once", opened)
	}
}

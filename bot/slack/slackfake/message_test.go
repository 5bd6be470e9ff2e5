package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

func sectionBlocks(n int) slack.MsgOption {
	blocks := make([]slack.Block, n)
	for i := range blocks {
		blocks[i] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("line %d", i), false, false), nil, nil)
	}
	return slack.MsgOptionBlocks(blocks...)
}

func TestPostMessageRules(t *testing.T) {
	f, api := startFake(t, Options{RateLimitScale: 1e6})
	ch := mustCreate(t, api, "alerts")
	longHeader := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"text", ch.ID, []slack.MsgOption{slack.MsgOptionText("deploy started", false)}, ""},
		{"50 blocks", ch.ID, []slack.MsgOption{sectionBlocks(50)}, ""},
		{"by channel name", "#alerts", []slack.MsgOption{slack.MsgOptionText("by name", false)}, ""},
		{"51 blocks", ch.ID, []slack.MsgOption{sectionBlocks(51)}, "invalid_blocks"},
		{"header too long", ch.ID, []slack.MsgOption{slack.MsgOptionBlocks(longHeader)}, "invalid_blocks"},
		{"40000 characters", ch.ID, []slack.MsgOption{slack.MsgOptionText(strings.Repeat("é", 40000), false)}, ""},
		{"40001 characters", ch.ID, []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", 40001), false)}, "msg_too_long"},
		{"empty", ch.ID, []slack.MsgOption{slack.MsgOptionText("", false)}, "no_text"},
		{"unknown channel", "C0MISSING", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"bot not in channel", "C0SEEDED1", []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.Messages(ch.ID))
			chID, ts, err := api.PostMessage(tc.channel, tc.opts...)
			wantCode(t, err, tc.want)
			after := len(f.Messages(ch.ID))
			if tc.want != "" {
				if after != before {
					t.Fatalf("rejected message was stored")
				}
				return
			}
			m, ok := f.Message(ch.ID, ts)
			if chID != ch.ID || !ok || m.User != f.BotUserID() || m.BotID == "" {
				t.Fatalf("posted to %s ts %s, stored %+v (found %v)", chID, ts, m, ok)
			}
		})
	}

	// The bot may post to a seeded channel once a test adds it.
	if err := f.AddMember("C0SEEDED1", f.BotUserID()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage("C0SEEDED1", slack.MsgOptionText("now allowed", false)); err != nil {
		t.Fatalf("post after AddMember: %v", err)
	}
}

func TestPostUpdatePin(t *testing.T) {
	f, api := startFake(t, Options{RateLimitScale: 1e6})
	ch := mustCreate(t, api, "incident-7")
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("SEV2 opened", false), sectionBlocks(2))
	if err != nil {
		t.Fatal(err)
	}
	_, reply, err := api.PostMessage(ch.ID, slack.MsgOptionText("first update", false), slack.MsgOptionTS(ts))
	if err != nil {
		t.Fatal(err)
	}
	userMsg, err := f.PostUserMessage("C0SEEDED1", alice, "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		run  func() error
		want string
	}{
		{"update text keeps blocks", func() error {
			_, _, _, err := api.UpdateMessage(ch.ID, ts, slack.MsgOptionText("SEV2 mitigated", false))
			return err
		}, ""},
		{"update missing ts", func() error {
			_, _, _, err := api.UpdateMessage(ch.ID, "1.000001", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"update another author's message", func() error {
			_, _, _, err := api.UpdateMessage("C0SEEDED1", userMsg.TS, slack.MsgOptionText("x", false))
			return err
		}, "cant_update_message"},
		{"update with 51 blocks", func() error {
			_, _, _, err := api.UpdateMessage(ch.ID, ts, sectionBlocks(51))
			return err
		}, "invalid_blocks"},
		{"pin", func() error { return api.AddPin(ch.ID, slack.ItemRef{Timestamp: ts}) }, ""},
		{"pin again", func() error { return api.AddPin(ch.ID, slack.ItemRef{Timestamp: ts}) }, "already_pinned"},
		{"pin missing message", func() error { return api.AddPin(ch.ID, slack.ItemRef{Timestamp: "1.000002"}) }, "message_not_found"},
		{"pin without timestamp", func() error { return api.AddPin(ch.ID, slack.ItemRef{}) }, "no_item_specified"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { wantCode(t, st.run(), st.want) })
	}

	m, _ := f.Message(ch.ID, ts)
	var blocks []any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil || len(blocks) != 2 {
		t.Fatalf("blocks after text-only update = %s (%v)", m.Blocks, err)
	}
	if m.Text != "SEV2 mitigated" || m.Updated != 1 || m.ReplyCount != 1 {
		t.Fatalf("message = %+v", m)
	}
	if r, _ := f.Message(ch.ID, reply); r.ThreadTS != ts {
		t.Fatalf("reply thread_ts = %q, want %q", r.ThreadTS, ts)
	}
	items, _, err := api.ListPins(ch.ID)
	if err != nil || len(items) != 1 || items[0].Message == nil || items[0].Message.Timestamp != ts {
		t.Fatalf("pins.list = %+v, %v", items, err)
	}
	if pins := f.Pins(ch.ID); len(pins) != 1 || pins[0].TS != ts {
		t.Fatalf("Pins = %+v", pins)
	}

	// Deleting removes the message and its pin.
	if _, _, err := api.DeleteMessage(ch.ID, ts); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Message(ch.ID, ts); ok || len(f.Pins(ch.ID)) != 0 {
		t.Fatal("deleted message or its pin survived")
	}
}

func TestTimestampsStrictlyIncrease(t *testing.T) {
	clock := newTestClock() // frozen: the fake must still issue distinct ts
	f, api := startFake(t, Options{Clock: clock.Now, RateLimits: map[string]RateLimit{"chat.postMessage": {}}})
	ch := mustCreate(t, api, "busy")
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Go(func() {
			_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("x", false))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[ts] {
				t.Errorf("duplicate ts %s", ts)
			}
			seen[ts] = true
		})
	}
	wg.Wait()
	msgs := f.Messages(ch.ID)
	for i := 1; i < len(msgs); i++ {
		if tsMicros(msgs[i].TS) <= tsMicros(msgs[i-1].TS) {
			t.Fatalf("ts not increasing: %s then %s", msgs[i-1].TS, msgs[i].TS)
		}
	}
	if len(seen) != 40 {
		t.Fatalf("got %d distinct ts", len(seen))
	}
}

func TestHistoryPaging(t *testing.T) {
	_, api := startFake(t, Options{RateLimits: map[string]RateLimit{"chat.postMessage": {}}})
	ch := mustCreate(t, api, "history")
	var posted []string
	for i := 0; i < 5; i++ {
		_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText(fmt.Sprint("m", i), false))
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, ts)
	}
	if _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("hidden reply", false), slack.MsgOptionTS(posted[0])); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		res, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Messages {
			if m.SubType == "" {
				got = append(got, m.Text)
			}
		}
		if cursor = res.ResponseMetaData.NextCursor; cursor == "" || pages > 10 {
			break
		}
	}
	if strings.Join(got, ",") != "m4,m3,m2,m1,m0" {
		t.Fatalf("history = %v (newest first, replies excluded)", got)
	}
	_, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C0SEEDED1"})
	wantCode(t, err, "not_in_channel")
}

func TestEphemeralAndDM(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "eph")
	if _, err := api.InviteUsersToConversation(ch.ID, alice); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		user string
		want string
	}{
		{"member", alice, ""},
		{"non-member", bob, "user_not_in_channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.PostEphemeral(ch.ID, tc.user, slack.MsgOptionText("only you", false))
			wantCode(t, err, tc.want)
		})
	}
	if e := f.Ephemerals(ch.ID); len(e) != 1 || e[0].EphemeralTo != alice {
		t.Fatalf("ephemerals = %+v", e)
	}
	for _, m := range f.Messages(ch.ID) {
		if m.Text == "only you" {
			t.Fatal("ephemeral message leaked into the channel")
		}
	}

	dm, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{bob}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage(dm.ID, slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	again, noOp, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{bob}})
	if err != nil || again.ID != dm.ID || !noOp || !already {
		t.Fatalf("reopen = %v noop=%v already=%v err=%v", again, noOp, already, err)
	}
	if msgs := f.DMs(bob); len(msgs) != 1 || msgs[0].Text != "psst" {
		t.Fatalf("DMs(bob) = %+v", msgs)
	}
	_, _, _, err = api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U0NOBODY1"}})
	wantCode(t, err, "user_not_found")
}

func TestBookmarks(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "runbooks")
	tests := []struct {
		name   string
		params slack.AddBookmarkParameters
		want   string
	}{
		{"link", slack.AddBookmarkParameters{Title: "Runbook", Type: "link", Link: "https://wiki.example.com/rb", Emoji: ":book:"}, ""},
		{"wrong type", slack.AddBookmarkParameters{Title: "x", Type: "message", Link: "https://x"}, "invalid_bookmark_type"},
		{"not http", slack.AddBookmarkParameters{Title: "x", Type: "link", Link: "ftp://x"}, "invalid_link"},
		{"bad emoji", slack.AddBookmarkParameters{Title: "x", Type: "link", Link: "https://x", Emoji: "book"}, "invalid_emoji"},
		{"no title", slack.AddBookmarkParameters{Type: "link", Link: "https://x"}, "invalid_arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := api.AddBookmark(ch.ID, tc.params)
			wantCode(t, err, tc.want)
			if tc.want == "" && (b.ID == "" || b.Link != tc.params.Link || b.ChannelID != ch.ID) {
				t.Fatalf("bookmark = %+v", b)
			}
		})
	}
	list, err := api.ListBookmarks(ch.ID)
	if err != nil || len(list) != 1 || list[0].Title != "Runbook" {
		t.Fatalf("bookmarks.list = %+v, %v", list, err)
	}
	if got := f.Bookmarks(ch.ID); len(got) != 1 || got[0].Link != "https://wiki.example.com/rb" {
		t.Fatalf("Bookmarks = %+v", got)
	}
	_, err = api.AddBookmark("C0MISSING", tests[0].params)
	wantCode(t, err, "channel_not_found")
}

func TestUsersAndReactions(t *testing.T) {
	f, api := startFake(t, Options{})
	tests := []struct {
		name   string
		lookup func() (*slack.User, error)
		wantID string
		want   string
	}{
		{"info", func() (*slack.User, error) { return api.GetUserInfo(bob) }, bob, ""},
		{"info of the bot", func() (*slack.User, error) { return api.GetUserInfo(f.BotUserID()) }, f.BotUserID(), ""},
		{"info unknown", func() (*slack.User, error) { return api.GetUserInfo("U0NOBODY1") }, "", "user_not_found"},
		{"by email, any case", func() (*slack.User, error) { return api.GetUserByEmail("Alice@Example.com") }, alice, ""},
		{"by unknown email", func() (*slack.User, error) { return api.GetUserByEmail("x@example.com") }, "", "users_not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.lookup()
			wantCode(t, err, tc.want)
			if tc.want == "" && u.ID != tc.wantID {
				t.Fatalf("user = %+v", u)
			}
		})
	}

	ch := mustCreate(t, api, "reacts")
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("approve?", false))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.AddReaction(ch.ID, ts, ":white_check_mark:", alice)
	if err != nil || ev.Type != "reaction_added" || ev.Item.TS != ts || ev.ItemUser != f.BotUserID() {
		t.Fatalf("AddReaction = %+v, %v", ev, err)
	}
	if _, err := f.AddReaction(ch.ID, ts, "white_check_mark", alice); slackCode(err) != "slackfake: already_reacted" {
		t.Fatalf("second reaction: %v", err)
	}
	item, err := api.GetReactions(slack.ItemRef{Channel: ch.ID, Timestamp: ts}, slack.GetReactionsParameters{})
	if err != nil || len(item.Reactions) != 1 || item.Reactions[0].Name != "white_check_mark" || item.Reactions[0].Users[0] != alice {
		t.Fatalf("reactions.get = %+v, %v", item, err)
	}
	_, err = api.GetReactions(slack.ItemRef{Channel: ch.ID, Timestamp: "1.000003"}, slack.GetReactionsParameters{})
	wantCode(t, err, "message_not_found")
}

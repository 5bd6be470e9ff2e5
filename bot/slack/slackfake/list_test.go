package slackfake

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
)

// conversations.list pages through public channels in creation order, skips archived
// ones on request and tells who created each.
func TestConversationsList(t *testing.T) {
	f, api := startFake(t, Options{RateLimitScale: 1e6})
	ctx := context.Background()
	for _, name := range []string{"mi-1-a", "mi-2-b", "mi-3-c"} {
		if _, err := api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name}); err != nil {
			t.Fatal(err)
		}
	}
	old, _ := f.ChannelByName("mi-2-b")
	if err := api.ArchiveConversationContext(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	var names []string
	cursor := ""
	pages := 0
	for {
		chans, next, err := api.GetConversationsContext(ctx, &slack.GetConversationsParameters{Cursor: cursor, Limit: 2, ExcludeArchived: true})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range chans {
			names = append(names, c.Name)
			if c.Name == "mi-1-a" && c.Creator != f.BotUserID() {
				t.Errorf("creator of #mi-1-a = %q, want the bot %q", c.Creator, f.BotUserID())
			}
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	want := map[string]bool{"general": true, "seeded": true, "mi-1-a": true, "mi-3-c": true}
	if len(names) != len(want) || pages < 2 {
		t.Errorf("listed %v in %d pages, want %d channels over several pages", names, pages, len(want))
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("listed #%s", n)
		}
	}
	if _, _, err := api.GetConversationsContext(ctx, &slack.GetConversationsParameters{Types: []string{"bogus"}}); err == nil || err.Error() != "invalid_types" {
		t.Errorf("bad types: %v, want invalid_types", err)
	}
}

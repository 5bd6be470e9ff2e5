package main

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
	"mimbot/bot/slack/slackfake"
	"mimbot/internal/config"
)

// withDiscord adds a fake Discord guild that knows the demo's people to e.
func withDiscord(t *testing.T, e *env) (*discordfake.Server, string) {
	t.Helper()
	cfg := config.Demo()
	opts := discordfake.Options{RateLimitScale: 0.1}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		opts.Users = append(opts.Users, discordfake.User{ID: p.Discord, Username: k, GlobalName: p.Name})
	}
	opts.Channels = append(opts.Channels,
		discordfake.Channel{Name: "general", Type: discordfake.ChannelText},
		discordfake.Channel{ID: cfg.Stakeholders["discord"], Name: "stakeholders", Type: discordfake.ChannelText, Position: 1})
	fake := discordfake.New(opts)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	e.vars["DISCORD_BOT_TOKEN"] = fake.BotToken()
	e.vars["DISCORD_APP_ID"] = fake.ApplicationID()
	e.vars["DISCORD_GUILD_ID"] = fake.GuildID()
	e.vars["DISCORD_API_URL"] = fake.URL()
	general, _ := fake.ChannelByName("general")
	return fake, general.ID
}

var interactionIDs atomic.Int64

// incidentInteraction is `/incident <sub>` with string options typed by user in channel.
func incidentInteraction(user, channel, sub string, opts map[string]string) discordfake.Interaction {
	list := []any{}
	for k, v := range opts {
		list = append(list, map[string]any{"type": 3, "name": k, "value": v})
	}
	data := map[string]any{"name": "incident", "type": 1, "options": []any{map[string]any{"type": 1, "name": sub, "options": list}}}
	id := strconv.FormatInt(1400000000000000000+interactionIDs.Add(1), 10)
	return discordfake.Interaction{ID: id, Type: discordfake.InteractionApplicationCommand, UserID: user, ChannelID: channel, Data: data}
}

func contentOf(msgs []discordfake.Message, want string) bool {
	for _, m := range msgs {
		if strings.Contains(m.Content, want) || strings.Contains(string(m.Embeds), want) {
			return true
		}
	}
	return false
}

// TestOneIncidentOnSlackAndDiscord declares in Slack with both platforms carrying war
// rooms: an update typed in Slack reaches Discord's war room and stakeholders, and one
// typed in Discord reaches Slack's.
func TestOneIncidentOnSlackAndDiscord(t *testing.T) {
	e := newSlackEnv(t)
	dfake, _ := withDiscord(t, e.env)
	yaml, err := os.ReadFile(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	both := strings.Replace(string(yaml), "war_room_platforms: []", "war_room_platforms: [slack, discord]", 1)
	if both == string(yaml) {
		t.Fatal("the demo configuration has no war_room_platforms line to change")
	}
	os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(both), 0o600)
	e.serve(t)
	e.connected(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dfake.WaitReady(ctx); err != nil {
		t.Fatalf("no Discord gateway session: %v", err)
	}

	if _, err := e.fake.SendSlashCommand(context.Background(), slackfake.SlashCommand{Command: "/incident", UserID: "U01SAM", ChannelID: e.general,
		Text: "declare Payments down impact=high urgency=high towers=database"}); err != nil {
		t.Fatal(err)
	}
	slackRoom := e.roomReady(t, "mi-1-payments-down")
	var droom discordfake.Channel
	eventually(t, "the Discord war room with its card and voice bridge", func() bool {
		c, ok := dfake.ChannelByName("mi-1-payments-down")
		droom = c
		return ok && len(dfake.Pins(c.ID)) == 1
	})
	inc := e.show("1")
	if len(inc.WarRooms) != 2 {
		t.Fatalf("war rooms %+v, want one on each platform", inc.WarRooms)
	}
	im := inc.IncidentManager
	cfg := config.Demo()

	// Typed in Slack's war room, by the IM.
	if _, err := e.fake.SendSlashCommand(context.Background(), slackfake.SlashCommand{Command: "/incident", UserID: cfg.People[im].Slack, ChannelID: slackRoom.ID,
		Text: "update Failing over to the secondary provider"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Slack update in Discord's war room and stakeholders channel", func() bool {
		return contentOf(dfake.Messages(droom.ID), "Failing over to the secondary provider") &&
			contentOf(dfake.Messages(cfg.Stakeholders["discord"]), "Failing over to the secondary provider")
	})

	// Typed in Discord's war room, by the IM.
	res, err := dfake.DispatchInteraction(context.Background(), incidentInteraction(cfg.People[im].Discord, droom.ID, "update", map[string]string{"text": "Secondary provider healthy"}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Acknowledged {
		t.Errorf("the Discord interaction was not answered in time: %+v", res)
	}
	eventually(t, "the Discord update in Slack's war room and stakeholders channel", func() bool {
		has := func(ch string) bool {
			for _, m := range e.fake.Messages(ch) {
				if strings.Contains(m.Text, "Secondary provider healthy") || strings.Contains(string(m.Blocks), "Secondary provider healthy") {
					return true
				}
			}
			return false
		}
		return has(slackRoom.ID) && has(cfg.Stakeholders["slack"])
	})
}

// TestDiscordHTTPInteractions declares over Discord's signed HTTP interactions: a
// bad signature gets 401 and changes nothing; a good one gets a deferred answer in
// time and opens the category, text and voice channels, through a 429 on channel
// creation. The metrics count Discord's calls by route template, never by id.
func TestDiscordHTTPInteractions(t *testing.T) {
	e := newEnv(t)
	dfake, general := withDiscord(t, e)
	e.vars["DISCORD_PUBLIC_KEY"] = dfake.PublicKeyHex()
	dfake.InjectFault("POST /guilds/{guild_id}/channels", discordfake.Fault{Status: http.StatusTooManyRequests})
	srv := e.serve(t)
	opts := map[string]string{"title": "Payments down", "impact": "high", "urgency": "high", "towers": "database"}
	status, _, _, err := dfake.PostInteraction(context.Background(), srv.url+"/discord/interactions", incidentInteraction("100000000000000012", general, "declare", opts), discordfake.WithWrongKey())
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", status)
	}
	if _, out, _ := e.run("", "incident", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("a refused interaction created an incident: %s", out)
	}
	status, _, took, err := dfake.PostInteraction(context.Background(), srv.url+"/discord/interactions", incidentInteraction("100000000000000012", general, "declare", opts))
	if err != nil || status != http.StatusOK || took > 3*time.Second {
		t.Fatalf("signed declare: %d after %s (%v)", status, took, err)
	}
	eventually(t, "category, text and voice channels with a pinned card", func() bool {
		c, ok := dfake.ChannelByName("mi-1-payments-down")
		if !ok || len(dfake.Pins(c.ID)) != 1 {
			return false
		}
		var voice, category bool
		for _, ch := range dfake.Channels() {
			voice = voice || ch.Type == discordfake.ChannelVoice
			category = category || ch.Type == discordfake.ChannelCategory && ch.ID == c.ParentID
		}
		return voice && category
	})
	eventually(t, "the page in frank's DMs", func() bool {
		dm, ok := dfake.DMChannel("100000000000000007")
		return ok && len(dfake.Messages(dm.ID)) > 0
	})

	var text string
	eventually(t, "the war room ready on /metrics", func() bool {
		text = scrape(t, srv.url)
		return sample(text, `mimbot_declare_to_ready_seconds_count{platform="discord"}`) == 1
	})
	for _, c := range []struct{ name, series string }{
		{"the declare", `mimbot_incidents_declared_total{priority="P0",source="discord"}`},
		{"the 429 on channel creation", `mimbot_outbound_calls_total{code="429",method="POST /guilds/{guild}/channels",platform="discord"}`},
		{"the retry after it", `mimbot_outbound_retries_total{platform="discord",reason="429"}`},
		{"the card posted", `mimbot_outbound_calls_total{code="200",method="POST /channels/{channel}/messages",platform="discord"}`},
	} {
		if got := sample(text, c.series); got < 1 {
			t.Errorf("%s: %s = %v, want at least 1", c.name, c.series, got)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "mimbot_outbound_calls_total") && snowflake.MatchString(l) {
			t.Errorf("a Discord id in a label: %s", l)
		}
	}
	if !slices.ContainsFunc(strings.Split(srv.logs.String(), "\n"), func(l string) bool {
		return strings.Contains(l, `msg="discord: request refused"`) && strings.Contains(l, "platform=discord")
	}) {
		t.Errorf("the refused interaction is not logged with its platform:\n%s", srv.logs.String())
	}
}

// snowflake matches a Discord id.
var snowflake = regexp.MustCompile(`[0-9]{15,}`)

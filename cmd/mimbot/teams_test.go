package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
	"mimbot/bot/slack/slackfake"
	"mimbot/bot/teams/teamsfake"
	"mimbot/internal/config"
)

// withTeams adds a fake Microsoft Teams (its team holding the demo's people, each
// with the app installed, and the demo's stakeholders conversation) to e.
func withTeams(t *testing.T, e *env) *teamsfake.Server {
	t.Helper()
	cfg := config.Demo()
	opts := teamsfake.Options{RateLimitScale: 10, Conversations: []string{cfg.Stakeholders["teams"]}}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		opts.Users = append(opts.Users, teamsfake.User{AADObjectID: p.Teams, Name: p.Name, UPN: k + "@example.com", AppInstalled: true})
	}
	fake := teamsfake.New(opts)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	e.vars["TEAMS_APP_ID"] = fake.AppID()
	e.vars["TEAMS_APP_PASSWORD"] = fake.AppPassword()
	e.vars["TEAMS_TENANT_ID"] = fake.TenantID()
	e.vars["TEAMS_TEAM_ID"] = fake.TeamID()
	e.vars["TEAMS_OPENID_URL"] = fake.OpenIDURL()
	e.vars["TEAMS_LOGIN_URL"] = fake.LoginURL()
	e.vars["TEAMS_GRAPH_URL"] = fake.GraphURL()
	e.vars["TEAMS_SERVICE_URL"] = fake.ServiceURL()
	return fake
}

// postedText is everything the bot posted in a Teams conversation: texts and cards.
func postedText(fake *teamsfake.Server, conv string) string {
	var b strings.Builder
	for _, a := range fake.Posts(conv) {
		b.WriteString(a.Text)
		for _, at := range a.Attachments {
			b.Write(at.Content)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestOneIncidentOnThreePlatforms declares in a Teams channel with war rooms on Slack,
// Discord and Teams: one Teams channel with the card opens, the leads are paged, the
// stakeholders hear of it; an update typed in Teams reaches Slack's and Discord's war
// rooms, one typed in Slack reaches Teams'. A forged activity changes nothing.
func TestOneIncidentOnThreePlatforms(t *testing.T) {
	e := newSlackEnv(t)
	dfake, _ := withDiscord(t, e.env)
	tfake := withTeams(t, e.env)
	yaml, err := os.ReadFile(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Replace(string(yaml), "war_room_platforms: []", "war_room_platforms: [slack, discord, teams]", 1)
	os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(all), 0o600)
	srv := e.serve(t)
	e.connected(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dfake.WaitReady(ctx); err != nil {
		t.Fatalf("no Discord gateway session: %v", err)
	}
	cfg := config.Demo()
	general, ok := tfake.ChannelByName("General")
	if !ok {
		t.Fatal("the fake team has no General channel")
	}
	endpoint := srv.url + "/teams/messages"
	declare := tfake.Message(general.ID, cfg.People["sam"].Teams, "incident declare Payments down impact=high urgency=high towers=database")

	status, _, _, err := tfake.Deliver(context.Background(), endpoint, declare, teamsfake.Forged())
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("forged activity: %d (%v), want 401", status, err)
	}
	if _, out, _ := e.run("", "incident", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("a forged activity declared: %s", out)
	}

	status, _, took, err := tfake.Deliver(context.Background(), endpoint, declare)
	if err != nil || status != http.StatusOK || took > 3*time.Second {
		t.Fatalf("declare: %d after %s (%v)", status, took, err)
	}
	var room teamsfake.Channel
	eventually(t, "the Teams war room with its card", func() bool {
		c, ok := tfake.ChannelByName("mi-1-payments-down")
		room = c
		return ok && strings.Contains(postedText(tfake, c.ID), "AdaptiveCard")
	})
	slackRoom := e.roomReady(t, "mi-1-payments-down")
	var droom discordfake.Channel
	eventually(t, "the Discord war room with its card", func() bool {
		c, ok := dfake.ChannelByName("mi-1-payments-down")
		droom = c
		return ok && len(dfake.Pins(c.ID)) == 1
	})
	inc := e.show("1")
	if len(inc.WarRooms) != 3 || inc.Source != "chat" || inc.DeclaredBy != "sam" {
		t.Fatalf("war rooms %+v, source %q, declared by %q: want one room on each platform, declared by sam in chat", inc.WarRooms, inc.Source, inc.DeclaredBy)
	}
	eventually(t, "frank paged in a personal Teams conversation with an Acknowledge button", func() bool {
		conv, ok := tfake.Personal(cfg.People["frank"].Teams)
		return ok && strings.Contains(postedText(tfake, conv), "Acknowledge")
	})
	eventually(t, "the stakeholders told on Teams", func() bool {
		return strings.Contains(postedText(tfake, cfg.Stakeholders["teams"]), "Payments down")
	})
	channels := len(tfake.Channels())

	im := inc.IncidentManager
	update := tfake.Message(room.ID, cfg.People[im].Teams, "incident update Failing over to the secondary provider")
	if status, _, _, err := tfake.Deliver(context.Background(), endpoint, update); err != nil || status != http.StatusOK {
		t.Fatalf("update in Teams: %d (%v)", status, err)
	}
	eventually(t, "the Teams update in Slack's and Discord's war rooms", func() bool {
		inSlack := false
		for _, m := range e.fake.Messages(slackRoom.ID) {
			inSlack = inSlack || strings.Contains(m.Text, "Failing over to the secondary provider") || strings.Contains(string(m.Blocks), "Failing over to the secondary provider")
		}
		return inSlack && contentOf(dfake.Messages(droom.ID), "Failing over to the secondary provider")
	})

	if _, err := e.fake.SendSlashCommand(context.Background(), slackfake.SlashCommand{Command: "/incident", UserID: cfg.People[im].Slack, ChannelID: slackRoom.ID,
		Text: "update Secondary provider healthy"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Slack update in Teams' war room and stakeholders conversation", func() bool {
		return strings.Contains(postedText(tfake, room.ID), "Secondary provider healthy") &&
			strings.Contains(postedText(tfake, cfg.Stakeholders["teams"]), "Secondary provider healthy")
	})
	if n := len(tfake.Channels()); n != channels {
		t.Errorf("the team has %d channels after the updates, %d before: one incident, one war room", n, channels)
	}
}

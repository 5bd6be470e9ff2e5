package chaos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

// redeliveries is how many times each request is sent again after the first.
const redeliveries = 3

// TestRetryStorms sends every request again, as the platforms do when they are not
// sure it arrived: a slash command re-sent with its trigger id, an event with its
// event id and X-Slack-Retry-Num 1-3, a Discord interaction with its id. Each has one
// effect: one incident per declare, one update per update, one timeline entry per
// pinned message.
func TestRetryStorms(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		w := newWorld(t, d, nil)
		p := w.start(serveOptions{slack: true, discord: true})
		ctx := context.Background()
		samSlack, samDiscord := person("sam")
		sent := 0

		// Slack: the same declare, by trigger id.
		trigger := w.slack.IssueTriggerID(samSlack)
		for n := 0; n <= redeliveries; n++ {
			resp, _, err := w.slack.PostSlashCommand(ctx, p.url+"/slack/commands", slackSecret, slackfake.SlashCommand{
				Command: "/incident", Text: declareText("Storm slack"), UserID: samSlack, ChannelID: w.general.slack, TriggerID: trigger}, slackfake.WithRetry(n))
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("slash command delivery %d: %v %v", n, resp, err)
			}
			resp.Body.Close()
			sent++
		}
		// Discord: the same declare, by interaction id.
		ix := interaction(samDiscord, w.general.discord, "declare", options("declare", "Storm discord impact=high urgency=high towers=application"))
		ix.Token = "aW50ZXJhY3Rpb246c3Rvcm0tZGlzY29yZA"
		for n := 0; n <= redeliveries; n++ {
			ix.Redelivery = n > 0
			status, _, _, err := w.discord.PostInteraction(ctx, p.url+"/discord/interactions", ix)
			if err != nil || !delivered(n, status) {
				t.Fatalf("interaction delivery %d: %d %v", n, status, err)
			}
			sent++
		}
		incs := map[string]*mim.Incident{}
		w.eventually(30*time.Second, "both incidents and their war rooms", func() bool {
			for _, inc := range w.incidents() {
				incs[inc.Title] = inc
			}
			s, dd := incs["Storm slack"], incs["Storm discord"]
			if s == nil || dd == nil {
				return false
			}
			sr, ok1 := s.Room(slackPlatform)
			dr, ok2 := dd.Room(discordPlatform)
			return ok1 && sr.Ready && ok2 && dr.Ready
		})
		time.Sleep(500 * time.Millisecond) // let any late duplicate commit before counting
		incidents := map[string]int{}
		for _, inc := range w.incidents() {
			incidents[inc.Title]++
		}

		// Updates, re-sent the same ways.
		slackInc, discordInc := incs["Storm slack"], incs["Storm discord"]
		imSlack, _ := person(slackInc.IM)
		trigger = w.slack.IssueTriggerID(imSlack)
		for n := 0; n <= redeliveries; n++ {
			resp, _, err := w.slack.PostSlashCommand(ctx, p.url+"/slack/commands", slackSecret, slackfake.SlashCommand{
				Command: "/incident", Text: fmt.Sprintf("update Step 1 for Storm slack incident=%d", slackInc.Number), UserID: imSlack, ChannelID: w.general.slack, TriggerID: trigger}, slackfake.WithRetry(n))
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("update delivery %d: %v %v", n, resp, err)
			}
			resp.Body.Close()
			sent++
		}
		_, imDiscord := person(discordInc.IM)
		droom, _ := discordInc.Room(discordPlatform)
		ux := interaction(imDiscord, droom.ID, "update", map[string]string{"text": "Step 1 for Storm discord"})
		ux.Token = "aW50ZXJhY3Rpb246c3Rvcm0tdXBkYXRl"
		for n := 0; n <= redeliveries; n++ {
			ux.Redelivery = n > 0
			status, _, _, err := w.discord.PostInteraction(ctx, p.url+"/discord/interactions", ux)
			if err != nil || !delivered(n, status) {
				t.Fatalf("update interaction delivery %d: %d %v", n, status, err)
			}
			sent++
		}

		// A message pinned with a reaction, its event delivered four times.
		sroom, _ := slackInc.Room(slackPlatform)
		msg, err := w.slack.PostUserMessage(sroom.ID, samSlack, "Storm marker: the load balancer drops one request in ten", "")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := w.slack.AddReaction(sroom.ID, msg.TS, "pushpin", samSlack)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= redeliveries; n++ {
			resp, _, err := w.slack.PostEvent(ctx, p.url+"/slack/events", slackSecret, ev, slackfake.WithEventID("Ev0STORM001"), slackfake.WithRetry(n))
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("event delivery %d: %v %v", n, resp, err)
			}
			resp.Body.Close()
			sent++
		}

		count := func(n int, kind mim.Kind, text string) int {
			inc, err := w.store.Incident(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			c := 0
			for _, e := range inc.Timeline {
				if (kind == "" || e.Kind == kind) && strings.Contains(e.Text, text) {
					c++
				}
			}
			return c
		}
		w.eventually(20*time.Second, "both updates and the pinned message on the timelines", func() bool {
			return count(slackInc.Number, mim.KindUpdate, "Step 1") > 0 && count(discordInc.Number, mim.KindUpdate, "Step 1") > 0 &&
				count(slackInc.Number, "", "Storm marker") > 0
		})
		w.settle(20 * time.Second)
		effects := map[string]int{
			"slack declare":                           incidents["Storm slack"],
			"discord declare":                         incidents["Storm discord"],
			"slack update":                            count(slackInc.Number, mim.KindUpdate, "Step 1"),
			"discord update":                          count(discordInc.Number, mim.KindUpdate, "Step 1"),
			"slack pin event":                         count(slackInc.Number, "", "Storm marker"),
			"slack stakeholder posts of the update":   countContaining(w.texts(slackPlatform, stakeholders(slackPlatform)), "Step 1 for Storm slack"),
			"discord stakeholder posts of the update": countContaining(w.texts(discordPlatform, stakeholders(discordPlatform)), "Step 1 for Storm discord"),
		}
		extra := map[string]int{}
		for what, n := range effects {
			if n != 1 {
				t.Errorf("%s: %d effects of %d deliveries, want 1", what, n, redeliveries+1)
			}
			if n > 1 {
				extra[strings.Fields(what)[1]] += n - 1
			}
		}
		figure(t, "chaos: retries %s deliveries=%d requests=5 redeliveries_each=%d extra_incidents=%d extra_updates=%d extra_update_posts=%d extra_pins=%d",
			d, sent, redeliveries, extra["declare"], extra["update"], extra["stakeholder"], extra["pin"])
		if t.Failed() {
			t.Logf("logs: %s", w.dumpLogs())
		}
		p.stop(t)
	})
}

// delivered tells whether delivery n of a request was answered as it should be: the
// first with 200; a re-delivery with 200, or 409 when it is the very request already
// answered (same signature and timestamp: the replay guard). What counts is that each
// has one effect, which the test checks.
func delivered(n, status int) bool {
	return status == http.StatusOK || (n > 0 && status == http.StatusConflict)
}

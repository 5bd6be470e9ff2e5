package chaos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"mimbot/bot"
	"mimbot/bot/discord/discordfake"
	"mimbot/bot/slack/slackfake"
	"mimbot/internal/config"
)

const (
	slackPlatform   = "slack"
	discordPlatform = "discord"
)

// person is a demo person's ids on both platforms.
func person(key string) (slackID, discordID string) {
	p := config.Demo().People[key]
	return p.Slack, p.Discord
}

// say sends `/incident <text>` typed by who in the room (the general channel when
// room is ""), signed, over the platform's HTTP endpoint; ok is an HTTP 200.
func (w *world) say(ctx context.Context, p *proc, platform, who, room, text string) (ok bool, err error) {
	sid, did := person(who)
	switch platform {
	case slackPlatform:
		if room == "" {
			room = w.general.slack
		}
		resp, _, err := w.slack.PostSlashCommand(ctx, p.url+"/slack/commands", slackSecret,
			slackfake.SlashCommand{Command: "/incident", Text: text, UserID: sid, ChannelID: room})
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return false, err
		}
		return resp.StatusCode == http.StatusOK && !notDone(body), nil
	default:
		if room == "" {
			room = w.general.discord
		}
		verb, rest, _ := strings.Cut(text, " ")
		ix := interaction(did, room, verb, options(verb, rest))
		status, body, _, err := w.discord.PostInteraction(ctx, p.url+"/discord/interactions", ix)
		return err == nil && status == http.StatusOK && !notDone(body), err
	}
}

// notDone reports whether an answer says the command was not saved in time
// (bot.NotDoneText): a 200 that promises nothing, since the person is told to try
// again. On a loaded machine a commit can take longer than bot.CommitBudget.
func notDone(body []byte) bool {
	return bytes.Contains(body, []byte(strings.TrimSuffix(bot.NotDoneText, ".")))
}

// declareText is the declare of a P0 on the application tower, which pages on chat
// and on PagerDuty.
func declareText(title string) string {
	return "declare " + title + " impact=high urgency=high towers=application"
}

// options turns the rest of a command line into Discord's typed options: key=value
// pairs are options, the words before them the verb's text (its title for a declare).
func options(verb, rest string) map[string]string {
	opts := map[string]string{}
	var words []string
	for _, f := range strings.Fields(rest) {
		if k, v, ok := strings.Cut(f, "="); ok {
			opts[k] = v
			continue
		}
		words = append(words, f)
	}
	if len(words) > 0 {
		key := "text"
		if verb == "declare" {
			key = "title"
		}
		opts[key] = strings.Join(words, " ")
	}
	return opts
}

var interactionIDs atomic.Int64

// interaction is `/incident <sub>` with string options, typed by user in channel,
// with a fresh snowflake id.
func interaction(user, channel, sub string, opts map[string]string) discordfake.Interaction {
	list := []any{}
	for k, v := range opts {
		list = append(list, map[string]any{"type": 3, "name": k, "value": v})
	}
	data := map[string]any{"name": "incident", "type": 1, "options": []any{map[string]any{"type": 1, "name": sub, "options": list}}}
	id := strconv.FormatInt(1400000000000000000+interactionIDs.Add(1), 10)
	return discordfake.Interaction{ID: id, Type: discordfake.InteractionApplicationCommand, UserID: user, ChannelID: channel, Data: data}
}

// texts returns what the bot posted in a channel, one string per message (text and
// blocks or embeds), oldest first.
func (w *world) texts(platform, channel string) []string {
	var out []string
	switch platform {
	case slackPlatform:
		for _, m := range w.slack.Messages(channel) {
			if m.BotID != "" {
				out = append(out, m.Text+" "+string(m.Blocks))
			}
		}
	default:
		for _, m := range w.discord.Messages(channel) {
			out = append(out, m.Content+" "+string(m.Embeds))
		}
	}
	return out
}

// stakeholders is the platform's stakeholders channel.
func stakeholders(platform string) string { return config.Demo().Stakeholders[platform] }

// dms returns what the bot said to a person in direct messages.
func (w *world) dms(platform, who string) []string {
	sid, did := person(who)
	if platform == slackPlatform {
		var out []string
		for _, m := range w.slack.DMs(sid) {
			out = append(out, m.Text+" "+string(m.Blocks))
		}
		return out
	}
	dm, ok := w.discord.DMChannel(did)
	if !ok {
		return nil
	}
	return w.texts(discordPlatform, dm.ID)
}

// countContaining counts the texts that contain every one of want.
func countContaining(texts []string, want ...string) int {
	n := 0
next:
	for _, t := range texts {
		for _, s := range want {
			if !strings.Contains(t, s) {
				continue next
			}
		}
		n++
	}
	return n
}

// warRoomChannels maps each war-room-like channel in the fake ("mi-..." text or
// voice channels) to its name.
func (w *world) warRoomChannels(platform string) map[string]string {
	out := map[string]string{}
	if platform == slackPlatform {
		for _, c := range w.slack.Channels() {
			if strings.HasPrefix(c.Name, "mi-") {
				out[c.ID] = c.Name
			}
		}
		return out
	}
	for _, c := range w.discord.Channels() {
		if strings.HasPrefix(c.Name, "mi-") && c.Type != discordfake.ChannelCategory {
			out[c.ID] = c.Name
		}
	}
	return out
}

// pins counts the pinned messages of a war room.
func (w *world) pins(platform, channel string) int {
	if platform == slackPlatform {
		return len(w.slack.Pins(channel))
	}
	return len(w.discord.Pins(channel))
}

// pdTriggers counts the PagerDuty trigger events per dedup key.
func (w *world) pdTriggers() map[string]int {
	out := map[string]int{}
	for _, e := range w.pd.Events() {
		if e.Action == "trigger" {
			out[e.DedupKey]++
		}
	}
	return out
}

func pdKey(n int, tower string) string { return fmt.Sprintf("mimbot-%d-%s", n, tower) }

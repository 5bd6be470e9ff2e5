package slack

import (
	"context"
	"encoding/json"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// envelope is the outer JSON of an Events API delivery, over HTTP or Socket Mode.
type envelope struct {
	Type      string          `json:"type"` // url_verification, event_callback
	Challenge string          `json:"challenge"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// reaction is the inner event reaction_added.
type reaction struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	Reaction string `json:"reaction"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
}

// captureReaction is the emoji that puts a message on the incident's timeline.
const captureReaction = "pushpin"

// event takes an Events API delivery that was checked but not yet acknowledged and
// does its work first, within bot.CommitBudget: Slack sends an event again only when
// it was not acknowledged, so an event whose work failed must not be. It returns
// whether to acknowledge, and the work to start once the acknowledgement is out. A
// delivery seen before (Slack retries) does nothing.
func (a *Adapter) event(ctx context.Context, env envelope) (ack bool, then func()) {
	nothing := func() {}
	if env.Type != "event_callback" {
		return true, nothing
	}
	var ev reaction
	if json.Unmarshal(env.Event, &ev) != nil || ev.Type != "reaction_added" {
		return true, nothing
	}
	if ev.Reaction != captureReaction || ev.Item.Type != "message" || ev.Item.Channel == "" || ev.Item.TS == "" {
		return true, nothing
	}
	if env.EventID != "" && !a.events.Add(env.EventID) {
		return true, nothing
	}
	ctx, cancel := context.WithTimeout(ctx, bot.CommitBudget)
	defer cancel()
	confirm, err := a.capture(ctx, ev)
	if err != nil {
		if env.EventID != "" {
			a.events.Forget(env.EventID)
		}
		return false, nothing
	}
	if confirm == "" {
		return true, nothing
	}
	return true, func() {
		a.spawn(func(ctx context.Context) {
			if err := a.ephemeral(ctx, ev.Item.Channel, ev.User, confirm); err != nil {
				a.log.Debug("slack: capture confirmation not shown", "channel", ev.Item.Channel, "err", err)
			}
		})
	}
}

// capture puts a pinned message of a war room on the incident's timeline, once. It
// returns the confirmation to show the person who pinned it ("" for none), and an
// error when it failed in a way that trying again may fix.
func (a *Adapter) capture(ctx context.Context, ev reaction) (confirm string, err error) {
	key := ev.Item.Channel + "/" + ev.Item.TS
	if !a.pinned.Add(key) {
		return "", nil
	}
	log := a.log.With("channel", ev.Item.Channel)
	inc, err := a.surface.IncidentByRoom(ctx, Platform, ev.Item.Channel)
	if err != nil {
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return "", nil
		}
		a.pinned.Forget(key)
		log.Error("slack: capture: find incident", "err", err)
		return "", err
	}
	log = log.With("incident", inc.Number)
	msg, err := a.message(ctx, ev.Item.Channel, ev.Item.TS)
	if err != nil {
		log.Warn("slack: capture: message not read", "method", "conversations.history", "err", err)
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return "", nil
		}
		a.pinned.Forget(key)
		return "", err
	}
	actor := a.person(ev.User)
	if actor == "" {
		actor = ev.User
	}
	author := a.person(msg.User)
	if msg.BotID != "" || msg.User == a.botUserID() {
		author = mim.Bot
	}
	if _, err := a.surface.Capture(ctx, inc.Number, actor, author, a.plain(msg.Text)); err != nil {
		if mim.ErrorCode(err) == mim.EINTERNAL {
			a.pinned.Forget(key)
			log.Error("slack: capture", "err", err)
			return "", err
		}
		return "", nil
	}
	return "📌 Added to the timeline of " + inc.Ref() + ".", nil
}

// message reads one message of a channel by its ts.
func (a *Adapter) message(ctx context.Context, channel, ts string) (slackapi.Message, error) {
	var res *slackapi.GetConversationHistoryResponse
	err := a.call(ctx, "conversations.history", channel, func(ctx context.Context) error {
		var err error
		res, err = a.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{ChannelID: channel, Latest: ts, Inclusive: true, Limit: 1})
		return err
	})
	if err != nil {
		return slackapi.Message{}, err
	}
	if len(res.Messages) == 0 || res.Messages[0].Timestamp != ts {
		// A thread reply is not in the channel's history.
		return slackapi.Message{}, mim.Errorf(mim.ENOTFOUND, "message %s not in the channel's history", ts)
	}
	return res.Messages[0], nil
}

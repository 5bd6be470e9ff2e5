package slack

import (
	"context"
	"encoding/json"

	slackapi "github.com/slack-go/slack"

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

// event takes an Events API delivery that was checked but not yet acknowledged; it
// returns the work to start once the acknowledgement is out. A delivery seen before
// (Slack retries) does nothing.
func (a *Adapter) event(env envelope) (then func()) {
	nothing := func() {}
	if env.Type != "event_callback" {
		return nothing
	}
	var ev reaction
	if json.Unmarshal(env.Event, &ev) != nil || ev.Type != "reaction_added" {
		return nothing
	}
	if ev.Reaction != captureReaction || ev.Item.Type != "message" || ev.Item.Channel == "" || ev.Item.TS == "" {
		return nothing
	}
	if env.EventID != "" && !a.events.Add(env.EventID) {
		return nothing
	}
	return func() { a.spawn(func(ctx context.Context) { a.capture(ctx, ev) }) }
}

// capture puts a pinned message of a war room on the incident's timeline, once.
func (a *Adapter) capture(ctx context.Context, ev reaction) {
	key := ev.Item.Channel + "/" + ev.Item.TS
	if !a.pinned.Add(key) {
		return
	}
	log := a.log.With("channel", ev.Item.Channel)
	s := a.router.Service
	inc, err := s.Store.IncidentByRoom(ctx, Platform, ev.Item.Channel)
	if err != nil {
		if mim.ErrorCode(err) != mim.ENOTFOUND {
			a.pinned.Forget(key)
			log.Error("slack: capture: find incident", "err", err)
		}
		return
	}
	log = log.With("incident", inc.Number)
	msg, err := a.message(ctx, ev.Item.Channel, ev.Item.TS)
	if err != nil {
		a.pinned.Forget(key)
		log.Warn("slack: capture: message not read", "method", "conversations.history", "err", err)
		return
	}
	actor := a.person(ev.User)
	if actor == "" {
		actor = ev.User
	}
	author := a.person(msg.User)
	if msg.BotID != "" || msg.User == a.botUserID() {
		author = mim.Bot
	}
	if _, err := s.Capture(ctx, inc.Number, actor, author, a.plain(msg.Text)); err != nil {
		if mim.ErrorCode(err) == mim.EINTERNAL {
			a.pinned.Forget(key)
			log.Error("slack: capture", "err", err)
		}
		return
	}
	if err := a.ephemeral(ctx, ev.Item.Channel, ev.User, "📌 Added to the timeline of "+inc.Ref()+"."); err != nil {
		log.Debug("slack: capture confirmation not shown", "err", err)
	}
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

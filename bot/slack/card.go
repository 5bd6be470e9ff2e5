package slack

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// cardPrefix begins the text of every incident card, by which a card is found again.
const cardPrefix = "Incident card: "

// card is the pinned incident card: what a person joining the war room needs at a
// glance, and the buttons to act.
func (a *Adapter) card(inc *mim.Incident) (text string, blocks []slackapi.Block) {
	cfg := a.surface.Config()
	now := a.surface.Now()
	md := func(t string) *slackapi.TextBlockObject {
		return slackapi.NewTextBlockObject(slackapi.MarkdownType, t, false, false)
	}
	who := func(key, none string) string {
		if key == "" {
			return none
		}
		return a.render(mim.Mention(key))
	}

	title := fmt.Sprintf("%s %s · %s · %s", inc.Priority, inc.Ref(), inc.State, inc.Title)
	text = cardPrefix + title
	blocks = append(blocks, slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, bot.Truncate(title, 150), false, false)))

	kind := "major incident"
	if !inc.Major {
		kind = "incident (not major)"
	}
	fields := []*slackapi.TextBlockObject{
		md(fmt.Sprintf("*State*\n%s, %s", inc.State, kind)),
		md(fmt.Sprintf("*Priority*\n%s (impact %s, urgency %s)", inc.Priority, inc.Impact, inc.Urgency)),
		md("*Incident manager*\n" + who(inc.IM, "none yet: escalated to "+a.render(mim.Mentions(cfg.Head)))),
		md("*Comms*\n" + who(inc.Comms, "-")),
	}
	if inc.Owner != "" {
		fields = append(fields, md("*Owner*\n"+who(inc.Owner, "-")))
	}
	if len(inc.Towers) > 0 {
		fields = append(fields, md("*Towers*\n"+strings.Join(inc.Towers, ", ")))
	}
	if inc.Bridge != "" {
		fields = append(fields, md(fmt.Sprintf("*Bridge*\n<%s|Join the bridge>", inc.Bridge)))
	}
	blocks = append(blocks, slackapi.NewSectionBlock(nil, fields, nil))

	if pages := bot.PageLines(inc, func(k string) string { return a.render(mim.Mention(k)) }); pages != "" {
		blocks = append(blocks, slackapi.NewSectionBlock(md(bot.Truncate("*Paged leads*\n"+pages, maxSection)), nil, nil))
	}

	t := cfg.Policy.Target(inc.Priority)
	var clocks []*slackapi.TextBlockObject
	if c := mim.SLAClock(inc.DeclaredAt, inc.RespondedAt, t.Respond, now); c != "" {
		clocks = append(clocks, md("*Respond SLA*\n"+c))
	}
	if c := mim.SLAClock(inc.DeclaredAt, inc.ResolvedAt, t.Resolve, now); c != "" {
		clocks = append(clocks, md("*Resolve SLA*\n"+c))
	}
	if !inc.NextUpdateDue.IsZero() {
		due := inc.NextUpdateDue.In(cfg.Location).Format("15:04 MST")
		if d := inc.NextUpdateDue.Sub(now); d < 0 {
			due += " (overdue by " + mim.Duration(-d) + ")"
		} else {
			due += " (in " + mim.Duration(d) + ")"
		}
		clocks = append(clocks, md("*Next update due*\n"+due))
	}
	if len(clocks) > 0 {
		blocks = append(blocks, slackapi.NewSectionBlock(nil, clocks, nil))
	}

	blocks = append(blocks, slackapi.NewContextBlock("", md(fmt.Sprintf("Declared %s by %s · card updated %s",
		inc.DeclaredAt.In(cfg.Location).Format("15:04 MST"), who(inc.DeclaredBy, "-"), now.In(cfg.Location).Format("15:04:05 MST")))))
	if inc.State.Open() {
		if act := actions([]string{mim.ButtonAck, mim.ButtonUpdate, mim.ButtonResolve}, inc.Number); act != nil {
			act.BlockID = fmt.Sprintf("mimbot_card_%d", inc.Number)
			blocks = append(blocks, act)
		}
	}
	return text, blocks
}

// postCard posts the incident card in room and pins it. It returns the card's ts once
// posted, even when pinning failed, so that the card is recorded and a retry never
// posts a second one.
func (a *Adapter) postCard(ctx context.Context, inc *mim.Incident, room mim.WarRoom) (string, error) {
	text, blocks := a.card(inc)
	release, err := a.lanes.Acquire(ctx, room.ID)
	if err != nil {
		return "", err
	}
	ts, err := a.post(ctx, room.ID, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
	release()
	if err != nil {
		return "", fmt.Errorf("post card: %w", err)
	}
	return ts, a.pin(ctx, room.ID, ts)
}

// findCard returns the ts of the incident card the bot pinned in channel, or "" when
// there is none (or the pins could not be read: a second card is better than none).
func (a *Adapter) findCard(ctx context.Context, channel string) string {
	var items []slackapi.Item
	err := a.call(ctx, "pins.list", channel, func(ctx context.Context) error {
		var err error
		items, _, err = a.api.ListPinsContext(ctx, channel)
		return err
	})
	if err != nil {
		a.log.Warn("slack: pins not read", "method", "pins.list", "channel", channel, "err", err)
		return ""
	}
	for _, it := range items {
		m := it.Message
		if m != nil && strings.HasPrefix(m.Text, cardPrefix) && (m.BotID != "" || m.User == a.botUserID()) {
			return m.Timestamp
		}
	}
	return ""
}

// pin pins a message; one already pinned is fine.
func (a *Adapter) pin(ctx context.Context, channel, ts string) error {
	err := a.call(ctx, "pins.add", channel, func(ctx context.Context) error {
		return a.api.AddPinContext(ctx, channel, slackapi.ItemRef{Channel: channel, Timestamp: ts})
	})
	if err != nil && slackCode(err) != "already_pinned" {
		return fmt.Errorf("pin card: %w", err)
	}
	return nil
}

// refreshCard brings the pinned card up to date. A card that was never posted, or
// that someone deleted, is posted again and pinned, and the room returned with it.
func (a *Adapter) refreshCard(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	inc, room := d.Incident, *d.Room
	if room.Card != "" {
		text, blocks := a.card(inc)
		release, err := a.lanes.Acquire(ctx, room.ID)
		if err != nil {
			return nil, err
		}
		err = a.call(ctx, "chat.update", room.ID, func(ctx context.Context) error {
			_, _, _, err := a.api.UpdateMessageContext(ctx, room.ID, room.Card, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
			return err
		})
		release()
		switch slackCode(err) {
		case "":
			if err != nil {
				return nil, fmt.Errorf("update card: %w", err)
			}
			return nil, nil
		case "message_not_found", "cant_update_message":
			a.log.Warn("slack: incident card is gone, posting a new one", "incident", inc.Number, "channel", room.ID)
		default:
			return nil, fmt.Errorf("update card: %w", err)
		}
	}
	ts, err := a.postCard(ctx, inc, room)
	if ts == "" {
		return nil, err
	}
	room.Card = ts
	return &room, err
}

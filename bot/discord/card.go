package discord

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
	"mimbot/mim"
)

// card is the pinned incident card: what a person joining the war room needs at a
// glance, as an embed, and the buttons to act while the incident is open.
func (a *Adapter) card(inc *mim.Incident, room mim.WarRoom) (*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	cfg := a.surface.Config()
	now := a.surface.Now()
	who := func(key, none string) string {
		if key == "" {
			return none
		}
		t, _ := a.render(mim.Mention(key))
		return t
	}
	field := func(name, value string, inline bool) *discordgo.MessageEmbedField {
		if strings.TrimSpace(value) == "" {
			value = "-"
		}
		return &discordgo.MessageEmbedField{Name: name, Value: bot.Truncate(value, maxFieldValue), Inline: inline}
	}
	kind := "major incident"
	if !inc.Major {
		kind = "incident (not major)"
	}
	head, _ := a.render(mim.Mentions(cfg.Head))
	e := &discordgo.MessageEmbed{
		Title:     bot.Truncate(fmt.Sprintf("%s %s · %s · %s", inc.Priority, inc.Ref(), inc.State, inc.Title), maxEmbedTitle),
		Color:     colour(inc),
		Timestamp: inc.DeclaredAt.UTC().Format(time.RFC3339),
		Fields: []*discordgo.MessageEmbedField{
			field("State", fmt.Sprintf("%s, %s", inc.State, kind), true),
			field("Priority", fmt.Sprintf("%s (impact %s, urgency %s)", inc.Priority, inc.Impact, inc.Urgency), true),
			field("Incident manager", who(inc.IM, "none yet: escalated to "+head), true),
			field("Comms", who(inc.Comms, "-"), true),
		},
	}
	if inc.Owner != "" {
		e.Fields = append(e.Fields, field("Owner", who(inc.Owner, "-"), true))
	}
	if len(inc.Towers) > 0 {
		e.Fields = append(e.Fields, field("Towers", strings.Join(inc.Towers, ", "), true))
	}
	var bridge []string
	if room.Voice != "" {
		bridge = append(bridge, "<#"+room.Voice+">")
	}
	if inc.Bridge != "" {
		bridge = append(bridge, inc.Bridge)
	}
	if len(bridge) > 0 {
		e.Fields = append(e.Fields, field("Bridge", strings.Join(bridge, "\n"), true))
	}
	if pages := bot.PageLines(inc, func(k string) string { t, _ := a.render(mim.Mention(k)); return t }); pages != "" {
		e.Fields = append(e.Fields, field("Paged leads", pages, false))
	}
	t := cfg.Policy.Target(inc.Priority)
	if c := mim.SLAClock(inc.DeclaredAt, inc.RespondedAt, t.Respond, now); c != "" {
		e.Fields = append(e.Fields, field("Respond SLA", c, true))
	}
	if c := mim.SLAClock(inc.DeclaredAt, inc.ResolvedAt, t.Resolve, now); c != "" {
		e.Fields = append(e.Fields, field("Resolve SLA", c, true))
	}
	if !inc.NextUpdateDue.IsZero() {
		due := inc.NextUpdateDue.In(cfg.Location).Format("15:04 MST")
		if d := inc.NextUpdateDue.Sub(now); d < 0 {
			due += " (overdue by " + mim.Duration(-d) + ")"
		} else {
			due += " (in " + mim.Duration(d) + ")"
		}
		e.Fields = append(e.Fields, field("Next update due", due, true))
	}
	e.Footer = &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("Declared %s by %s · card updated %s",
		inc.DeclaredAt.In(cfg.Location).Format("15:04 MST"), cfg.Display(inc.DeclaredBy), now.In(cfg.Location).Format("15:04:05 MST"))}
	var comps []discordgo.MessageComponent
	if inc.State.Open() {
		comps = buttons([]string{mim.ButtonAck, mim.ButtonUpdate, mim.ButtonResolve}, inc.Number)
	}
	return e, comps
}

// nonceCard is the nonce of the card first posted in a room: a retry within Discord's
// nonce window gets the card already there.
func nonceCard(channel string) string { return "c" + channel }

// postCard posts the incident card in room and pins it. It returns the card's id once
// posted, even when pinning failed, so that the card is recorded and a retry never
// posts a second one.
func (a *Adapter) postCard(ctx context.Context, inc *mim.Incident, room mim.WarRoom, nonce string) (string, error) {
	e, comps := a.card(inc, room)
	release, err := a.turn(ctx, room.ID)
	if err != nil {
		return "", err
	}
	m, err := a.post(ctx, room.ID, outgoing{Embeds: []*discordgo.MessageEmbed{e}, Components: comps, AllowedMentions: only(nil), Nonce: nonce, EnforceNonce: true})
	release()
	if err != nil {
		return "", fmt.Errorf("post card: %w", err)
	}
	return m.ID, a.pin(ctx, room.ID, m.ID)
}

// pin pins a message; one already pinned is fine.
func (a *Adapter) pin(ctx context.Context, channel, id string) error {
	err := a.rest.do(ctx, call{
		method: http.MethodPut, path: "/channels/" + channel + "/messages/pins/" + id, route: "PUT /channels/{channel}/messages/pins/{message}",
		major: channel, idempotent: true,
	}, nil)
	if err != nil {
		return fmt.Errorf("pin card: %w", err)
	}
	return nil
}

// findCard looks for the card of incident n among the room's last messages: one an
// earlier attempt posted but could not record.
func (a *Adapter) findCard(ctx context.Context, channel string, n int) string {
	var msgs []message
	err := a.rest.do(ctx, call{
		method: http.MethodGet, path: "/channels/" + channel + "/messages?limit=50", route: "GET /channels/{channel}/messages",
		major: channel, idempotent: true,
	}, &msgs)
	if err != nil {
		return ""
	}
	bot, want := a.botUserID(), buttonID(mim.ButtonResolve, n)
	for _, m := range msgs {
		if m.Author.ID == bot && slices.Contains(m.customIDs(), want) && slices.Contains(m.customIDs(), buttonID(mim.ButtonAck, n)) {
			return m.ID
		}
	}
	return ""
}

// refreshCard brings the pinned card up to date, and lets people who joined the team
// into the room while the incident is open. A card that was never posted, or that
// someone deleted, is posted again and pinned, and the room returned with it.
func (a *Adapter) refreshCard(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	inc, room := d.Incident, *d.Room
	if inc.State.Open() {
		team := a.team(inc)
		if err := a.grant(ctx, room.ID, team, teamText); err != nil {
			if mim.ErrorCode(err) != mim.EINVALID {
				return nil, err
			}
			a.log.Warn("discord: team not let into the war room", "incident", inc.Number, "channel", room.ID, "err", err)
		}
		if room.Voice != "" {
			if err := a.grant(ctx, room.Voice, team, teamVoice); err != nil && mim.ErrorCode(err) != mim.EINVALID {
				return nil, err
			}
		}
	}
	if room.Card != "" {
		e, comps := a.card(inc, room)
		if comps == nil {
			comps = []discordgo.MessageComponent{}
		}
		release, err := a.turn(ctx, room.ID)
		if err != nil {
			return nil, err
		}
		err = a.rest.do(ctx, call{
			method: http.MethodPatch, path: "/channels/" + room.ID + "/messages/" + room.Card, route: "PATCH /channels/{channel}/messages/{message}",
			major: room.ID, body: edit{Embeds: []*discordgo.MessageEmbed{e}, Components: comps, AllowedMentions: only(nil)}, idempotent: true,
		}, nil)
		release()
		if discordCode(err) != codeUnknownMessage {
			if err != nil {
				return nil, fmt.Errorf("update card: %w", err)
			}
			return nil, nil
		}
		a.log.Warn("discord: incident card is gone, posting a new one", "incident", inc.Number, "channel", room.ID)
	}
	id, err := a.postCard(ctx, inc, room, nonce(d.Message, room.ID, 0))
	if id == "" {
		return nil, err
	}
	room.Card = id
	return &room, err
}

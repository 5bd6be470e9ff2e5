package discord

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
	"mimbot/mim"
)

// answerBudget is the time an interaction's answer may take, within Discord's three
// seconds from the moment it sent the interaction.
const answerBudget = 2500 * time.Millisecond

// Interaction callback types.
const (
	callbackPong         = 1
	callbackMessage      = 4
	callbackDeferred     = 5
	callbackAutocomplete = 8
	callbackModal        = 9
)

// response is an interaction callback: the answer Discord waits three seconds for.
type response struct {
	Type int `json:"type"`
	Data any `json:"data,omitempty"`
}

// deferred answers "thinking..." privately; the answer comes later as an edit.
func deferred() response {
	return response{Type: callbackDeferred, Data: map[string]int{"flags": flagEphemeral}}
}

// private answers at once with a message only the person sees.
func private(text string) response {
	return response{Type: callbackMessage, Data: outgoing{Content: bot.Truncate(text, maxContent), Flags: flagEphemeral, AllowedMentions: only(nil)}}
}

// buttonID is the custom id of a button: "mimbot:<button>:<incident>".
func buttonID(button string, incident int) string {
	return "mimbot:" + button + ":" + strconv.Itoa(incident)
}

// parseButton reads a button's custom id.
func parseButton(id string) (button string, incident int, ok bool) {
	rest, ok := strings.CutPrefix(id, "mimbot:")
	if !ok {
		return "", 0, false
	}
	button, num, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return button, n, true
}

func nothing() {}

// answer works out the immediate answer to an interaction and the work to start once
// it is out. It makes no REST call and touches no database, except that autocomplete
// reads the saved models (within ctx): whatever the work, Discord gets its answer in
// time.
func (a *Adapter) answer(ctx context.Context, i *discordgo.Interaction) (response, func()) {
	if i.GuildID != "" && i.GuildID != a.cfg.GuildID {
		a.log.Warn("discord: interaction from another guild ignored", "guild", i.GuildID)
		return private("mimbot serves another server; nothing was done."), nothing
	}
	switch i.Type {
	case discordgo.InteractionPing:
		return response{Type: callbackPong}, nothing
	case discordgo.InteractionApplicationCommand:
		return a.command(i)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return a.suggest(ctx, parseInvocation(i.ApplicationCommandData().Options)), nothing
	case discordgo.InteractionMessageComponent:
		return a.component(i)
	case discordgo.InteractionModalSubmit:
		return a.submit(i)
	}
	return private("mimbot does not know this kind of interaction."), nothing
}

// command handles /incident: a declaration without a title opens the declare form;
// anything else is answered "thinking..." and run.
func (a *Adapter) command(i *discordgo.Interaction) (response, func()) {
	data := i.ApplicationCommandData()
	if data.Name != commandName {
		return private("mimbot only knows /" + commandName + "."), nothing
	}
	inv := parseInvocation(data.Options)
	if inv.verb == "declare" && inv.value("title") == "" {
		return declareModal(a.router.Service.Config, inv.value), nothing
	}
	return deferred(), a.later(i, inv.text())
}

// component handles the buttons under messages and on the card: Acknowledge runs
// `ack`, Post update and Resolve ask for the text in a form.
func (a *Adapter) component(i *discordgo.Interaction) (response, func()) {
	button, n, ok := parseButton(i.MessageComponentData().CustomID)
	if !ok {
		return private("This button is out of date."), nothing
	}
	switch button {
	case mim.ButtonAck:
		if i.GuildID != "" || i.Message == nil {
			return deferred(), a.later(i, fmt.Sprintf("ack incident=%d", n))
		}
		// A page in a direct message: once acknowledged, it loses its button.
		req := bot.Request{Platform: Platform, User: invoker(i), Text: fmt.Sprintf("ack incident=%d", n), RequestID: Platform + ":" + i.ID}
		r, channel, msg := a.replyTo(i.Token), i.ChannelID, i.Message
		return deferred(), func() {
			a.spawn(func(ctx context.Context) {
				if a.run(ctx, req, r) {
					a.acknowledged(ctx, channel, msg, n)
				}
			})
		}
	case mim.ButtonUpdate, mim.ButtonResolve:
		return textModal(button, n), nothing
	}
	return private("This button is out of date."), nothing
}

// submit handles a submitted form: a form with mistakes is answered at once with what
// is wrong and what would work (Discord cannot show a form again); a good one is run.
func (a *Adapter) submit(i *discordgo.Interaction) (response, func()) {
	data := i.ModalSubmitData()
	values := modalValues(data)
	switch {
	case data.CustomID == modalDeclare:
		text, problems := declareCommand(a.router.Service.Config, values)
		if len(problems) > 0 {
			return private("Nothing was declared:\n• " + strings.Join(problems, "\n• ") +
				"\nRun `/incident declare` again, or type it in full: `/incident declare title:Payments down impact:high urgency:high towers:application,database`"), nothing
		}
		return deferred(), a.later(i, text)
	case strings.HasPrefix(data.CustomID, modalText+":"):
		text, problem := textCommand(data.CustomID, values)
		if problem != "" {
			return private(problem), nothing
		}
		return deferred(), a.later(i, text)
	}
	return private("This form is out of date."), nothing
}

// later returns the work of running text for the person behind i, once the
// interaction is answered.
func (a *Adapter) later(i *discordgo.Interaction, text string) func() {
	req := bot.Request{Platform: Platform, User: invoker(i), Room: i.ChannelID, Text: text, RequestID: Platform + ":" + i.ID}
	if i.GuildID == "" {
		req.Room = "" // a direct message is no war room
	}
	r := a.replyTo(i.Token)
	return func() { a.spawn(func(ctx context.Context) { a.run(ctx, req, r) }) }
}

// invoker returns the user behind an interaction.
func invoker(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

// run handles one command and answers the person who typed it. A declaration's
// answer shows the war room opening, then ready, in place. It reports whether the
// command was carried out.
func (a *Adapter) run(ctx context.Context, req bot.Request, r *reply) bool {
	verb := firstWord(req.Text)
	declare := verb == "declare"
	if declare {
		a.progress.Begin(req.RequestID, r)
	}
	rep := a.router.Handle(ctx, req)
	text := rep.Text
	follow := declare && rep.Err == nil && rep.Incident != nil && rep.Incident.RoomName != "" && slices.Contains(rep.Incident.Platforms, Platform)
	if follow {
		if room, ok := rep.Incident.Room(Platform); ok && room.Ready {
			follow = false
			text += fmt.Sprintf("\nWar room <#%s> is open.", room.ID)
		}
	}
	log := a.log.With("verb", verb)
	if rep.Incident != nil {
		log = log.With("incident", rep.Incident.Number)
	}
	if !follow {
		a.progress.Drop(req.RequestID)
		if err := r.send(ctx, text); err != nil {
			log.Warn("discord: reply not delivered", "method", "PATCH /webhooks/{app}/{token}/messages/@original", "err", err)
		}
		return rep.Err == nil
	}
	if err := r.send(ctx, text+"\nOpening war room..."); err != nil {
		log.Warn("discord: reply not delivered", "method", "PATCH /webhooks/{app}/{token}/messages/@original", "err", err)
	}
	if next, final, ok := a.progress.Shown(req.RequestID, text); ok {
		if err := next.send(ctx, final); err != nil {
			log.Warn("discord: progress not shown", "err", err)
		}
	}
	return true
}

// acknowledged edits a page in a direct message, once acknowledged: its text with a
// check mark, and no button.
func (a *Adapter) acknowledged(ctx context.Context, channel string, msg *discordgo.Message, n int) {
	text := bot.Truncate(msg.Content+fmt.Sprintf("\n✅ You acknowledged the page to #%d.", n), maxContent)
	err := a.rest.do(ctx, call{
		method: http.MethodPatch, path: "/channels/" + channel + "/messages/" + msg.ID, route: "PATCH /channels/{channel}/messages/{message}",
		major: channel, body: edit{Content: &text, Components: []discordgo.MessageComponent{}, AllowedMentions: only(nil)}, idempotent: true,
	}, nil)
	if err != nil {
		a.log.Warn("discord: acknowledged page not updated", "incident", n, "err", err)
	}
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

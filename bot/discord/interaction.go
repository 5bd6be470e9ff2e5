package discord

import (
	"context"
	"fmt"
	"net/http"
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

// answer works out the answer to an interaction and the work to start once it is
// out. It makes no REST call. A command is committed before it is answered (within
// ctx and bot.CommitBudget): Discord never sends an interaction again, so an answer
// promises that the command will not be lost.
func (a *Adapter) answer(ctx context.Context, i *discordgo.Interaction) (response, func()) {
	if i.GuildID != "" && i.GuildID != a.cfg.GuildID {
		a.log.Warn("discord: interaction from another guild ignored", "guild", i.GuildID)
		return private("mimbot serves another server; nothing was done."), nothing
	}
	switch i.Type {
	case discordgo.InteractionPing:
		return response{Type: callbackPong}, nothing
	case discordgo.InteractionApplicationCommand:
		return a.command(ctx, i)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return a.suggest(ctx, parseInvocation(i.ApplicationCommandData().Options)), nothing
	case discordgo.InteractionMessageComponent:
		return a.component(ctx, i)
	case discordgo.InteractionModalSubmit:
		return a.submit(ctx, i)
	}
	return private("mimbot does not know this kind of interaction."), nothing
}

// command handles /incident: a declaration without a title opens the declare form;
// anything else is committed and answered.
func (a *Adapter) command(ctx context.Context, i *discordgo.Interaction) (response, func()) {
	data := i.ApplicationCommandData()
	if data.Name != commandName {
		return private("mimbot only knows /" + commandName + "."), nothing
	}
	inv := parseInvocation(data.Options)
	if inv.verb == "declare" && inv.value("title") == "" {
		return declareModal(a.surface.Config(), inv.value), nothing
	}
	return a.commit(ctx, i, inv.text(), nil)
}

// component handles the buttons under messages and on the card: Acknowledge runs
// `ack` and Confirm `confirm`; Post update, Resolve and Reopen ask for the text in a
// form.
func (a *Adapter) component(ctx context.Context, i *discordgo.Interaction) (response, func()) {
	button, n, ok := parseButton(i.MessageComponentData().CustomID)
	if !ok {
		return private("This button is out of date."), nothing
	}
	switch button {
	case mim.ButtonAck:
		text := fmt.Sprintf("ack incident=%d", n)
		if i.GuildID != "" || i.Message == nil {
			return a.commit(ctx, i, text, nil)
		}
		// A page in a direct message: once acknowledged, it loses its button.
		channel, msg := i.ChannelID, i.Message
		return a.commit(ctx, i, text, func(ctx context.Context) { a.acknowledged(ctx, channel, msg, n) })
	case mim.ButtonConfirm:
		return a.commit(ctx, i, fmt.Sprintf("confirm incident=%d", n), nil)
	case mim.ButtonUpdate, mim.ButtonResolve, mim.ButtonReopen:
		return textModal(button, n), nothing
	}
	return private("This button is out of date."), nothing
}

// submit handles a submitted form: a form with mistakes is answered at once with what
// is wrong and what would work (Discord cannot show a form again); a good one is
// committed and answered.
func (a *Adapter) submit(ctx context.Context, i *discordgo.Interaction) (response, func()) {
	data := i.ModalSubmitData()
	values := modalValues(data)
	switch {
	case data.CustomID == modalDeclare:
		text, problems := declareCommand(a.surface.Config(), values)
		if len(problems) > 0 {
			return private("Nothing was declared:\n• " + strings.Join(problems, "\n• ") +
				"\nRun `/incident declare` again, or type it in full: `/incident declare title:Payments down impact:high urgency:high towers:application,database`"), nothing
		}
		return a.commit(ctx, i, text, nil)
	case strings.HasPrefix(data.CustomID, modalText+":"):
		text, problem := textCommand(data.CustomID, values)
		if problem != "" {
			return private(problem), nothing
		}
		return a.commit(ctx, i, text, nil)
	}
	return private("This form is out of date."), nothing
}

// commit runs text for the person behind i before the interaction is answered,
// within bot.CommitBudget, and answers with the outcome: what was done, or that
// nothing was and to try again. The work it returns, once the answer is out, completes
// a declaration's answer when its war room is ready, and runs after when the command
// was carried out.
func (a *Adapter) commit(ctx context.Context, i *discordgo.Interaction, text string, after func(ctx context.Context)) (response, func()) {
	req := bot.Request{Platform: Platform, User: invoker(i), Room: i.ChannelID, Text: text, RequestID: Platform + ":" + i.ID}
	if i.GuildID == "" {
		req.Room = "" // a direct message is no war room
	}
	r := a.replyTo(i.Token)
	log := a.log.With("verb", firstWord(text))
	if a.surface.Slow(text) {
		return private(bot.SlowText), func() {
			a.spawn(func(ctx context.Context) {
				if err := r.send(ctx, a.surface.Handle(ctx, req).Text); err != nil {
					log.Warn("discord: reply not delivered", "method", "PATCH /webhooks/{app}/{token}/messages/@original", "err", err)
				}
			})
		}
	}
	if bot.IsDeclare(text) {
		a.progress.Begin(req.RequestID, r)
	}
	rep := a.surface.Commit(ctx, req)
	shown, base, follow := bot.Answer(req, rep, Platform)
	if !follow {
		a.progress.Drop(req.RequestID)
	}
	if rep.Incident != nil {
		log = log.With("incident", rep.Incident.Number)
	}
	// The answer goes in the interaction's response when it fits in one message;
	// a longer one follows as edits and follow-ups.
	resp, long := deferred(), len(bot.Split(shown, maxContent)) > 1
	if !long {
		resp = private(shown)
		r.sent()
	}
	return resp, func() {
		a.spawn(func(ctx context.Context) {
			if long {
				if err := r.send(ctx, shown); err != nil {
					log.Warn("discord: reply not delivered", "method", "PATCH /webhooks/{app}/{token}/messages/@original", "err", err)
				}
			}
			if follow {
				if next, final, ok := a.progress.Shown(req.RequestID, base); ok {
					if err := next.send(ctx, final); err != nil {
						log.Warn("discord: progress not shown", "err", err)
					}
				}
			}
			if after != nil && rep.Err == nil {
				after(ctx)
			}
		})
	}
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

package teams

import (
	"context"
	"fmt"
	"strings"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
	"mimbot/mim"
)

// message handles a message typed to the bot: `incident <verb> ...` is committed
// before the activity is answered (bot.CommitBudget: the answer promises that the
// command will not be lost), and replied to once the answer is out. A message that
// mentions someone the adapter must look up first is answered at once and done after.
func (a *Adapter) message(ctx context.Context, act *msapi.Activity) func() {
	if ids := a.mentionsToLook(act); len(ids) > 0 {
		return func() {
			a.spawn(func(ctx context.Context) {
				if missed := a.lookUp(ctx, act, ids); len(missed) > 0 {
					a.say(ctx, a.replyTo(act), "I could not find out who "+strings.Join(missed, ", ")+" is in Teams, so nothing was done. Try again in a moment, or name them by their mimbot key.")
					return
				}
				a.typed(ctx, act)()
			})
		}
	}
	return a.typed(ctx, act)
}

// typed runs the command of a message whose mentions are known.
func (a *Adapter) typed(ctx context.Context, act *msapi.Activity) func() {
	r := a.replyTo(act)
	text, ok := grammar(a.commandText(act))
	if !ok {
		return a.answer(r, usage)
	}
	if cmd, err := bot.Parse(text); err == nil && cmd.Verb == "declare" && cmd.Text == "" {
		form := a.declareForm(cmd, "")
		return a.answerWith(r, form)
	}
	return a.commit(ctx, act, r, text, nil)
}

// lookUp asks the Connector for the Entra object id of the people an activity
// mentions by Teams id, and remembers them. It returns the names of those it could
// not look up.
func (a *Adapter) lookUp(ctx context.Context, act *msapi.Activity, ids []string) (missed []string) {
	for _, id := range ids {
		m, err := a.connector.Member(ctx, act.ServiceURL, conversationID(act), id)
		if err != nil || m.AADObjectID == "" {
			a.log.Warn("teams: a person mentioned was not looked up", "err", err)
			missed = append(missed, mentionedName(act, id))
			continue
		}
		a.mu.Lock()
		if len(a.members) > 20000 {
			clear(a.members)
		}
		a.members[id] = m.AADObjectID
		a.mu.Unlock()
	}
	return missed
}

// mentionedName is the name an activity's mention of id shows.
func mentionedName(act *msapi.Activity, id string) string {
	for _, e := range act.Entities {
		if e.Mentioned != nil && e.Mentioned.ID == id && e.Mentioned.Name != "" {
			return e.Mentioned.Name
		}
	}
	return "someone you mentioned"
}

// submitted handles a card's Action.Submit: the buttons (Acknowledge, Post update,
// Resolve, the reporter's Confirm and Reopen) and the declare form.
func (a *Adapter) submitted(ctx context.Context, act *msapi.Activity) func() {
	r := a.replyTo(act)
	s, ok := readSubmission(act.Value)
	if !ok {
		return a.answer(r, "This card is out of date.")
	}
	text, problem := s.command()
	if s.Button == "declare" && problem != "" {
		return a.answerWith(r, a.declareForm(bot.Command{Args: map[string]string{"impact": s.Impact, "urgency": s.Urgency, "towers": s.Towers, "model": s.Model}}, problem))
	}
	if problem != "" {
		return a.answer(r, problem)
	}
	var after func(ctx context.Context)
	if s.Button == mim.ButtonAck && roomOf(act) == "" && act.ReplyToID != "" {
		// A page in a personal chat: once acknowledged, it loses its button.
		conv, page, n := conversationID(act), act.ReplyToID, s.Incident
		after = func(ctx context.Context) { a.acknowledged(ctx, act.ServiceURL, conv, page, n) }
	}
	return a.commit(ctx, act, r, text, after)
}

// invoked handles an Action.Execute (adaptiveCard/action invoke): its answer is the
// invoke's response, which Teams shows the person who pressed the button.
func (a *Adapter) invoked(ctx context.Context, act *msapi.Activity) (any, func()) {
	s, ok := readSubmission(act.Value)
	if !ok {
		return invokeMessage("This card is out of date."), nothing
	}
	text, problem := s.command()
	if problem != "" {
		return invokeMessage(problem), nothing
	}
	req := a.request(act, text)
	rep := a.surface.Commit(ctx, req)
	a.logReply(req, rep)
	return invokeMessage(rep.Text), nothing
}

// request is the bot.Request of an activity's command.
func (a *Adapter) request(act *msapi.Activity, text string) bot.Request {
	user := ""
	if act.From != nil {
		user = act.From.AADObjectID
	}
	return bot.Request{Platform: Platform, User: user, Room: roomOf(act), Text: text, RequestID: Platform + ":" + act.ID}
}

// commit runs text for the person behind act within bot.CommitBudget, and returns the
// work that answers them once the activity is answered: the reply in the activity's
// thread, completed in place when a declaration's war room is ready, then after (when
// the command was carried out).
func (a *Adapter) commit(ctx context.Context, act *msapi.Activity, r *reply, text string, after func(ctx context.Context)) func() {
	req := a.request(act, text)
	if a.surface.Slow(text) {
		return func() {
			a.spawn(func(ctx context.Context) {
				a.say(ctx, r, bot.SlowText)
				a.say(ctx, r, a.surface.Handle(ctx, req).Text)
			})
		}
	}
	if bot.IsDeclare(text) {
		a.progress.Begin(req.RequestID, r)
	}
	rep := a.surface.Commit(ctx, req)
	a.logReply(req, rep)
	shown, base, follow := bot.Answer(req, rep, Platform)
	if !follow {
		a.progress.Drop(req.RequestID)
	}
	return func() {
		a.spawn(func(ctx context.Context) {
			a.say(ctx, r, shown)
			if follow {
				if next, final, ok := a.progress.Shown(req.RequestID, base); ok {
					a.say(ctx, next, final)
				}
			}
			if after != nil && rep.Err == nil {
				after(ctx)
			}
		})
	}
}

// logReply notes a command that failed on mimbot's side.
func (a *Adapter) logReply(req bot.Request, rep bot.Reply) {
	if rep.Unsaved() {
		a.log.Warn("teams: command not saved", "verb", firstWord(req.Text), "err", rep.Err)
	}
}

// answer returns the work that replies text to the activity of r.
func (a *Adapter) answer(r *reply, text string) func() {
	return func() { a.spawn(func(ctx context.Context) { a.say(ctx, r, text) }) }
}

// answerWith returns the work that replies with a card to the activity of r.
func (a *Adapter) answerWith(r *reply, act msapi.Activity) func() {
	return func() {
		a.spawn(func(ctx context.Context) {
			if err := r.post(ctx, act); err != nil {
				a.log.Warn("teams: reply not delivered", "method", "reply", "err", err)
			}
		})
	}
}

// say shows text as r's answer, logging a failure.
func (a *Adapter) say(ctx context.Context, r *reply, text string) {
	if err := r.send(ctx, text); err != nil {
		a.log.Warn("teams: reply not delivered", "method", "reply", "err", err)
	}
}

// acknowledged replaces a page in a personal chat, once acknowledged, by a card
// without its button.
func (a *Adapter) acknowledged(ctx context.Context, serviceURL, conv, page string, n int) {
	c := a.newCard()
	c.text(fmt.Sprintf("✅ You acknowledged the page to #%d.", n), nil)
	if err := a.connector.Update(ctx, serviceURL, conv, page, c.activity(fmt.Sprintf("Page to #%d acknowledged", n))); err != nil {
		a.log.Warn("teams: acknowledged page not updated", "incident", n, "err", err)
	}
}

// spawn runs fn in the background once one of the Concurrency slots is free.
func (a *Adapter) spawn(fn func(ctx context.Context)) { a.work.Go(fn) }

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

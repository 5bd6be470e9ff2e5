package slack

import (
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
)

// command takes a slash command that was checked but not yet acknowledged. It
// commits the command first and returns the acknowledgement, which carries the
// answer, and the work to start once the acknowledgement is out.
func (a *Adapter) command(ctx context.Context, cmd slackapi.SlashCommand) (ack any, then func()) {
	text := strings.TrimSpace(cmd.Text)
	reply := a.viaResponseURL(cmd.ResponseURL)
	if strings.EqualFold(text, "declare") && cmd.TriggerID != "" {
		return nil, func() {
			a.spawnNow(func(ctx context.Context) { a.openDeclare(ctx, cmd, reply) })
		}
	}
	req := bot.Request{Platform: Platform, User: cmd.UserID, Room: cmd.ChannelID, Text: text}
	if cmd.TriggerID != "" {
		req.RequestID = "slack:" + cmd.TriggerID
	}
	if a.surface.Slow(text) {
		return ephemeralAck(bot.SlowText), func() {
			a.spawn(func(ctx context.Context) {
				if err := reply(ctx, a.surface.Handle(ctx, req).Text, false); err != nil {
					a.log.Warn("slack: reply not delivered", "verb", firstWord(req.Text), "err", err)
				}
			})
		}
	}
	ans := a.commit(ctx, req, reply)
	parts := replyParts(ans.shown)
	return ephemeralAck(parts[0]), func() {
		a.spawn(func(ctx context.Context) {
			for _, p := range parts[1:] {
				if err := reply(ctx, p, false); err != nil {
					a.log.Warn("slack: reply not delivered", "verb", firstWord(req.Text), "err", err)
					return
				}
			}
			a.finish(ctx, ans)
		})
	}
}

// ephemeralAck is an acknowledgement that answers the person who typed a command.
func ephemeralAck(text string) map[string]string {
	return map[string]string{"response_type": "ephemeral", "text": text}
}

// openDeclare opens the declare form with the command's trigger id, which Slack
// honours for three seconds only.
func (a *Adapter) openDeclare(ctx context.Context, cmd slackapi.SlashCommand, reply replier) {
	view := declareModal(a.surface.Config(), cmd.ChannelID)
	err := a.call(ctx, "views.open", "", func(ctx context.Context) error {
		_, err := a.api.OpenViewContext(ctx, cmd.TriggerID, view)
		return err
	})
	if err == nil {
		return
	}
	a.log.Warn("slack: declare form not opened", "method", "views.open", "err", err)
	msg := "I could not open the declare form in time. Declare with a command instead: " +
		"`/incident declare Payments down impact=high urgency=high towers=application,database`"
	if err := reply(ctx, msg, false); err != nil {
		a.log.Warn("slack: reply not delivered", "err", err)
	}
}

// answer is a command carried out (or refused) and what its author is told.
type answer struct {
	req    bot.Request
	rep    bot.Reply
	shown  string // the answer as it is shown now
	text   string // the answer without "Opening war room...", completed once the room is ready
	follow bool   // a war room is opening: the answer is completed in place
}

// commit runs req before its acknowledgement, within bot.CommitBudget, and follows a
// declaration's war room so that its answer can be completed in place.
func (a *Adapter) commit(ctx context.Context, req bot.Request, reply replier) answer {
	if bot.IsDeclare(req.Text) {
		a.progress.Begin(req.RequestID, reply)
	}
	rep := a.surface.Commit(ctx, req)
	shown, text, follow := bot.Answer(req, rep, Platform)
	if !follow {
		a.progress.Drop(req.RequestID)
	}
	return answer{req: req, rep: rep, shown: shown, text: text, follow: follow}
}

// deliver answers after the acknowledgement, where the acknowledgement cannot carry
// the answer (buttons, forms, slow commands).
func (a *Adapter) deliver(ctx context.Context, ans answer, reply replier) {
	if err := reply(ctx, ans.shown, false); err != nil {
		a.log.Warn("slack: reply not delivered", "verb", firstWord(ans.req.Text), "err", err)
	}
	a.finish(ctx, ans)
}

// finish completes a declaration's answer in place when its war room became ready
// before the answer was out.
func (a *Adapter) finish(ctx context.Context, ans answer) {
	if !ans.follow {
		return
	}
	if next, final, ok := a.progress.Shown(ans.req.RequestID, ans.text); ok {
		if err := next(ctx, final, true); err != nil {
			a.log.Warn("slack: progress not shown", "err", err)
		}
	}
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

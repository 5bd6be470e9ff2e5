package slack

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
)

// command takes a slash command that was checked but not yet acknowledged; it
// returns the work to start once the acknowledgement is out.
func (a *Adapter) command(cmd slackapi.SlashCommand) (then func()) {
	text := strings.TrimSpace(cmd.Text)
	reply := a.viaResponseURL(cmd.ResponseURL)
	if strings.EqualFold(text, "declare") && cmd.TriggerID != "" {
		return func() {
			a.spawnNow(func(ctx context.Context) { a.openDeclare(ctx, cmd, reply) })
		}
	}
	req := bot.Request{Platform: Platform, User: cmd.UserID, Room: cmd.ChannelID, Text: text}
	if cmd.TriggerID != "" {
		req.RequestID = "slack:" + cmd.TriggerID
	}
	return func() {
		a.spawn(func(ctx context.Context) { a.run(ctx, req, reply) })
	}
}

// openDeclare opens the declare form with the command's trigger id, which Slack
// honours for three seconds only.
func (a *Adapter) openDeclare(ctx context.Context, cmd slackapi.SlashCommand, reply replier) {
	view := declareModal(a.router.Service.Config, cmd.ChannelID)
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

// run handles one command and answers the person who typed it. A declaration's
// answer shows the war room opening, then ready, in place. It reports whether the
// command was carried out.
func (a *Adapter) run(ctx context.Context, req bot.Request, reply replier) bool {
	declare := strings.EqualFold(firstWord(req.Text), "declare")
	if declare {
		a.progress.Begin(req.RequestID, reply)
	}
	rep := a.router.Handle(ctx, req)
	text := rep.Text
	follow := declare && rep.Err == nil && rep.Incident != nil && rep.Incident.RoomName != "" && req.RequestID != ""
	if follow {
		if room, ok := rep.Incident.Room(Platform); ok && room.Ready {
			follow = false
			text += fmt.Sprintf("\nWar room <#%s> is open.", room.ID)
		}
	}
	if !follow {
		a.progress.Drop(req.RequestID)
		if err := reply(ctx, text, false); err != nil {
			a.log.Warn("slack: reply not delivered", "verb", firstWord(req.Text), "err", err)
		}
		return rep.Err == nil
	}
	if err := reply(ctx, text+"\nOpening war room...", false); err != nil {
		a.log.Warn("slack: reply not delivered", "verb", "declare", "incident", rep.Incident.Number, "err", err)
	}
	if next, final, ok := a.progress.Shown(req.RequestID, text); ok {
		if err := next(ctx, final, true); err != nil {
			a.log.Warn("slack: progress not shown", "incident", rep.Incident.Number, "err", err)
		}
	}
	return true
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

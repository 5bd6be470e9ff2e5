package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// interaction takes a button press or a modal submission that was checked but not
// yet acknowledged. It commits the command it stands for, then returns the
// acknowledgement's payload (nil: empty) and the work to start once the
// acknowledgement is out. It calls no Slack method itself: a modal's validation
// errors come back in the acknowledgement, as Slack requires.
func (a *Adapter) interaction(ctx context.Context, cb slackapi.InteractionCallback) (ack any, then func()) {
	switch cb.Type {
	case slackapi.InteractionTypeBlockActions:
		return nil, a.blockAction(ctx, cb)
	case slackapi.InteractionTypeViewSubmission:
		return a.viewSubmission(ctx, cb)
	}
	return nil, func() {}
}

// blockAction handles the buttons mimbot puts under messages and on the card.
func (a *Adapter) blockAction(ctx context.Context, cb slackapi.InteractionCallback) (then func()) {
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	for _, act := range cb.ActionCallback.BlockActions {
		verb, ok := strings.CutPrefix(act.ActionID, "mimbot_")
		n, err := strconv.Atoi(act.Value)
		if !ok || err != nil || n <= 0 {
			continue
		}
		reply := a.toUser(channel, cb.User.ID)
		switch verb {
		case mim.ButtonAck:
			req := bot.Request{Platform: Platform, User: cb.User.ID, Room: channel, Text: fmt.Sprintf("ack incident=%d", n), RequestID: "slack:" + cb.TriggerID}
			page, responseURL := cb.Message.Text, cb.ResponseURL
			ans := a.commit(ctx, req, reply)
			return func() {
				a.spawn(func(ctx context.Context) {
					a.deliver(ctx, ans, reply)
					if ans.rep.Err == nil && strings.HasPrefix(channel, "D") && responseURL != "" {
						a.acknowledged(ctx, responseURL, page, n)
					}
				})
			}
		case mim.ButtonConfirm:
			req := bot.Request{Platform: Platform, User: cb.User.ID, Room: channel, Text: fmt.Sprintf("confirm incident=%d", n), RequestID: "slack:" + cb.TriggerID}
			ans := a.commit(ctx, req, reply)
			return func() { a.spawn(func(ctx context.Context) { a.deliver(ctx, ans, reply) }) }
		case mim.ButtonUpdate, mim.ButtonResolve, mim.ButtonReopen:
			view := textModal(verb, n, channel)
			trigger := cb.TriggerID
			return func() { a.spawnNow(func(ctx context.Context) { a.openModal(ctx, trigger, view, reply) }) }
		}
	}
	return func() {}
}

// openModal opens view with a trigger id, right away.
func (a *Adapter) openModal(ctx context.Context, trigger string, view slackapi.ModalViewRequest, reply replier) {
	err := a.call(ctx, "views.open", "", func(ctx context.Context) error {
		_, err := a.api.OpenViewContext(ctx, trigger, view)
		return err
	})
	if err == nil {
		return
	}
	a.log.Warn("slack: form not opened", "method", "views.open", "err", err)
	meta := decodeMeta(view.PrivateMetadata)
	msg := fmt.Sprintf("I could not open the form in time. Type it instead: `/incident %s <text> incident=%d`", meta.Verb, meta.Incident)
	if err := reply(ctx, msg, false); err != nil {
		a.log.Warn("slack: reply not delivered", "err", err)
	}
}

// viewSubmission validates a submitted modal and commits the command it stands for;
// errors go back in the acknowledgement and keep the form open, as does a command
// that could not be committed in time (submitting again is safe: the request key is
// the view's).
func (a *Adapter) viewSubmission(ctx context.Context, cb slackapi.InteractionCallback) (ack any, then func()) {
	meta := decodeMeta(cb.View.PrivateMetadata)
	var (
		text, field string
		errs        map[string]string
	)
	switch cb.View.CallbackID {
	case callbackDeclare:
		text, errs = declareCommand(a.surface.Config(), cb.View.State)
		field = fieldTitle
	case callbackText:
		text, errs = textCommand(meta, cb.View.State)
		field = fieldText
	default:
		return nil, func() {}
	}
	if len(errs) > 0 {
		return slackapi.NewErrorsViewSubmissionResponse(errs), func() {}
	}
	req := bot.Request{Platform: Platform, User: cb.User.ID, Room: meta.Channel, Text: text, RequestID: "slack:" + cb.View.ID}
	reply := a.toUser(meta.Channel, cb.User.ID)
	ans := a.commit(ctx, req, reply)
	if ans.rep.Unsaved() {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{field: ans.shown}), func() {}
	}
	return nil, func() { a.spawn(func(ctx context.Context) { a.deliver(ctx, ans, reply) }) }
}

// acknowledged replaces a page in a direct message, once acknowledged, with the same
// text and no button, so that the lead's DMs show what is still waiting for them. (The
// card in the war room refreshes by itself.)
func (a *Adapter) acknowledged(ctx context.Context, responseURL, page string, n int) {
	text := fmt.Sprintf(":white_check_mark: You acknowledged the page to #%d.", n)
	if page != "" {
		text = page + "\n" + text
	}
	section := map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": bot.Truncate(text, 3000)}}
	body := map[string]any{"replace_original": true, "text": text, "blocks": []any{section}}
	if err := a.postJSON(ctx, responseURL, body); err != nil {
		a.log.Warn("slack: acknowledged page not updated", "incident", n, "err", err)
	}
}

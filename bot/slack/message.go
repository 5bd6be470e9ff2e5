package slack

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// Slack's message limits.
const (
	maxText    = 39000 // a message's text: 40,000 characters, with room to spare
	maxSection = 3000  // a section block's text
	// maxButtonText bounds the text of a message with buttons, so that its sections
	// and the actions block stay far below the 50 blocks a message may have.
	maxButtonText = 12000
)

// Action ids of the buttons under messages and on the incident card; the value is
// the incident number.
const (
	actionAck     = "mimbot_" + mim.ButtonAck
	actionUpdate  = "mimbot_" + mim.ButtonUpdate
	actionResolve = "mimbot_" + mim.ButtonResolve
)

// buttonLabels are what each button says.
var buttonLabels = map[string]string{
	mim.ButtonAck:     "Acknowledge",
	mim.ButtonUpdate:  "Post update",
	mim.ButtonResolve: "Resolve",
	mim.ButtonConfirm: "It works: close it",
	mim.ButtonReopen:  "Still broken: reopen",
}

// render replaces mim's mention tokens by Slack mentions, or by the person's name
// when they have no Slack id.
func (a *Adapter) render(text string) string {
	cfg := a.surface.Config()
	return mim.RenderMentions(text, func(key string) string {
		if id := cfg.People[key].Slack; id != "" {
			return "<@" + id + ">"
		}
		return cfg.Display(key)
	})
}

var slackMentionRE = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)

// plain turns Slack mentions in a message back into person keys (or names), for the
// timeline.
func (a *Adapter) plain(text string) string {
	return slackMentionRE.ReplaceAllStringFunc(text, func(m string) string {
		id := slackMentionRE.FindStringSubmatch(m)[1]
		if k := a.person(id); k != "" {
			return "@" + k
		}
		return m
	})
}

// actions returns the actions block of buttons for an incident, or nil.
func actions(buttons []string, incident int) *slackapi.ActionBlock {
	if len(buttons) == 0 || incident == 0 {
		return nil
	}
	value := strconv.Itoa(incident)
	var els []slackapi.BlockElement
	for _, b := range buttons {
		label, ok := buttonLabels[b]
		if !ok {
			continue
		}
		btn := slackapi.NewButtonBlockElement("mimbot_"+b, value, slackapi.NewTextBlockObject(slackapi.PlainTextType, label, false, false))
		switch b {
		case mim.ButtonAck, mim.ButtonConfirm:
			btn.Style = slackapi.StylePrimary
		case mim.ButtonResolve:
			btn.Style = slackapi.StyleDanger
		}
		els = append(els, btn)
	}
	if len(els) == 0 {
		return nil
	}
	return slackapi.NewActionBlock(fmt.Sprintf("mimbot_actions_%d", incident), els...)
}

// postText posts text in channel, split under Slack's limits; buttons, if any, go
// under the last part. It keeps the channel's order.
func (a *Adapter) postText(ctx context.Context, channel, text string, buttons *slackapi.ActionBlock) error {
	release, err := a.lanes.Acquire(ctx, channel)
	if err != nil {
		return err
	}
	defer release()
	size := maxText
	if buttons != nil {
		size = maxButtonText
	}
	parts := bot.Split(text, size)
	for i, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		opts := []slackapi.MsgOption{slackapi.MsgOptionText(p, false)}
		if i == len(parts)-1 && buttons != nil {
			var blocks []slackapi.Block
			for _, s := range bot.Split(p, maxSection) {
				blocks = append(blocks, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false), nil, nil))
			}
			opts = append(opts, slackapi.MsgOptionBlocks(append(blocks, buttons)...))
		}
		if _, err := a.post(ctx, channel, opts...); err != nil {
			return err
		}
	}
	return nil
}

// post is one chat.postMessage; it returns the message's ts. The caller holds the
// channel's lane.
func (a *Adapter) post(ctx context.Context, channel string, opts ...slackapi.MsgOption) (string, error) {
	var ts string
	err := a.call(ctx, "chat.postMessage", channel, func(ctx context.Context) error {
		_, t, err := a.api.PostMessageContext(ctx, channel, append(opts, slackapi.MsgOptionDisableLinkUnfurl())...)
		ts = t
		return err
	})
	return ts, err
}

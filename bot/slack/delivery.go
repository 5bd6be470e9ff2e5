package slack

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// Send delivers one outbox message: to the war room, the stakeholders channel or a
// person's direct messages, or as a refresh of the incident card. It returns the war
// room when the delivery changed it (a card posted again), for the relay to record.
func (a *Adapter) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	m := d.Message
	room, err := a.send(ctx, d)
	if err != nil {
		return room, fmt.Errorf("slack: send %s of incident %d: %w", m.To, m.Incident, err)
	}
	return room, nil
}

func (a *Adapter) send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	m := d.Message
	to, err := bot.Route(a.surface.Config(), Platform, d)
	if err != nil {
		return nil, err
	}
	if to.Card {
		return a.refreshCard(ctx, d)
	}
	channel := to.Channel
	if to.User != "" {
		if channel, err = a.dmChannel(ctx, to.User); err != nil {
			return nil, err
		}
	}
	text := a.render(m.Text)
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	if m.Kind == mim.KindSummary {
		err := a.upload(ctx, channel, m.Incident, d.Incident, text)
		if err == nil || ctx.Err() != nil {
			return nil, err
		}
		a.log.Warn("slack: summary upload failed, posting it as messages", "incident", m.Incident, "channel", channel, "err", err)
	}
	return nil, a.postText(ctx, channel, text, actions(m.Buttons, m.Incident))
}

// upload shares a long Markdown document (the post-incident summary) as a file with
// a short message, in channel's turn.
func (a *Adapter) upload(ctx context.Context, channel string, number int, inc *mim.Incident, markdown string) error {
	release, err := a.lanes.Acquire(ctx, channel)
	if err != nil {
		return err
	}
	defer release()
	name := fmt.Sprintf("incident-%d-summary.md", number)
	title := fmt.Sprintf("Post-incident summary of #%d", number)
	comment := title + " (Markdown attached)."
	if inc != nil {
		comment = fmt.Sprintf("Post-incident summary of %s %s (Markdown attached).", inc.Ref(), inc.Title)
	}
	var up *slackapi.GetUploadURLExternalResponse
	err = a.call(ctx, "files.getUploadURLExternal", channel, func(ctx context.Context) error {
		var err error
		up, err = a.api.GetUploadURLExternalContext(ctx, slackapi.GetUploadURLExternalParameters{FileName: name, FileSize: len(markdown), SnippetType: "markdown"})
		return err
	})
	if err != nil {
		return err
	}
	err = a.call(ctx, "upload", channel, func(ctx context.Context) error {
		return a.api.UploadToURL(ctx, slackapi.UploadToURLParameters{UploadURL: up.UploadURL, Content: markdown, Filename: name})
	})
	if err != nil {
		return err
	}
	return a.call(ctx, "files.completeUploadExternal", channel, func(ctx context.Context) error {
		_, err := a.api.CompleteUploadExternalContext(ctx, slackapi.CompleteUploadExternalParameters{
			Files: []slackapi.FileSummary{{ID: up.FileID, Title: title}}, Channel: channel, InitialComment: comment,
		})
		return err
	})
}

package discord

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// sendTimeout bounds one delivery, below the outbox relay's 30-second lease.
const sendTimeout = 25 * time.Second

// Send delivers one outbox message: to the war room, the stakeholders channel or a
// person's direct messages, or as a refresh of the incident card. The message that
// closes (or cancels) an incident also archives its war room. It returns the war room
// when the delivery changed it (a card posted again, the bridge deleted), for the relay
// to record.
func (a *Adapter) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	m := d.Message
	// Within the relay's 30-second lease, or another worker would send it too.
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	room, err := a.send(ctx, d)
	if err != nil {
		return room, fmt.Errorf("discord: send %s of incident %d: %w", m.To, m.Incident, err)
	}
	return room, nil
}

func (a *Adapter) send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	m := d.Message
	to, err := bot.Route(a.surface.Config(), Platform, d)
	if err != nil {
		return nil, err
	}
	var changed *mim.WarRoom
	switch {
	case to.Card:
		return a.refreshCard(ctx, d)
	case m.To == mim.ToWarRoom && (m.Kind == mim.KindClosed || m.Kind == mim.KindCancelled) && d.Incident != nil:
		// Archive first: a failure leaves nothing half said, and the retry posts the
		// message once.
		if changed, err = a.archive(ctx, d.Incident, *d.Room); err != nil {
			return changed, err
		}
	case m.To == mim.ToStakeholders:
		text, _ := a.render(m.Text)
		if strings.TrimSpace(text) == "" {
			return nil, nil
		}
		return nil, a.postEmbeds(ctx, to.Channel, m, text, d.Incident)
	}
	channel := to.Channel
	if to.User != "" {
		if channel, err = a.dmChannel(ctx, to.User); err != nil {
			return nil, err
		}
	}
	text, users := a.render(m.Text)
	if strings.TrimSpace(text) == "" {
		return changed, nil
	}
	if m.Kind == mim.KindSummary {
		return changed, a.postSummary(ctx, channel, m, d.Incident, text)
	}
	return changed, a.postText(ctx, channel, m, text, users, buttons(m.Buttons, m.Incident))
}

// postSummary posts the post-incident summary as a Markdown file with its timeline
// chart (SVG), under a short message: far longer than a message, and meant to be
// downloaded for the RCA.
func (a *Adapter) postSummary(ctx context.Context, channel string, m mim.Outgoing, inc *mim.Incident, markdown string) error {
	release, err := a.turn(ctx, channel)
	if err != nil {
		return err
	}
	defer release()
	content := fmt.Sprintf("Post-incident summary of #%d (Markdown attached).", m.Incident)
	files := []file{{name: fmt.Sprintf("incident-%d-summary.md", m.Incident), contentType: "text/markdown; charset=utf-8", data: []byte(markdown)}}
	if inc != nil {
		content = fmt.Sprintf("Post-incident summary of %s %s (Markdown attached).", inc.Ref(), inc.Title)
		if inc.Summary != nil && inc.Summary.SVG != "" {
			content = fmt.Sprintf("Post-incident summary of %s %s (Markdown and timeline chart attached).", inc.Ref(), inc.Title)
			files = append(files, file{name: fmt.Sprintf("incident-%d-timeline.svg", m.Incident), contentType: "image/svg+xml", data: []byte(inc.Summary.SVG)})
		}
	}
	msg := outgoing{Content: bot.Truncate(content, maxContent), AllowedMentions: only(nil), Nonce: nonce(m, channel, 0), EnforceNonce: true}
	_, err = a.post(ctx, channel, msg, files...)
	return err
}

// dmChannel returns the bot's direct-message channel with a Discord user, opening it
// the first time (Discord returns the same channel when it is opened again).
func (a *Adapter) dmChannel(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch := a.dms[user]
	a.mu.Unlock()
	if ch != "" {
		return ch, nil
	}
	var out struct {
		ID string `json:"id"`
	}
	err := a.rest.do(ctx, call{
		method: http.MethodPost, path: "/users/@me/channels", route: "POST /users/@me/channels",
		body: map[string]string{"recipient_id": user}, idempotent: true,
	}, &out)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	if len(a.dms) > 10000 {
		clear(a.dms)
	}
	a.dms[user] = out.ID
	a.mu.Unlock()
	return out.ID, nil
}

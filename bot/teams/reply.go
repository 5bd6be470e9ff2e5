package teams

import (
	"context"
	"sync"
	"time"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
)

// progressTTL is how long a declaration's progress is kept: a war room opens within
// seconds, or after the relay's retries within minutes.
const progressTTL = 15 * time.Minute

// reply answers the person behind one activity with a reply in its thread (in a
// channel) or its chat. Its first answer is posted; a later one replaces it in place
// ("Opening war room..." becomes "... done").
type reply struct {
	a                    *Adapter
	serviceURL, conv, to string
	mu                   sync.Mutex
	id                   string // the answer posted, once it is
}

func (a *Adapter) replyTo(act *msapi.Activity) *reply {
	return &reply{a: a, serviceURL: act.ServiceURL, conv: conversationID(act), to: act.ID}
}

// send shows text as the answer: posted (in parts when long) the first time, edited
// in place after that.
func (r *reply) send(ctx context.Context, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts := bot.Split(text, maxText)
	if r.id != "" {
		return r.a.connector.Update(ctx, r.serviceURL, r.conv, r.id, r.a.textActivity(parts[0]))
	}
	for i, p := range parts {
		id, err := r.a.connector.Reply(ctx, r.serviceURL, r.conv, r.to, r.a.textActivity(p))
		if err != nil {
			return err
		}
		if i == 0 {
			r.id = id
		}
	}
	return nil
}

// post replies with an activity of its own (a card).
func (r *reply) post(ctx context.Context, act msapi.Activity) error {
	_, err := r.a.connector.Reply(ctx, r.serviceURL, r.conv, r.to, act)
	return err
}

// textActivity is a message of text, its mentions made Teams mentions.
func (a *Adapter) textActivity(text string) msapi.Activity {
	out, entities := a.messageText(text)
	return msapi.Activity{Type: "message", Text: out, TextFormat: "xml", Entities: entities}
}

// markdownActivity is a message of Markdown (the post-incident summary), which Teams
// renders as it is; its mentions are Teams mentions.
func (a *Adapter) markdownActivity(text string) msapi.Activity {
	m := &mentioner{a: a}
	out := m.render(text, same, same)
	return msapi.Activity{Type: "message", Text: out, TextFormat: "markdown", Entities: m.entities}
}

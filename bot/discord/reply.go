package discord

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
)

// tokenTTL is how long an interaction token answers: fifteen minutes, with a margin.
const tokenTTL = 14*time.Minute + 30*time.Second

// reply answers the person behind one interaction, privately, by editing the
// interaction's original (deferred) response; the first answer continues in
// follow-ups when it is too long for one message, and a very long one is attached.
type reply struct {
	a       *Adapter
	token   string
	created time.Time
	expires time.Time

	mu       sync.Mutex
	answered bool
}

func (a *Adapter) replyTo(token string) *reply {
	now := a.cfg.Clock.Now()
	return &reply{a: a, token: token, created: now, expires: now.Add(tokenTTL)}
}

// codeUnknownWebhook is Discord's answer to an interaction webhook used before
// Discord has taken the interaction's answer (an HTTP answer is taken after the bot
// sent it, so the first edit can overtake it).
const codeUnknownWebhook = 10015

// webhookGrace is how long after the answer an unknown webhook is worth waiting for.
const webhookGrace = 5 * time.Second

var errTokenExpired = errors.New("the interaction's token has expired (15 minutes)")

// sent records that the interaction's response carried the first answer.
func (r *reply) sent() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answered = true
}

// send shows text as the answer, replacing what the answer said before.
func (r *reply) send(ctx context.Context, text string) error {
	if r.a.cfg.Clock.Now().After(r.expires) {
		return errTokenExpired
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	first := !r.answered
	parts := bot.Split(text, maxContent)
	var files []file
	if len(parts) > maxParts || (!first && len(parts) > 1) {
		parts = []string{bot.Split(text, maxContent-80)[0] + "\n… (the whole answer is attached)"}
		files = []file{{name: "answer.md", contentType: "text/markdown; charset=utf-8", data: []byte(text)}}
	}
	app := r.a.application()
	base := "/webhooks/" + app + "/" + r.token
	body := edit{Content: &parts[0], Components: []discordgo.MessageComponent{}, AllowedMentions: only(nil)}
	c := call{
		method: http.MethodPatch, path: base + "/messages/@original", route: "PATCH /webhooks/{app}/{token}/messages/@original",
		major: r.token, idempotent: true, interaction: true,
	}
	if len(files) == 0 {
		c.body = body
	} else {
		body.Attachments = []attachment{{ID: 0, Filename: files[0].name}}
		var err error
		if c.contentType, c.raw, err = multipart(body, files); err != nil {
			return err
		}
	}
	for pause := 50 * time.Millisecond; ; pause *= 2 {
		err := r.a.rest.do(ctx, c, nil)
		if err == nil {
			break
		}
		if discordCode(err) != codeUnknownWebhook || r.a.cfg.Clock.Now().Sub(r.created)+pause > webhookGrace {
			return err
		}
		if err := bot.Sleep(ctx, pause); err != nil {
			return err
		}
	}
	r.answered = true
	if !first {
		return nil
	}
	for _, p := range parts[1:] {
		err := r.a.rest.do(ctx, call{
			method: http.MethodPost, path: base, route: "POST /webhooks/{app}/{token}", major: r.token, interaction: true,
			body: outgoing{Content: p, Flags: flagEphemeral, AllowedMentions: only(nil)},
		}, nil)
		if err != nil {
			return err
		}
	}
	return nil
}

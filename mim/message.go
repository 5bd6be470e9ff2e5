package mim

import (
	"regexp"
	"time"
)

// Audience is who a message is for.
type Audience string

// Audiences.
const (
	ToWarRoom      Audience = "war_room"
	ToStakeholders Audience = "stakeholders"
	ToPerson       Audience = "person" // a direct message
	// ToOpenRoom is not a message but the job of opening the war room; it travels in the
	// outbox so that it is ordered before every message to the room and resumed after a
	// crash.
	ToOpenRoom Audience = "open_room"
	// ToCard asks the adapter to refresh the incident card (Slack, Discord).
	ToCard Audience = "card"
	// ToPager is for a paging service (PagerDuty): Kind says what happened to the
	// page (paged, page_acked, resolved) and Person whose page it is.
	ToPager Audience = "pager"
)

// PagerDuty is the platform of messages to PagerDuty's Events API: towers with a
// routing key are paged there too.
const PagerDuty = "pagerduty"

// Outgoing is a message in the outbox: decided in the same transaction as the change
// that caused it, delivered afterwards, in order per (platform, incident, Queue),
// retried until it is delivered.
type Outgoing struct {
	ID       int64
	Platform string
	Incident int // 0 for messages about no single incident (the digest)
	To       Audience
	Person   string // with ToPerson
	Kind     Kind   // what the message is about; adapters may style by it
	Text     string // with mention tokens, see Mention
	Buttons  []string
	Attempts int
	Created  time.Time
}

// Queue names the FIFO the message waits in, within its platform and incident:
// everything about the war room (its opening first), the stakeholders, one
// person's direct messages, the pager, or one outbound webhook. Different queues go
// out side by side.
func (m Outgoing) Queue() string {
	switch m.To {
	case ToStakeholders:
		return "stakeholders"
	case ToPerson:
		return "dm:" + m.Person
	case ToPager:
		return "pager"
	case ToWebhook:
		// One queue per webhook: a receiver that is down holds up only its own events.
		return "hook:" + m.Person
	}
	return "room"
}

// Buttons an adapter may offer under a message; the shell shows them as commands.
const (
	ButtonAck     = "ack"
	ButtonUpdate  = "update"
	ButtonResolve = "resolve"
	ButtonConfirm = "confirm" // the reporter confirms the fix
	ButtonReopen  = "reopen"  // the reporter says it is still broken
)

// Mention writes a mention of a person key into message text. Adapters replace it with
// the platform's mention (<@U123>), or the person's name when they have no id.
func Mention(key string) string { return "<@" + key + ">" }

var mentionRE = regexp.MustCompile(`<@([a-z0-9][a-z0-9_.-]*)>`)

// RenderMentions replaces every mention token in text by what render returns for its
// person key.
func RenderMentions(text string, render func(key string) string) string {
	return mentionRE.ReplaceAllStringFunc(text, func(m string) string {
		return render(mentionRE.FindStringSubmatch(m)[1])
	})
}

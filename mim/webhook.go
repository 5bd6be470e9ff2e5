package mim

import (
	"context"
	"slices"
	"time"
)

// Outbound webhooks tell other tools (an ITSM such as ServiceNow or Jira, Opsgenie, a
// script) what happens to incidents. Each event queues one outbox message per webhook
// that subscribes to it, in the transaction of the change that made the event, with
// its body already rendered: the receiver learns what the incident was at the event,
// not what it has become by the time a retry gets through.

// HookEvent is an event an outbound webhook can subscribe to.
type HookEvent string

// Events of outbound webhooks.
const (
	HookDeclared        HookEvent = "declared"
	HookPriorityChanged HookEvent = "priority_changed"
	HookUpdate          HookEvent = "update"
	HookEscalated       HookEvent = "escalated"
	HookResolved        HookEvent = "resolved"
	HookClosed          HookEvent = "closed"
)

// HookEvents lists every event a webhook may subscribe to, in the order an incident
// usually meets them.
func HookEvents() []HookEvent {
	return []HookEvent{HookDeclared, HookPriorityChanged, HookUpdate, HookEscalated, HookResolved, HookClosed}
}

// hookEventOf is the webhook event a timeline entry of kind k makes, if any: the
// timeline is where every use case records what happened, so reading the events off it
// needs no use case to remember webhooks.
func hookEventOf(k Kind) (HookEvent, bool) {
	switch k {
	case KindDeclared:
		return HookDeclared, true
	case KindPriority:
		return HookPriorityChanged, true
	case KindUpdate:
		return HookUpdate, true
	case KindEscalated:
		return HookEscalated, true
	case KindResolved:
		return HookResolved, true
	case KindClosed:
		return HookClosed, true
	}
	return "", false
}

// Webhook is one outbound webhook of the configuration (webhooks:).
type Webhook struct {
	URL string
	// Secret signs every body (X-Mimbot-Signature); it is never logged.
	Secret string
	Events []HookEvent
}

// Wants tells whether the webhook subscribes to ev.
func (w Webhook) Wants(ev HookEvent) bool { return slices.Contains(w.Events, ev) }

// WebhookPlatform is the platform of outbound webhook messages: a process with webhooks
// configured serves it.
const WebhookPlatform = "webhook"

// ToWebhook is a message for an outbound webhook: Person holds the webhook's URL, Kind
// the timeline kind of the event and Text the JSON body, rendered when the event
// happened.
const ToWebhook Audience = "webhook"

// HookBody renders the JSON body an outbound webhook receives. It lives outside the
// domain because the incident is rendered as the HTTP API renders it.
type HookBody interface {
	HookBody(ev HookEvent, at time.Time, inc *Incident) string
}

// Hook delivers outbound webhook messages (To ToWebhook). An error whose code is
// EINVALID is given up on; any other is retried later with backoff.
type Hook interface {
	Post(ctx context.Context, m Outgoing) error
}

// queueWebhooks queues, for every entry ch adds to the timeline that is a webhook
// event, one message per webhook that subscribes to it. Without a body renderer
// (Service.Hooks) there is nothing to send: the program always sets one.
func (s *Service) queueWebhooks(inc *Incident, ch *Change) {
	if s.Hooks == nil || len(s.Config.Webhooks) == 0 {
		return
	}
	for _, e := range ch.Entries {
		ev, ok := hookEventOf(e.Kind)
		if !ok {
			continue
		}
		var body string
		for _, w := range s.Config.Webhooks {
			if !w.Wants(ev) {
				continue
			}
			if body == "" {
				body = s.Hooks.HookBody(ev, e.At, inc)
			}
			ch.Messages = append(ch.Messages, Outgoing{Platform: WebhookPlatform, Incident: inc.Number, To: ToWebhook, Person: w.URL, Kind: e.Kind, Text: body, Created: e.At})
		}
	}
}

// Package webhook delivers mimbot's outbound webhooks: each incident event a receiver
// subscribes to (webhooks: in the configuration) is POSTed to it as JSON,
//
//	{"event": "resolved", "at": "2026-03-02T10:04:00Z", "incident": {...}}
//
// where incident is the incident as the HTTP API renders it at the event, without its
// timeline (schema.json describes the body). The body is rendered when the event
// happens (Body, the mim.HookBody) and stored in the outbox with it, so that a retry
// sends what was true then; Sender, the mim.Hook, only signs and sends it.
//
// Every request is signed with the webhook's secret, so that a receiver can tell it
// came from mimbot and was not altered or replayed later:
//
//	X-Mimbot-Timestamp: <Unix seconds when sent>
//	X-Mimbot-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
//	X-Mimbot-Delivery: <the delivery's id, the same on its retries>
//
// The outbox retries with backoff and keeps the order per webhook and incident: a
// network error, 408, 429 or 5xx is tried again; any other 4xx says the receiver will
// not take it and is given up on after a few tries (the receiver may be mid-deploy),
// and logged. The secret is never logged.
package webhook

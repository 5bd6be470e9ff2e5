// Package pagerduty pages towers on PagerDuty through the Events API v2. It implements
// mim.Pager for the platform mim.PagerDuty, so that pages travel through the outbox like
// every other message: ordered per incident, retried while PagerDuty is unavailable,
// resumed after a crash.
//
// The service queues a message To mim.ToPager whenever a page of a tower with a
// pagerduty_routing_key changes: Kind paged (a lead was paged), page_acked (the lead
// acknowledged in chat) or resolved (the incident was resolved); Text names the tower
// and Person is the lead. Each becomes one event (trigger, acknowledge, resolve) on the
// tower's routing key, all with the dedup key mimbot-<incident number>-<tower>: one
// PagerDuty incident follows one tower's page through its escalations, a re-sent or
// repeated trigger lands on the same PagerDuty incident, and the acknowledgement and
// the resolution close the one that was opened.
//
// Failures come back as *mim.Error codes the relay acts on: EUNAVAILABLE (network, 408,
// 429, 5xx) is retried later with backoff; EINVALID (a 400 listing what PagerDuty
// refused, a tower with no routing key) is given up on and logged.
//
// The other way, a v3 webhook subscription tells mimbot when a lead acknowledged the
// page in PagerDuty (incident.acknowledged): webhook.go verifies its signature
// (X-PagerDuty-Signature, PAGERDUTY_WEBHOOK_SECRET), reads the event and finds the
// page again from the incident's incident_key, which is the dedup key above.
//
// The routing key is a secret: it is never logged and never part of an error.
package pagerduty

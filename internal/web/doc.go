// Package web is mimbot's HTTP surface besides the chat platforms' endpoints:
//
//   - GET /status and GET /status/{incident}: the stakeholder pages (HTML from
//     templates/*.html.tmpl), display names only, refreshed every minute;
//   - GET /api/v1/incidents[/{id}]: the contract's incident JSON (internal/api),
//     behind the bearer token MIMBOT_API_TOKEN; a list is newest first, 100 unless
//     ?limit= says otherwise (at most 1000), ?state=open for the open ones;
//   - POST /api/v1/incidents: declares an incident from a web tool or a script, same
//     token; an Idempotency-Key header finds the incident the same key declared
//     (200 instead of 201), and the answer is written only after the commit;
//   - POST /api/v1/alerts: the Alertmanager webhook (payload version 4), same token.
//     A firing group declares one incident, found again by a key made from its
//     groupKey when Alertmanager re-sends; a resolved group is only noted on the
//     timeline, since a person decides when an incident is resolved;
//   - POST /webhooks/pagerduty: PagerDuty's webhooks v3, signed with
//     PAGERDUTY_WEBHOOK_SECRET; incident.acknowledged for one of mimbot's pages
//     acknowledges it (mim.Service.AckPage), a forged or stale event is refused (401)
//     and anything else is taken and ignored;
//   - GET /metrics: Prometheus metrics, the incident gauges read from the store at
//     each scrape.
//
// Without a token the API and the alert webhook answer 404; without its secret, the
// PagerDuty webhook does. Business rules stay in mim: this
// package translates HTTP to mim.Service calls and back.
package web

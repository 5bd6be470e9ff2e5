// Package pagerdutyfake is an in-process fake of the PagerDuty Events API v2
// (POST /v2/enqueue) for tests that page through the real
// github.com/PagerDuty/go-pagerduty client.
//
// go-pagerduty v1.8.0 sends events with a Client whose events endpoint is
// set by the WithV2EventsAPIEndpoint option; the client appends
// "/v2/enqueue" itself, so pass it URL(), not EnqueueURL():
//
//	srv := pagerdutyfake.New(pagerdutyfake.Options{RateLimitPerMinute: 120})
//	srv.Start()
//	defer srv.Close()
//
//	client := pagerduty.NewClient("", pagerduty.WithV2EventsAPIEndpoint(srv.URL()))
//	resp, err := client.ManageEventWithContext(ctx, &pagerduty.V2Event{...})
//
// (The package-level pagerduty.ManageEventWithContext always posts to
// events.pagerduty.com and cannot be pointed at the fake.)
//
// Events are validated as PagerDuty documents them: routing_key must be 32
// characters; event_action must be trigger, acknowledge or resolve; a trigger
// needs payload.summary (at most 1024 characters), payload.source and
// payload.severity (critical, error, warning or info), and payload.timestamp
// must be RFC 3339 when given; acknowledge and resolve need a dedup_key; a
// dedup_key is at most 255 characters. Every problem found is listed in a 400
// answer: {"status":"invalid event","message":"Event object is invalid",
// "errors":[...]}. A valid event answers 202 {"status":"success",
// "message":"Event processed","dedup_key":...}, with a generated dedup_key
// for triggers that did not send one.
//
// With Options.RateLimitPerMinute set, valid events beyond that many per
// routing key in any 60-second window answer 429 and are not accepted.
// Faults queued with InjectFault make the next requests wait and/or fail
// with a chosen status (such as 500 or 502) before any validation; SetChaos
// fails a seeded share of all requests (429, 500, reset connections) and
// answers some late.
//
// Events returns the accepted events in order; Incidents groups them per
// routing key and dedup_key into incidents that move from triggered to
// acknowledged to resolved. A trigger for a resolved incident's dedup_key
// opens a new incident; acknowledge or resolve for an unknown dedup_key is
// accepted (as PagerDuty does) but changes nothing.
//
// Webhooks v3 go the other way: Subscribe registers a subscriber's URL and secret,
// and Acknowledge(ctx, dedupKey) acknowledges the open incident as a responder does
// in the app and POSTs a real-shaped, signed incident.acknowledged event
// ({"event": {"id", "event_type", "resource_type", "occurred_at", "agent", "data"}},
// X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>) to every subscription.
// A subscription with the wrong secret is how a test forges one.
//
// Only the standard library is used.
package pagerdutyfake

// Package mim is the domain of mimbot: major incidents and the ITIL procedure that
// runs them.
//
// It holds the incident and its lifecycle, priorities from the impact x urgency
// matrix, the SMO rotation and neutral incident-manager selection, tower leads and
// their pages, tasks, the typed timeline, SLA clocks and the status-update cadence,
// what follows closure (problem records worked to known errors, follow-up actions),
// and the use cases that change them (Service). Everything that must happen later
// (reminders, escalations, SLA warnings, page timeouts, the digest) is a Timer kept in
// the store; everything said in chat goes through an Outbox kept in the same store, so
// a crash between deciding and saying loses nothing. Pages to PagerDuty and outbound
// webhooks (webhook.go) travel the same outbox.
//
// mim imports only the standard library and robfig/cron (schedule parsing). Storage,
// chat platforms and other I/O are behind the small interfaces in store.go and chat.go,
// implemented in store/, bot/ and internal/.
package mim

// Package metrics counts what mimbot does for Prometheus: the domain events of each
// committed change (declares, resolutions, reminders, escalations, SLA events, page
// acknowledgements, war rooms ready, timers fired), the messages the relay gives up
// on, and every call to a platform's API. It implements mim.Observer and
// mim.CallObserver, so that each event is counted in one place, after it is durable;
// the gauges read from the store at each scrape live with the /metrics handler in
// internal/web.
package metrics

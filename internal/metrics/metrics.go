package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/mim"
)

// Metrics holds the event metrics of one process.
type Metrics struct {
	clock       mim.Clock
	declared    *prometheus.CounterVec
	resolved    *prometheus.CounterVec
	ready       *prometheus.HistogramVec
	reminders   prometheus.Counter
	escalations *prometheus.CounterVec
	sla         *prometheus.CounterVec
	pageAck     *prometheus.HistogramVec
	lateness    prometheus.Histogram
	calls       *prometheus.CounterVec
	retries     *prometheus.CounterVec
	givenUp     *prometheus.CounterVec
}

var (
	_ mim.Observer     = (*Metrics)(nil)
	_ mim.CallObserver = (*Metrics)(nil)
)

// New registers the event metrics on reg; clock times what the change itself does
// not date (a war room found ready, a timer fired). It panics when reg already holds
// one of these names: a wiring mistake, as with prometheus.MustRegister.
func New(reg prometheus.Registerer, clock mim.Clock) *Metrics {
	if clock == nil {
		clock = mim.SystemClock{}
	}
	m := &Metrics{
		clock: clock,
		declared: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_incidents_declared_total",
			Help: "Incidents declared, by priority at declaration and source (shell, slack, discord, alertmanager, api, email).",
		}, []string{"priority", "source"}),
		resolved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_incidents_resolved_total",
			Help: "Incidents resolved (a reopened one counts again when resolved again), by priority.",
		}, []string{"priority"}),
		ready: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mimbot_declare_to_ready_seconds",
			Help:    "Time from the declaration of a major incident to its war room ready on a platform: created, people invited, the card posted and pinned.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
		}, []string{"platform"}),
		reminders: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mimbot_reminders_total",
			Help: "Status-update reminders sent to incident managers.",
		}),
		escalations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_escalations_total",
			Help: "Escalations, by kind: functional (the next lead of a tower) or hierarchical (the SMO head).",
		}, []string{"kind"}),
		sla: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_sla_events_total",
			Help: "SLA warnings (75% of the target used) and breaches, by clock (respond, resolve).",
		}, []string{"clock", "event"}),
		pageAck: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mimbot_page_ack_seconds",
			Help:    "Time from a tower's page to its acknowledgement, by tower (pages by name, which have no OLA, are left out).",
			Buckets: []float64{15, 30, 60, 120, 300, 600, 900, 1800, 3600},
		}, []string{"tower"}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mimbot_timer_lateness_seconds",
			Help:    "How late timers (reminders, escalations, SLA clocks) fired: the time they fired minus the time they were due.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300},
		}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_outbound_calls_total",
			Help: "HTTP requests to the platforms' APIs, every attempt, by platform, API method or route template, and status code (0: no answer).",
		}, []string{"platform", "method", "code"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_outbound_retries_total",
			Help: "API requests made again within one call, by platform and the failure before (429, 5xx, network).",
		}, []string{"platform", "reason"}),
		givenUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_messages_given_up_total",
			Help: "Outbox messages the relay stopped trying to deliver (refused by the platform, or failing for about an hour), by platform.",
		}, []string{"platform"}),
	}
	reg.MustRegister(m.declared, m.resolved, m.ready, m.reminders, m.escalations, m.sla, m.pageAck, m.lateness, m.calls, m.retries, m.givenUp)
	// Series whose labels are known start at zero, so that a dashboard's rate() sees
	// the first event instead of a series appearing from nothing.
	for _, k := range []string{mim.EscalationFunctional, mim.EscalationHierarchical} {
		m.escalations.WithLabelValues(k)
	}
	for _, c := range []string{mim.ClockRespond, mim.ClockResolve} {
		for _, e := range []string{"warning", "breach"} {
			m.sla.WithLabelValues(c, e)
		}
	}
	for _, p := range mim.Priorities {
		m.resolved.WithLabelValues(p.String())
	}
	return m
}

// Committed counts the events of a committed change.
func (m *Metrics) Committed(inc *mim.Incident, ch *mim.Change) {
	now := m.clock.Now()
	if ch.Fired != nil {
		m.lateness.Observe(max(now.Sub(ch.Fired.Due).Seconds(), 0))
	}
	if inc == nil {
		return
	}
	if ch.RoomReady != "" && !inc.DeclaredAt.IsZero() {
		m.ready.WithLabelValues(ch.RoomReady).Observe(max(now.Sub(inc.DeclaredAt).Seconds(), 0))
	}
	for _, e := range ch.Entries {
		switch e.Kind {
		case mim.KindDeclared:
			m.declared.WithLabelValues(inc.Priority.String(), orUnknown(inc.Source)).Inc()
		case mim.KindResolved:
			m.resolved.WithLabelValues(inc.Priority.String()).Inc()
		case mim.KindReminder:
			m.reminders.Inc()
		case mim.KindEscalated:
			m.escalations.WithLabelValues(orUnknown(e.Label)).Inc()
		case mim.KindSLAWarning:
			m.sla.WithLabelValues(orUnknown(e.Label), "warning").Inc()
		case mim.KindSLABreach:
			m.sla.WithLabelValues(orUnknown(e.Label), "breach").Inc()
		case mim.KindPageAcked:
			if e.Label != "" {
				m.pageAck.WithLabelValues(e.Label).Observe(e.Took.Seconds())
			}
		}
	}
}

// GaveUp counts a message the relay gave up on.
func (m *Metrics) GaveUp(msg mim.Outgoing, _ error) {
	m.givenUp.WithLabelValues(msg.Platform).Inc()
}

// Called counts one attempt of an API call.
func (m *Metrics) Called(platform, method string, code int) {
	m.calls.WithLabelValues(platform, method, strconv.Itoa(code)).Inc()
}

// Retried counts an attempt made again after reason.
func (m *Metrics) Retried(platform, reason string) {
	m.retries.WithLabelValues(platform, reason).Inc()
}

// orUnknown keeps a label from being empty when the data predates it.
func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

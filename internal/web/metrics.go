package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mimbot/mim"
)

// httpMetrics count and time the requests of this package's routes.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newHTTPMetrics registers the HTTP metrics and the process and Go collectors on reg.
// A collector reg already has (the program registered it, or a second Server shares
// the registry) is reused rather than refused.
func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mimbot_http_requests_total",
			Help: "HTTP requests to the status pages, API, alert webhook and metrics, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mimbot_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	register(reg, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	register(reg, collectors.NewGoCollector())
	return m
}

// register registers c, or returns the equal collector reg already holds.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	err := reg.Register(c)
	var dup prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c
	case errors.As(err, &dup):
		if existing, ok := dup.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic("web: register metrics: " + err.Error())
}

func (m *httpMetrics) observe(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// storeGauges describe the gauges read from the store at each scrape.
type storeGauges struct {
	open, state, up, pending, due *prometheus.Desc
}

func newStoreGauges() *storeGauges {
	return &storeGauges{
		open: prometheus.NewDesc("mimbot_open_incidents",
			"Open incidents (declared to mitigated), by priority and whether they are major.", []string{"priority", "major"}, nil),
		state: prometheus.NewDesc("mimbot_open_incidents_by_state",
			"Open incidents (declared to mitigated), by lifecycle state.", []string{"state"}, nil),
		up: prometheus.NewDesc("mimbot_store_up",
			"1 when this scrape could read the incidents from the store, else 0.", nil, nil),
		pending: prometheus.NewDesc("mimbot_outbox_pending",
			"Messages not yet delivered, by platform: a platform no running process serves keeps growing.", []string{"platform"}, nil),
		due: prometheus.NewDesc("mimbot_timers_due",
			"Timers due and not claimed by any worker: above zero for long, reminders and escalations are late.", nil, nil),
	}
}

// snapshot is what the store said at one scrape.
type snapshot struct {
	g      *storeGauges
	policy mim.Policy
	open   []*mim.Incident
	err    error
	// pending counts undelivered messages by platform; nil when it could not be read.
	pending map[string]int
	// due counts the timers due and unclaimed; -1 when it could not be read.
	due int
}

// Describe sends nothing: the snapshot lives for one scrape, in a registry of its own,
// so it is an unchecked collector.
func (snapshot) Describe(chan<- *prometheus.Desc) {}

// Collect sends the gauges: every priority with its configured major flag, zero
// included, and any other combination that occurs (an incident whose priority was
// changed by hand keeps its flag).
func (s snapshot) Collect(ch chan<- prometheus.Metric) {
	if s.err != nil {
		ch <- prometheus.MustNewConstMetric(s.g.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(s.g.up, prometheus.GaugeValue, 1)
	type key struct {
		priority mim.Priority
		major    bool
	}
	byPriority := map[key]int{}
	for _, p := range mim.Priorities {
		byPriority[key{p, s.policy.IsMajor(p)}] = 0
	}
	byState := map[mim.State]int{}
	// Every open state gets a series, zero included, so that none vanishes from a
	// dashboard when its last incident moves on.
	for _, st := range []mim.State{mim.Declared, mim.Investigating, mim.Identified, mim.Mitigated} {
		byState[st] = 0
	}
	for _, inc := range s.open {
		byPriority[key{inc.Priority, inc.Major}]++
		byState[inc.State]++
	}
	for k, n := range byPriority {
		ch <- prometheus.MustNewConstMetric(s.g.open, prometheus.GaugeValue, float64(n), k.priority.String(), strconv.FormatBool(k.major))
	}
	for st, n := range byState {
		ch <- prometheus.MustNewConstMetric(s.g.state, prometheus.GaugeValue, float64(n), string(st))
	}
	for p, n := range s.pending {
		ch <- prometheus.MustNewConstMetric(s.g.pending, prometheus.GaugeValue, float64(n), p)
	}
	if s.due >= 0 {
		ch <- prometheus.MustNewConstMetric(s.g.due, prometheus.GaugeValue, float64(s.due))
	}
}

// metrics answers GET /metrics: the registry's metrics, and the incident gauges read
// from the store now, with the request's context (a collector registered for good
// would have to read the store without one). A store that cannot be read still
// leaves the process metrics to scrape, with mimbot_store_up 0.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	snap := snapshot{g: s.gauges, policy: s.svc.Config.Policy, due: -1}
	snap.open, snap.err = s.svc.Store.Incidents(r.Context(), mim.Filter{Open: true})
	if snap.err != nil {
		s.log.Error("metrics: list open incidents", "route", r.Pattern, "err", snap.err)
	} else if pending, err := s.svc.Store.PendingMessages(r.Context()); err != nil {
		s.log.Error("metrics: count pending messages", "route", r.Pattern, "err", err)
	} else {
		// Each platform this process serves has a series, zero included.
		for _, p := range s.svc.Platforms {
			pending[p] += 0
		}
		snap.pending = pending
	}
	if snap.err == nil {
		if n, err := s.svc.Store.DueTimers(r.Context(), s.svc.Clock.Now()); err != nil {
			s.log.Error("metrics: count due timers", "route", r.Pattern, "err", err)
		} else {
			snap.due = n
		}
	}
	scrape := prometheus.NewRegistry()
	scrape.MustRegister(snap)
	promhttp.HandlerFor(prometheus.Gatherers{s.reg, scrape}, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, // a failing collector must not hide the others
		ErrorLog:      slog.NewLogLogger(s.log.With("route", r.Pattern).Handler(), slog.LevelError),
	}).ServeHTTP(w, r)
}

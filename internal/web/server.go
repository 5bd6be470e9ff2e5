package web

import (
	"context"
	"crypto/sha256"
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/mim"
	"mimbot/templates"
)

// Config is what the web surface needs. Only Service is required.
type Config struct {
	Service *mim.Service
	// Token is MIMBOT_API_TOKEN, the bearer token of the JSON API and the alert
	// webhook. Empty: those routes are off and answer 404.
	Token string
	// HTML holds status.html.tmpl and incident.html.tmpl (templates.LoadHTML); nil:
	// the embedded pages.
	HTML *htmltemplate.Template
	Log  *slog.Logger // nil: discard
	// Registry receives the HTTP metrics, the process and Go collectors, and is what
	// /metrics serves; nil: New makes one.
	Registry *prometheus.Registry
	// PagerDutySecret is PAGERDUTY_WEBHOOK_SECRET, which signs PagerDuty's v3
	// webhooks. Empty: POST /webhooks/pagerduty is off and answers 404.
	PagerDutySecret string
	// Timeout bounds the work of one request, store and service calls included;
	// default 10s.
	Timeout time.Duration
}

// Server serves the stakeholder pages, the JSON API, the Alertmanager webhook and
// the metrics of one mim.Service. It holds no state of its own besides its metrics.
type Server struct {
	svc   *mim.Service
	token [sha256.Size]byte // hashed, so that comparing it reveals nothing, not even its length
	api   bool              // a token is configured
	// pdSecret verifies PagerDuty's webhooks; "" turns the route off.
	pdSecret string
	html     *htmltemplate.Template
	log      *slog.Logger
	reg      *prometheus.Registry
	timeout  time.Duration
	http     *httpMetrics
	gauges   *storeGauges
}

// New returns a Server for cfg. It panics when cfg.Registry already holds a
// different metric under one of this package's names (a wiring mistake, as with
// prometheus.MustRegister).
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, api: cfg.Token != "", token: sha256.Sum256([]byte(cfg.Token)),
		pdSecret: cfg.PagerDutySecret, html: cfg.HTML, log: cfg.Log, reg: cfg.Registry, timeout: cfg.Timeout}
	if s.html == nil {
		s.html = templates.MustHTML()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	s.http = newHTTPMetrics(s.reg)
	s.gauges = newStoreGauges()
	return s
}

// Routes registers the contract's routes on mux, except /healthz and /readyz which
// the program serves itself.
func (s *Server) Routes(mux *http.ServeMux) {
	s.handle(mux, "GET /status", s.stakeholder(s.statusPage))
	s.handle(mux, "GET /status/{incident}", s.stakeholder(s.incidentPage))
	s.handle(mux, "GET /status/{rest...}", s.stakeholder(s.missingPage))
	s.handle(mux, "GET /reports", s.stakeholder(s.reportsPage))
	s.handle(mux, "GET /api/v1/report", s.authorized(s.apiReport))
	s.handle(mux, "GET /api/v1/incidents", s.authorized(s.listIncidents))
	s.handle(mux, "GET /api/v1/incidents/{id}", s.authorized(s.showIncident))
	s.handle(mux, "POST /api/v1/incidents", s.authorized(s.declareIncident))
	s.handle(mux, "POST /api/v1/alerts", s.authorized(s.receiveAlerts))
	s.handle(mux, "POST /webhooks/pagerduty", s.receivePagerDuty)
	s.handle(mux, "GET /metrics", s.metrics)
}

// handle registers h under pattern, bounded by the request timeout and counted in
// the HTTP metrics under the pattern (never the raw path, whose numbers would make
// one series per incident).
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r.WithContext(ctx))
		s.http.observe(pattern, sw.status(), time.Since(start))
	}))
}

// statusWriter remembers the status code a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

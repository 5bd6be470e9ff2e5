package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/bot/slack"
	"mimbot/internal/web"
)

// dashboard is the part of a Grafana dashboard this test reads.
type dashboard struct {
	Title  string `json:"title"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var metricName = regexp.MustCompile(`\bmimbot_[a-z0-9_]+`)

// TestDashboardUsesRegisteredMetrics reads deploy/grafana/mimbot.json and checks that
// every metric its queries name is one serve registers (a renamed metric would leave
// an empty panel), and that it shows every metric of the operations contract.
func TestDashboardUsesRegisteredMetrics(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/grafana/mimbot.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("deploy/grafana/mimbot.json is not JSON: %v", err)
	}
	registered := servedMetrics(t)
	used := map[string]bool{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			names := metricName.FindAllString(q.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q names no mimbot metric", p.Title, q.Expr)
			}
			for _, n := range names {
				base := n
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if b, ok := strings.CutSuffix(n, suffix); ok && registered[b] {
						base = b
					}
				}
				if !registered[base] {
					t.Errorf("panel %q: %s is not a metric mimbot serves", p.Title, n)
				}
				used[base] = true
			}
		}
	}
	for _, n := range []string{
		"mimbot_incidents_declared_total", "mimbot_declare_to_ready_seconds", "mimbot_page_ack_seconds",
		"mimbot_sla_events_total", "mimbot_escalations_total", "mimbot_reminders_total",
		"mimbot_timer_lateness_seconds", "mimbot_timers_due", "mimbot_outbox_pending",
		"mimbot_outbound_calls_total", "mimbot_outbound_retries_total", "mimbot_messages_given_up_total",
	} {
		if !registered[n] {
			t.Errorf("%s is not served", n)
		}
		if !used[n] {
			t.Errorf("no panel shows %s", n)
		}
	}
}

// servedMetrics wires the program as serve does, with Slack in service, and returns
// the names of its metrics: those its registry describes (a vector without series
// yet included) and those GET /metrics exposes (the gauges read from the store).
func servedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	e := newEnv(t)
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return e.vars[k] }, Clock: e.clock}
	a, err := m.wire(context.Background(), slack.Platform)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	mux := http.NewServeMux()
	web.New(web.Config{Service: a.service, Registry: a.reg}).Routes(mux)

	names := map[string]bool{}
	descs := make(chan *prometheus.Desc)
	go func() {
		a.reg.Describe(descs)
		close(descs)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if n, ok := strings.CutPrefix(l, "# TYPE "); ok {
			names[strings.Fields(n)[0]] = true
		}
	}
	if !names["mimbot_timers_due"] || !names["mimbot_outbox_pending"] {
		t.Fatalf("the store gauges are missing from what serve exposes: %v", names)
	}
	return names
}

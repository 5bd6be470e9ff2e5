package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/internal/web"
	"mimbot/mim"
)

func TestMetrics(t *testing.T) {
	f := newFixture(t, web.Config{Token: token, Registry: prometheus.NewRegistry()})
	f.declare("Payments down", mim.High, mim.High, "application")
	f.declare("Checkout slow", mim.Medium, mim.Low)
	f.declare("VPN drops", mim.Medium, mim.Medium)
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Resolve(f.ctx, 3, "hana", "ISP fixed the route"); err != nil {
		t.Fatal(err)
	}
	f.do(http.MethodGet, "/status", "", "")
	f.do(http.MethodGet, "/status/1", "", "")
	f.do(http.MethodGet, "/status/2", "", "")
	f.do(http.MethodGet, "/api/v1/incidents", "", "")

	got := f.do(http.MethodGet, "/metrics", "", "")
	if got.code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", got.code, got.body)
	}
	lines := strings.Split(got.body, "\n")
	tests := []struct {
		name string
		line string
	}{
		{"open major P0", `mimbot_open_incidents{major="true",priority="P0"} 1`},
		{"open minor P3", `mimbot_open_incidents{major="false",priority="P3"} 1`},
		{"resolved incidents are not open", `mimbot_open_incidents{major="false",priority="P2"} 0`},
		{"a priority without incidents is zero, not missing", `mimbot_open_incidents{major="true",priority="P1"} 0`},
		{"by state: the major one has an IM", `mimbot_open_incidents_by_state{state="investigating"} 1`},
		{"by state: the minor one waits", `mimbot_open_incidents_by_state{state="declared"} 1`},
		{"by state: zero, not missing", `mimbot_open_incidents_by_state{state="mitigated"} 0`},
		{"store readable", `mimbot_store_up 1`},
		{"undelivered messages by platform (no relay runs here)", `mimbot_outbox_pending{platform="shell"} 7`},
		{"timers due and unclaimed (no engine runs here): the similar-incident searches of the open #1 and #2, and the summary of the resolved #3 (resolving cancelled its search)", `mimbot_timers_due 3`},
		{"requests by route pattern, not path", `mimbot_http_requests_total{code="200",route="GET /status/{incident}"} 2`},
		{"requests by code", `mimbot_http_requests_total{code="401",route="GET /api/v1/incidents"} 1`},
		{"latency by route", `mimbot_http_request_duration_seconds_count{route="GET /status"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := false
			for _, l := range lines {
				found = found || l == tt.line
			}
			if !found {
				t.Errorf("no line %q in:\n%s", tt.line, grep(got.body, "mimbot_"))
			}
		})
	}
	for _, family := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if !strings.Contains(got.body, "\n"+family+" ") {
			t.Errorf("no %s: the Go and process collectors are missing", family)
		}
	}
}

// Two servers on one registry (a restart in tests, or a second mux) share the
// metrics rather than panic.
func TestMetricsSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := newFixture(t, web.Config{Registry: reg})
	newFixture(t, web.Config{Registry: reg})
	f.do(http.MethodGet, "/status", "", "")
	if got := f.do(http.MethodGet, "/metrics", "", ""); !strings.Contains(got.body, `mimbot_http_requests_total{code="200",route="GET /status"} 1`) {
		t.Errorf("GET /metrics:\n%s", grep(got.body, "mimbot_http_requests_total"))
	}
}

func grep(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

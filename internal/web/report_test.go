package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"mimbot/internal/web"
	"mimbot/mim"
)

// trendQuarter makes six weeks of incidents with the demo configuration, from Mon 2
// Mar 2026 10:00 GMT:
//
//	#1 P0 application+database, Mar 2: the IM's update at +3m (respond met), frank
//	   acks at +4m (OLA met), dave never does while it stays open for an hour (OLA
//	   10m missed), resolved at +1h (resolve met).
//	#2 P2 network, Mar 22: nobody takes it; resolved by the head at +2h (respond
//	   missed: 1h; resolve met: 24h).
//	#3 P1 application, Apr 11: the IM's first update at +20m (respond missed: 15m);
//	   still open a day later (resolve missed: 8h), dave's page never acked (missed).
//
// MTTA (3m+20m)/2 = 11m30s; MTTR (1h+2h)/2 = 1h30m; respond 1/3; resolve 2/3; pages
// 1/3.
//
// The report is read on Sun 12 Apr 2026, 12:20 BST.
func trendQuarter(t *testing.T, cfg web.Config) *fixture {
	t.Helper()
	f := newFixture(t, cfg)
	ctx := f.ctx
	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	im := f.declare("Payments down", mim.High, mim.High, "application", "database").IM
	f.clock.Advance(3 * time.Minute)
	_, err := f.svc.Update(ctx, 1, im, "Card payments failing; failing over")
	step(err)
	f.clock.Advance(time.Minute)
	_, err = f.svc.Ack(ctx, 1, "frank")
	step(err)
	f.clock.Advance(56 * time.Minute)
	_, err = f.svc.Resolve(ctx, 1, im, "Pool size raised")
	step(err)
	f.clock.Advance(20 * 24 * time.Hour)
	f.declare("VPN drops for remote staff", mim.Medium, mim.Medium, "network")
	f.clock.Advance(2 * time.Hour)
	_, err = f.svc.Resolve(ctx, 2, "hana", "The ISP fixed the route")
	step(err)
	f.clock.Advance(20*24*time.Hour - 2*time.Hour)
	im = f.declare("Checkout slow", mim.High, mim.Medium, "application").IM
	f.clock.Advance(20 * time.Minute)
	_, err = f.svc.Update(ctx, 3, im, "Investigating the basket service")
	step(err)
	f.clock.Advance(24 * time.Hour)
	return f
}

func TestReportsPage(t *testing.T) {
	f := trendQuarter(t, web.Config{})
	got := f.do("GET", "/reports?since=2160h", "", "")
	if got.code != http.StatusOK {
		t.Fatalf("GET /reports: %d %s", got.code, got.body)
	}
	golden(t, "reports.html", got.body)
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(got.body, -1)
	if len(svgs) != 4 {
		t.Fatalf("%d charts, want 4 (incidents, MTTA/MTTR, compliance, load)", len(svgs))
	}
	for i, name := range []string{"chart-incidents.svg", "chart-means.svg", "chart-compliance.svg", "chart-load.svg"} {
		golden(t, name, svgs[i]+"\n")
	}
	for _, want := range []string{
		// Accessible: each chart is an image with a title and a description.
		`role="img" aria-labelledby="chart-incidents-title chart-incidents-desc"`,
		`<title id="chart-means-title">MTTA and MTTR per month</title>`,
		// The figures computed by hand in trendQuarter: respond 1 of 3, resolve 2 of 3.
		`<th scope="row">All incidents</th><td class="n">3</td><td class="n">2</td>`,
		`<td class="n">33.3%</td><td class="n">66.7%</td>`,
		`<a href="/reports?since=2160h" aria-current="page">90 days</a>`,
	} {
		if !strings.Contains(got.body, want) {
			t.Errorf("GET /reports lacks %q", want)
		}
	}
	for _, key := range []string{">alice<", ">carol<", ">hana<"} {
		if strings.Contains(got.body, key) {
			t.Errorf("GET /reports shows the person key %s: stakeholders read display names", key)
		}
	}
	for _, svg := range svgs {
		checkInside(t, svg)
	}
}

// checkInside fails when a text of the chart starts outside its view box: a label
// the SVG's edge would clip.
func checkInside(t *testing.T, svg string) {
	t.Helper()
	box := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	var w, h float64
	if _, err := fmt.Sscan(box[1], &w); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscan(box[2], &h); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`<text x="([\d.]+)" y="([\d.]+)"`).FindAllStringSubmatch(svg, -1) {
		var x, y float64
		fmt.Sscan(m[1], &x)
		fmt.Sscan(m[2], &y)
		if x < 0 || x > w || y < 12 || y > h {
			t.Errorf("a label at (%g, %g) is outside the %gx%g chart", x, y, w, h)
		}
	}
}

func TestReportsPageBadPeriod(t *testing.T) {
	f := newFixture(t, web.Config{})
	got := f.do("GET", "/reports?since=forever", "", "")
	if got.code != http.StatusBadRequest || !strings.Contains(got.body, "since=forever is not a period") {
		t.Errorf("GET /reports?since=forever: %d %s; want 400 naming since", got.code, got.body)
	}
}

func TestReportAPI(t *testing.T) {
	const token = "s3cret"
	f := trendQuarter(t, web.Config{Token: token})
	bearer := "Bearer " + token
	tests := []struct {
		name, path, auth string
		code             int
		error            string
	}{
		{name: "no token", path: "/api/v1/report", code: http.StatusUnauthorized, error: "Bearer"},
		{name: "bad since", path: "/api/v1/report?since=30d", auth: bearer, code: http.StatusBadRequest, error: "since=30d"},
		{name: "negative since", path: "/api/v1/report?since=-1h", auth: bearer, code: http.StatusBadRequest, error: "since=-1h"},
		{name: "report", path: "/api/v1/report?since=2160h", auth: bearer, code: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.do("GET", tt.path, tt.auth, "")
			if got.code != tt.code {
				t.Fatalf("%s: %d %s, want %d", tt.path, got.code, got.body, tt.code)
			}
			if tt.error != "" {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(got.body), &e); err != nil || !strings.Contains(e.Error, tt.error) {
					t.Errorf("error %q (%v), want it to name %q", e.Error, err, tt.error)
				}
				return
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(got.body), &keys); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"since", "until", "total", "by_priority", "by_tower", "by_month", "incident_managers", "recurring", "open_problems", "overdue_rcas", "overdue_actions"} {
				if _, ok := keys[k]; !ok {
					t.Errorf("the report has no key %q", k)
				}
			}
			var rep mim.TrendReport
			if err := json.Unmarshal([]byte(got.body), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Total.Incidents != 3 || *rep.Total.RespondSLAMet != 1.0/3 || *rep.Total.ResolveSLAMet != 2.0/3 || *rep.Total.PagesAckedInOLA != 1.0/3 || *rep.Total.MTTASeconds != 690 || *rep.Total.MTTRSeconds != 5400 {
				t.Errorf("total = %s, want 3 incidents, MTTA 690 s, MTTR 5400 s, respond 1/3, resolve 2/3, pages 1/3 (trendQuarter)", mustJSON(rep.Total))
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

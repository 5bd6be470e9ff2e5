package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimbot/internal/web"
	"mimbot/mim"
	"mimbot/templates"
)

// stakeholderDay sets up what stakeholders see twenty minutes after t0: #1 (P2, VPN)
// resolved, #2 (P0, payments) major with two updates, #3 (P3, owned by Sam) whose
// title tries to run a script.
func stakeholderDay(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, web.Config{})
	ctx := f.ctx
	f.declare("VPN drops for remote staff", mim.Medium, mim.Medium, "network")
	f.clock.Advance(3 * time.Minute)
	if _, err := f.svc.Resolve(ctx, 1, "hana", "The ISP fixed the route"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	im := f.declare("Payments down", mim.High, mim.High, "application", "database").IM
	if im == "" {
		t.Fatal("the P0 got no incident manager")
	}
	f.clock.Advance(5 * time.Minute)
	if _, err := f.svc.Update(ctx, 2, im, "Card payments failing; investigating the gateway"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	f.declare(`<script>alert("owned")</script> Checkout & basket slow`, mim.Medium, mim.Low)
	if _, err := f.svc.Take(ctx, 3, "sam"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(6 * time.Minute)
	if _, err := f.svc.Workaround(ctx, 2, im, "Traffic failed over to the secondary provider"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Update(ctx, 2, im, "Payments recovering on the secondary provider"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	return f
}

func TestPages(t *testing.T) {
	f := stakeholderDay(t)
	cfg := f.svc.Config
	tests := []struct {
		name   string
		path   string
		code   int
		want   []string // in this order
		not    []string
		noKeys bool // no person key may show: stakeholders read display names
		golden string
		empty  bool // on a service with no incident at all
	}{
		{
			name: "status lists the major incident first, with its last update and next due",
			path: "/status", code: http.StatusOK, noKeys: true, golden: "status.html",
			want: []string{
				`<a href="/status?refresh=on">Refresh every minute</a>`,
				`<a href="/status/2">#2 Payments down</a>`, "Major incident", "mitigated", "Impact: high · Urgency: high",
				"<dt>Incident manager</dt><dd>Carol Diaz</dd>",
				"Last update", "Mon 2 Mar 10:18 GMT (2m ago)", "Payments recovering on the secondary provider",
				"Next update due", "Mon 2 Mar 10:33 GMT (in 13m)",
				`#3 &lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; Checkout &amp; basket slow`, "P3", "Impact: medium · Urgency: low",
				"<dt>Owner</dt><dd>Sam Rivera</dd>", "none yet", "no scheduled updates",
				"Ended in the last 24 hours", "#1 VPN drops for remote staff", "resolved", "Mon 2 Mar 10:03 GMT",
			},
			not: []string{"<script>", "Card payments failing", `http-equiv="refresh"`, "being assigned", "high impact"},
		},
		{
			name: "refresh=on reloads the page, keeps the choice in its links, and offers to stop",
			path: "/status?refresh=on", code: http.StatusOK,
			want: []string{
				`<meta http-equiv="refresh" content="60">`, `refreshes every minute · <a href="/status">Stop refreshing</a>`,
				`<a href="/status/2?refresh=on">#2 Payments down</a>`,
			},
		},
		{
			name: "status without incidents says so",
			path: "/status", code: http.StatusOK, empty: true,
			want: []string{"<title>No active incidents · Service status</title>", `<p class="none">No active incidents.</p>`, "<p>None.</p>"},
		},
		{
			name: "incident page shows every update newest first, the workaround and the chart",
			path: "/status/2", code: http.StatusOK, noKeys: true, golden: "incident.html",
			want: []string{
				`<a href="/status/2?refresh=on">Refresh every minute</a>`,
				"<h1>#2 Payments down</h1>", "Next update due",
				"Workaround", "Traffic failed over to the secondary provider",
				`<li class="done">Declared <span class="at">10:05</span></li>`, `<li class="skipped">Identified <span class="at">skipped</span></li>`,
				`<li class="current" aria-current="step">Mitigated <span class="at">since 10:18</span></li>`, `<li class="next">Resolved <span class="at">not yet</span></li>`,
				`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg"`, "Workaround in place", "</svg>",
				"Status updates", "Payments recovering on the secondary provider", "Card payments failing; investigating the gateway",
			},
			not: []string{"Paged ", "acknowledge within", `http-equiv="refresh"`, "page_acked", "overflow-x"},
		},
		{
			name: "a resolved incident shows its resolution and does not refresh",
			path: "/status/1?refresh=on", code: http.StatusOK, noKeys: true,
			want: []string{"<h1>#1 VPN drops for remote staff</h1>", "Ended", "Mon 2 Mar 10:03 GMT (resolved)", "Resolution", "The ISP fixed the route",
				`<li class="current" aria-current="step">Resolved <span class="at">since 10:03</span></li>`, "No status update yet."},
			not: []string{`http-equiv="refresh"`, "Refresh every minute", "Stop refreshing"},
		},
		{
			name: "incident page escapes the title, in the page and in the chart",
			path: "/status/3", code: http.StatusOK,
			want: []string{"<h1>#3 &lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; Checkout &amp; basket slow</h1>", "<svg"},
			not:  []string{"<script>"},
		},
		{
			name: "unknown incident",
			path: "/status/99", code: http.StatusNotFound,
			want: []string{"<h1>Not found</h1>", "There is no incident #99.", `<a href="/status">`},
		},
		{
			name: "not a number",
			path: "/status/abc", code: http.StatusNotFound,
			want: []string{"<h1>Not found</h1>", "&#34;abc&#34; is not an incident number"},
		},
		{
			name: "the status folder itself is a page in the site's layout",
			path: "/status/", code: http.StatusNotFound,
			want: []string{"<title>Not found · Service status</title>", `<header class="top">`, "<h1>Not found</h1>", "There is no page at this address", `<a href="/status">See all incidents</a>`},
		},
		{
			name: "more after the number",
			path: "/status/2/updates", code: http.StatusNotFound,
			want: []string{"<h1>Not found</h1>", "There is no page at this address"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := f
			if tt.empty {
				g = newFixture(t, web.Config{})
			}
			got := g.do(http.MethodGet, tt.path, "", "")
			if got.code != tt.code {
				t.Fatalf("GET %s = %d, want %d:\n%s", tt.path, got.code, tt.code, got.body)
			}
			if ct := got.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			contains(t, got.body, tt.want...)
			for _, s := range tt.not {
				if strings.Contains(got.body, s) {
					t.Errorf("the page shows %q:\n%s", s, got.body)
				}
			}
			if tt.noKeys {
				if keys := personKeys(cfg, got.body); len(keys) > 0 {
					t.Errorf("the page names people by key %v:\n%s", keys, got.body)
				}
			}
			if tt.golden != "" {
				golden(t, tt.golden, got.body)
			}
		})
	}
}

// An operator's own status.html.tmpl replaces the embedded one, and the chat
// templates are untouched by the pages sharing their directory.
func TestOperatorPages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "status.html.tmpl"), []byte(`<p>Acme status at {{.Now}}: {{len .Active}} active</p>`), 0o644); err != nil {
		t.Fatal(err)
	}
	html, err := templates.LoadHTML(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, web.Config{HTML: html})
	f.declare("Payments down", mim.High, mim.High)
	got := f.do(http.MethodGet, "/status", "", "")
	if got.code != http.StatusOK || got.body != "<p>Acme status at Mon 2 Mar 10:00 GMT: 1 active</p>" {
		t.Errorf("GET /status = %d %q, want the operator's page", got.code, got.body)
	}
	if page := f.do(http.MethodGet, "/status/1", "", ""); !strings.Contains(page.body, "<h1>#1 Payments down</h1>") {
		t.Errorf("the embedded incident page should stay when only status.html.tmpl is overridden:\n%s", page.body)
	}
	text, err := templates.Load(dir)
	if err != nil {
		t.Fatalf("chat templates with pages in the same directory: %v", err)
	}
	if text.Lookup("status.html.tmpl") != nil || text.Lookup("stakeholder.tmpl") == nil {
		t.Errorf("chat templates: %s", text.DefinedTemplates())
	}
}

// A late update is what stakeholders most need to see: the page says by how much, in
// the unit that shows it (25 seconds late is not "0m").
func TestStatusNextDue(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration // a P0 owes an update every 15m
		want  string
	}{
		{"four minutes ahead", 11 * time.Minute, `<span>Mon 2 Mar 10:15 GMT (in 4m)</span>`},
		{"forty seconds ahead", 14*time.Minute + 20*time.Second, `<span>Mon 2 Mar 10:15 GMT (in 40s)</span>`},
		{"due this second", 15 * time.Minute, `<span>Mon 2 Mar 10:15 GMT (due now)</span>`},
		{"twenty-five seconds late", 15*time.Minute + 25*time.Second, `<span class="overdue">Mon 2 Mar 10:15 GMT (overdue by 25s)</span>`},
		{"five minutes late", 20 * time.Minute, `<span class="overdue">Mon 2 Mar 10:15 GMT (overdue by 5m)</span>`},
		{"hours late", 2*time.Hour + 5*time.Minute, `<span class="overdue">Mon 2 Mar 10:15 GMT (overdue by 1h50m)</span>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, web.Config{})
			f.declare("Payments down", mim.High, mim.High)
			f.clock.Advance(tt.after)
			got := f.do(http.MethodGet, "/status", "", "")
			contains(t, got.body, "Next update due", tt.want)
			if strings.Contains(got.body, " 0m)") {
				t.Errorf("the page says 0m:\n%s", got.body)
			}
		})
	}
}

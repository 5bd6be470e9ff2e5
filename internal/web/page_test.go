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
// resolved, #2 (P0, payments) major with two updates, #3 (P3) whose title tries to
// run a script.
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
				`<meta http-equiv="refresh" content="60">`,
				`<a href="/status/2">#2 Payments down</a>`, "Major incident", "mitigated",
				"Last update", "Mon 2 Mar 10:18 GMT (2m ago)", "Payments recovering on the secondary provider",
				"Next update due", "Mon 2 Mar 10:33 GMT (in 13m)",
				`#3 &lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; Checkout &amp; basket slow`, "P3", "none yet",
				"no scheduled updates",
				"Ended in the last 24 hours", "#1 VPN drops for remote staff", "resolved", "Mon 2 Mar 10:03 GMT",
			},
			not: []string{"<script>", "Card payments failing"},
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
				"<h1>#2 Payments down</h1>", "Next update due",
				"Workaround", "Traffic failed over to the secondary provider",
				"Status updates", "Payments recovering on the secondary provider", "Card payments failing; investigating the gateway",
				`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg"`, "</svg>",
			},
			not: []string{"Paged ", "acknowledge within"},
		},
		{
			name: "a resolved incident shows its resolution and does not refresh",
			path: "/status/1", code: http.StatusOK, noKeys: true,
			want: []string{"<h1>#1 VPN drops for remote staff</h1>", "Ended", "Mon 2 Mar 10:03 GMT (resolved)", "Resolution", "The ISP fixed the route", "No status update yet."},
			not:  []string{`http-equiv="refresh"`},
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

// A late update is what stakeholders most need to see: the page says it is overdue.
func TestStatusOverdue(t *testing.T) {
	f := newFixture(t, web.Config{})
	f.declare("Payments down", mim.High, mim.High)
	f.clock.Advance(20 * time.Minute) // a P0 owes an update every 15m
	got := f.do(http.MethodGet, "/status", "", "")
	contains(t, got.body, "Next update due", `<span class="overdue">Mon 2 Mar 10:15 GMT (overdue by 5m)</span>`)
}

package web_test

import (
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mimbot/internal/web"
	"mimbot/mim"
)

// What people type reaches stakeholders with names in place of platform mentions,
// ids and addresses.
func TestUpdateTextShowsNames(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"a Slack mention", "<@U01ALICE> is on the database", "Alice Ng is on the database"},
		{"a Slack mention with a label", "<@U01BOB|bob> restarted it", "Bob Okafor restarted it"},
		{"a Discord mention", "<@100000000000000003> and <@!100000000000000004> joined", "Carol Diaz and Hana Sato joined"},
		{"a mention token", "<@dave> paged", "Dave Kowalski paged"},
		{"someone unknown", "<@U09NOBODY> called", "someone called"},
		{"a known address", "mail erin@example.com for access", "mail Erin Walsh for access"},
		{"an outside address", "the vendor (ops@vendor.example.net) confirmed", "the vendor (an e-mail address) confirmed"},
		{"a bare id of a known person", "assigned to U01FRANK and 100000000000000008", "assigned to Frank Mueller and Grace Obi"},
		{"channels and broadcasts", "see <#C01OPS|ops-bridge>, <!here>", "see #ops-bridge, @here"},
		{"plain text is left alone", "Error rate at 12% since 10:05", "Error rate at 12% since 10:05"},
	}
	f := newFixture(t, web.Config{})
	inc := f.declare("Payments down", mim.High, mim.High)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(time.Second)
			if _, err := f.svc.Update(f.ctx, inc.Number, inc.IM, tt.text); err != nil {
				t.Fatal(err)
			}
			got := f.do(http.MethodGet, "/status", "", "")
			want := "Carol Diaz: " + htmlEscape(tt.want) + "</dd>"
			if !strings.Contains(got.body, want) {
				t.Errorf("update %d: missing %q in:\n%s", i, want, got.body)
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// Every priority has a colour of its own, and its badge text passes WCAG AA (4.5:1),
// computed from the page's CSS.
func TestBadgeContrast(t *testing.T) {
	f := newFixture(t, web.Config{})
	page := f.do(http.MethodGet, "/status", "", "").body
	rule := regexp.MustCompile(`\.badge\.(p[0-4]) \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}`)
	seen := map[string]string{} // background -> priority
	for _, m := range rule.FindAllStringSubmatch(page, -1) {
		p, bg, fg := m[1], m[2], m[3]
		if r := contrast(t, bg, fg); r < 4.5 {
			t.Errorf("%s badge: %s on %s has contrast %.2f:1, want at least 4.5:1", p, fg, bg, r)
		}
		if other, ok := seen[bg]; ok {
			t.Errorf("%s and %s share the colour %s", other, p, bg)
		}
		seen[bg] = p
	}
	if len(seen) != 5 {
		t.Errorf("colours for %d priorities, want P0..P4: %v", len(seen), seen)
	}
	// The other text that carries meaning: the plain badge, overdue, the time stamps.
	for _, c := range []struct{ what, fg, bg string }{
		{"plain badge", "#1f1f1f", "#e8e8e8"}, {"overdue", "#b00020", "#ffffff"}, {"time stamps", "#555555", "#ffffff"}, {"links", "#0b57d0", "#ffffff"},
	} {
		if !strings.Contains(page, c.fg[:4]) {
			t.Errorf("the page no longer uses %s for %s: update this test", c.fg, c.what)
		}
		if r := contrast(t, c.bg, c.fg); r < 4.5 {
			t.Errorf("%s: contrast %.2f:1", c.what, r)
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := luminance(t, a), luminance(t, b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	var ch [3]float64
	for i := range ch {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			ch[i] = c / 12.92
		} else {
			ch[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*ch[0] + 0.7152*ch[1] + 0.0722*ch[2]
}

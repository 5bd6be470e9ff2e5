package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mimbot/internal/web"
	"mimbot/mim"
)

// The pages as a stakeholder's browser shows them, at a desktop's size and a phone's:
// what they must see is visible text, nothing overflows sideways, and no platform id
// or e-mail address shows. The screenshots are kept for a person to look at.
func TestBrowser(t *testing.T) {
	browser := chromium(t)
	f, want := browserDay(t)
	srv := httptest.NewServer(f.mux)
	t.Cleanup(srv.Close)
	dir := artifacts(t)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(browser),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true), chromedp.Flag("force-color-profile", "srgb"))
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline of its own
		t.Fatalf("start %s: %v", browser, err)
	}

	sizes := []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}}
	pages := []struct {
		name, path string
		want       []string // visible text
	}{
		{"status", "/status", want.status},
		{"incident-1", "/status/1", want.incidents[0]},
		{"incident-2", "/status/2", want.incidents[1]},
		{"incident-3", "/status/3", want.incidents[2]},
	}
	forbidden := []*regexp.Regexp{
		regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), // an e-mail address
		regexp.MustCompile(`\bU0[0-9A-Z]{4,}\b`),                             // a Slack user id
		regexp.MustCompile(`\b[0-9]{17,20}\b`),                               // a Discord snowflake
		regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`),                             // an internal name (page_acked)
	}
	for _, size := range sizes {
		for _, p := range pages {
			t.Run(p.name+"-"+size.name, func(t *testing.T) {
				step, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := chromedp.Do(step, chromedp.EmulateViewport(size.width, size.height), chromedp.Navigate(srv.URL+p.path)); err != nil {
					t.Fatalf("open %s: %v", p.path, err)
				}
				text, err := chromedp.Run(step, chromedp.Evaluate[string](`document.body.innerText`))
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range p.want {
					if !strings.Contains(text, w) {
						t.Errorf("%q is not visible on %s at %dpx:\n%s", w, p.path, size.width, text)
					}
				}
				for _, re := range forbidden {
					if m := re.FindString(text); m != "" {
						t.Errorf("the page shows %q (%s):\n%s", m, re, text)
					}
				}
				widths, err := chromedp.Run(step, chromedp.Evaluate[[2]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
				if err != nil {
					t.Fatal(err)
				}
				if widths[0] > widths[1] {
					t.Errorf("the page is %dpx wide in a %dpx window: it scrolls sideways", widths[0], widths[1])
				}
				// What a keyboard reaches: every scrolling box must be focusable, and
				// no box may scroll (the page itself is checked above).
				boxes, err := chromedp.Run(step, chromedp.Evaluate[[]string](`[...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1 && ['auto','scroll'].includes(getComputedStyle(e).overflowX)).map(e => e.tagName + '.' + e.className)`))
				if err != nil {
					t.Fatal(err)
				}
				if len(boxes) > 0 {
					t.Errorf("boxes scroll sideways, which a keyboard cannot reach: %v", boxes)
				}
				png, err := chromedp.Run(step, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, p.name+"-"+size.name+".png")
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", path)
			})
		}
	}

	// A page that is not public: the link with the token lets the browser in and
	// leaves the address without it; the cookie keeps it in.
	t.Run("token", func(t *testing.T) {
		const token = "b7e1c04f9a2d6e83"
		f.svc.Config.Status = mim.StatusAccess{Token: token}
		defer func() { f.svc.Config.Status = mim.StatusAccess{Public: true} }()
		step, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(step, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/status/2?token="+token)); err != nil {
			t.Fatal(err)
		}
		where, err := chromedp.Run(step, chromedp.Evaluate[string](`location.pathname + location.search`))
		if err != nil {
			t.Fatal(err)
		}
		if where != "/status/2" {
			t.Errorf("after the link the address is %q, want /status/2", where)
		}
		if err := chromedp.Do(step, chromedp.Navigate(srv.URL+"/status")); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(step, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want.incidents[0][0]) {
			t.Errorf("with the cookie, /status does not show the incidents:\n%s", text)
		}
	})
}

// chromium is the browser to drive: skipped when it is missing, unless
// MIMBOT_TEST_BROWSER=1 says that this run must have it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("MIMBOT_TEST_BROWSER") == "1" {
		t.Fatal("chromium is not installed and MIMBOT_TEST_BROWSER=1 asks for the browser test (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: the browser test is skipped (apt-get install -y chromium, or MIMBOT_TEST_BROWSER=1 to fail instead)")
	return ""
}

// artifacts is where the screenshots go: $MIMBOT_ARTIFACTS, else a directory that
// lives as long as the test.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MIMBOT_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserWant is the text each page must show.
type browserWant struct {
	status    []string
	incidents [3][]string
}

// browserDay sets up three incidents twenty-odd minutes after t0: #1 a P0 major
// managed by Carol with two updates (one naming people by platform mention and
// address), #2 a P1 major no incident manager was free for, #3 a P3 owned by Sam.
func browserDay(t *testing.T) (*fixture, browserWant) {
	t.Helper()
	f := newFixture(t, web.Config{})
	f.svc.Config.Rotation.Members = []string{"carol"} // one IM, who may hold one major incident
	ctx := f.ctx
	p0 := f.declare("Card payments failing at checkout", mim.High, mim.High, "application", "database")
	if p0.IM != "carol" {
		t.Fatalf("the P0's incident manager is %q, want carol", p0.IM)
	}
	f.clock.Advance(4 * time.Minute)
	if _, err := f.svc.Update(ctx, 1, "carol", "Gateway errors since 10:00; <@U01DAVE> and <@100000000000000006> are on it, the vendor is at support@payments.example.net"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Minute)
	p1 := f.declare("Login slow for customers in Europe", mim.High, mim.Medium, "network")
	if p1.IM != "" || !p1.Major {
		t.Fatalf("the P1: major %v, IM %q; want major with no IM", p1.Major, p1.IM)
	}
	f.clock.Advance(2 * time.Minute)
	f.declare("Printer queue stuck on floor 3", mim.Medium, mim.Low)
	if _, err := f.svc.Take(ctx, 3, "sam"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(6 * time.Minute)
	if _, err := f.svc.Workaround(ctx, 1, "carol", "Traffic moved to the secondary provider"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Update(ctx, 1, "carol", "Payments recovering on the secondary provider; erin@example.com watches the error rate"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(7*time.Minute + 25*time.Second)
	due := func(n int) string {
		return f.incident(n).NextUpdateDue.In(f.svc.Config.Location).Format("Mon 2 Jan 15:04 MST")
	}
	p0Due, p1Due := due(1), due(2)
	last := "Payments recovering on the secondary provider; Erin Walsh watches the error rate"
	return f, browserWant{
		status: []string{
			"#1 Card payments failing at checkout", "P0", "mitigated", "Carol Diaz", last, p0Due,
			"#2 Login slow for customers in Europe", "P1", "declared", "being assigned", p1Due,
			"#3 Printer queue stuck on floor 3", "P3", "Owner", "Sam Rivera",
		},
		incidents: [3][]string{
			{"#1 Card payments failing at checkout", "P0", "mitigated", "Carol Diaz", last, p0Due,
				"Dave Kowalski and Erin Walsh are on it, the vendor is at an e-mail address"},
			{"#2 Login slow for customers in Europe", "P1", "declared", "Incident manager", "being assigned", p1Due, "No status update yet."},
			{"#3 Printer queue stuck on floor 3", "P3", "Owner", "Sam Rivera", "Impact: medium · Urgency: low"},
		},
	}
}

package chaos

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mimbot/mim"
)

// cadence is the update cadence of major incidents in the outage scenario: the
// reminder comes a sixth of it before the update is due.
const cadence = 6 * time.Second

// TestDatabaseOutage takes PostgreSQL away from a running process (a proxy cuts
// every connection and refuses new ones) while reminders fall due, then brings it
// back: commands meanwhile get the try-again answer, /readyz says 503, nothing
// acknowledged before is lost, and each reminder fires once, keyed by the update it
// is for.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary on the wall clock; skipped with -short")
	}
	t.Parallel()
	const incidents, down = 2, 8 * time.Second
	w := newWorld(t, onPostgres, func(y string) string {
		return strings.NewReplacer("update_every: 15m", "update_every: "+cadence.String(), "update_every: 30m", "update_every: "+cadence.String()).Replace(y)
	})
	cfg, err := pgx.ParseConfig(w.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	px := newProxy(t, target)
	p := w.start(serveOptions{slack: true, dbURL: strings.Replace(w.dbURL, target, px.ln.Addr().String(), 1), lease: shortLease})
	ctx := context.Background()
	for i := range incidents {
		if ok, err := w.say(ctx, p, slackPlatform, "sam", "", declareText(fmt.Sprintf("Outage db%02d", i))); !ok {
			t.Fatalf("declare: not acknowledged (%v)", err)
		}
	}
	w.eventually(20*time.Second, "the war rooms", func() bool {
		incs := w.incidents()
		for _, inc := range incs {
			if r, ok := inc.Room(slackPlatform); !ok || !r.Ready {
				return false
			}
		}
		return len(incs) == incidents
	})
	before := w.incidents()

	px.setDown(true)
	wentDown := time.Now()
	answers := len(w.slack.ResponseURLPosts())
	commands, acked := 0, 0
	for _, inc := range before {
		for _, text := range []string{fmt.Sprintf("update During the outage incident=%d", inc.Number), fmt.Sprintf("status incident=%d", inc.Number)} {
			commands++
			if ok, _ := w.say(ctx, p, slackPlatform, inc.IM, "", text); ok {
				acked++
			}
		}
	}
	commands++
	if ok, _ := w.say(ctx, p, slackPlatform, "sam", "", declareText("Declared during the outage")); ok {
		acked++
	}
	readyz := 0
	if resp, err := http.Get(p.url + "/readyz"); err == nil {
		readyz = resp.StatusCode
		resp.Body.Close()
	}
	tryAgain := 0
	deadline := time.Now().Add(down - time.Since(wentDown))
	for time.Now().Before(deadline) {
		tryAgain = 0
		for _, a := range w.slack.ResponseURLPosts()[answers:] {
			if strings.Contains(a.Text, "try again") {
				tryAgain++
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	px.setDown(false)
	cameBack := time.Now()

	// Two cadences after the database is back, every reminder that fell due has fired.
	w.eventually(2*cadence+shortLease, "a reminder after the outage on every incident", func() bool {
		for _, inc := range w.incidents() {
			if inc.Title == "Declared during the outage" {
				continue
			}
			n := 0
			for _, e := range inc.Timeline {
				if e.Kind == mim.KindReminder && e.At.After(cameBack) {
					n++
				}
			}
			if n == 0 {
				return false
			}
		}
		return true
	})
	settled := w.settle(30 * time.Second)

	after := map[int]*mim.Incident{}
	for _, inc := range w.incidents() {
		after[inc.Number] = inc
	}
	lost := 0
	for _, inc := range before {
		if after[inc.Number] == nil {
			lost++
		}
	}
	reminders, dupReminders := 0, 0
	for _, inc := range after {
		seen := map[string]int{}
		for _, e := range inc.Timeline {
			if e.Kind != mim.KindReminder {
				continue
			}
			reminders++
			key := reminderFor(e.Text)
			if seen[key]++; seen[key] > 1 {
				dupReminders++
				t.Errorf("#%d: a second reminder for the update due %s: %q", inc.Number, key, e.Text)
			}
		}
	}
	if lost > 0 {
		t.Errorf("LOSS: %d incidents acknowledged before the outage are gone", lost)
	}
	if tryAgain < commands {
		t.Errorf("%d of the %d commands typed during the outage got the try-again answer", tryAgain, commands)
	}
	if readyz != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", readyz)
	}
	if !settled {
		t.Errorf("the outbox still had messages to send 30 s after the outage")
	}
	failed, gaveUp := w.failures(), w.givingUp()
	if len(failed) > 0 || len(gaveUp) > 0 {
		t.Errorf("given up: %v; log:\n%s", failed, strings.Join(gaveUp, "\n"))
	}
	figure(t, "chaos: outage %s down_for=%s commands_during=%d acked_during=%d try_again=%d readyz_during=%d lost=%d reminders=%d duplicate_reminders=%d given_up=%d",
		onPostgres, down, commands, acked, tryAgain, readyz, lost, reminders, dupReminders, len(failed))
	if t.Failed() {
		t.Logf("logs: %s", w.dumpLogs())
	}
	p.stop(t)
}

var dueRE = regexp.MustCompile(`\(by ([^)]*)\)`)

// reminderFor is the due time of the update a reminder is about, from its timeline
// text ("Reminded carol: status update due in 1s (by 10:15:00 GMT)").
func reminderFor(text string) string {
	if m := dueRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return text
}

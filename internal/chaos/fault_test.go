package chaos

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
	"mimbot/bot/slack/slackfake"
	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/mim"
)

// bothPlatforms makes every major incident open a war room and post on Slack and on
// Discord, whichever platform it was declared on.
func bothPlatforms(yaml string) string {
	return strings.Replace(yaml, "war_room_platforms: []", "war_room_platforms: [slack, discord]", 1)
}

// TestFaultyPlatforms runs incidents while the fakes answer 20% of calls 429 with
// Retry-After, 5% 5xx, reset 2% of connections and hold 5% of answers back by a
// second: every message arrives, once, in order per channel (those still waiting when
// the faults end within the relay's longest backoff); no call comes before its
// Retry-After; nothing is given up.
func TestFaultyPlatforms(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		const incidents, updates = 4, 3
		sd := seed(t)
		t.Logf("seed %d", sd)
		w := newWorld(t, d, bothPlatforms)
		p := w.start(serveOptions{slack: true, discord: true})
		w.slack.SetChaos(slackfake.Chaos{Seed: sd, RateLimited: 0.20, ServerError: 0.05, Reset: 0.02, Spike: 0.05})
		w.discord.SetChaos(discordfake.Chaos{Seed: sd + 1, RateLimited: 0.20, ServerError: 0.05, Reset: 0.02, Spike: 0.05})
		w.pd.SetChaos(pagerdutyfake.Chaos{Seed: sd + 2, RateLimited: 0.20, ServerError: 0.05, Reset: 0.02, Spike: 0.05})
		ctx := context.Background()

		titles := make([]string, incidents)
		for i := range incidents {
			platform := []string{slackPlatform, discordPlatform}[i%2]
			titles[i] = fmt.Sprintf("Faulty %c%02d", platform[0], i)
			if ok, err := w.say(ctx, p, platform, "sam", "", declareText(titles[i])); !ok {
				t.Fatalf("declare %s: not acknowledged (%v)", titles[i], err)
			}
		}
		incs := map[string]*mim.Incident{}
		eventually(t, 30*time.Second, "every incident declared", func() bool {
			for _, inc := range w.incidents() {
				incs[inc.Title] = inc
			}
			return len(incs) == incidents
		})
		// Each IM posts its updates one after the other; the next goes once the last
		// is on the timeline, so that the order decided is the order typed.
		for k := 1; k <= updates; k++ {
			for _, title := range titles {
				inc := incs[title]
				text := fmt.Sprintf("update Step %d for %s incident=%d", k, title, inc.Number)
				if ok, err := w.say(ctx, p, slackPlatform, inc.IM, "", text); !ok {
					t.Fatalf("%s: not acknowledged (%v)", text, err)
				}
			}
			w.eventually(30*time.Second, fmt.Sprintf("update %d on every timeline", k), func() bool {
				for _, inc := range w.incidents() {
					if len(stepsOf(timelineUpdates(inc))) < k {
						return false
					}
				}
				return true
			})
		}
		// The faults end with the incidents' work. A message that met several in a row
		// waits its backoff, doubling each time, so it is tried again at most
		// mim.MaxBackoff after its last fault and must then go through.
		w.slack.SetChaos(slackfake.Chaos{})
		w.discord.SetChaos(discordfake.Chaos{})
		w.pd.SetChaos(pagerdutyfake.Chaos{})
		if limit := mim.MaxBackoff + 30*time.Second; !w.settle(limit) {
			t.Errorf("the outbox still had %d messages to send %s after the faults ended", w.count(`SELECT count(*) FROM outbox WHERE done_at IS NULL`), limit)
		}

		var missing, disorder []string
		delivered, dups := 0, 0
		pd := w.pdTriggers()
		for _, inc := range w.incidents() {
			want := stepsOf(timelineUpdates(inc))
			for _, platform := range []string{slackPlatform, discordPlatform} {
				room, ok := inc.Room(platform)
				if !ok {
					missing = append(missing, fmt.Sprintf("#%d war room on %s", inc.Number, platform))
					continue
				}
				for where, ch := range map[string]string{"stakeholders": stakeholders(platform), "war room": room.ID} {
					texts := filterTitle(w.texts(platform, ch), inc.Title)
					if where == "stakeholders" {
						switch n := countContaining(texts, "declared"); {
						case n == 0:
							missing = append(missing, fmt.Sprintf("#%d declared post in %s stakeholders", inc.Number, platform))
						case n > 1:
							dups += n - 1
							t.Logf("#%d %s: %d declared posts", inc.Number, platform, n)
						}
					}
					got := stepsOf(texts)
					delivered += len(got)
					if !slices.Equal(dedupe(got), want) {
						disorder = append(disorder, fmt.Sprintf("#%d %s %s: updates %v, decided %v", inc.Number, platform, where, got, want))
					}
					if n := len(got) - len(dedupe(got)); n > 0 {
						dups += n
						t.Logf("#%d %s %s: updates %v", inc.Number, platform, where, got)
					}
				}
				if w.pins(platform, room.ID) != 1 {
					missing = append(missing, fmt.Sprintf("#%d card on %s (%d pins)", inc.Number, platform, w.pins(platform, room.ID)))
				}
				if countContaining(w.dms(platform, "dave"), inc.Title, "paged") == 0 {
					missing = append(missing, fmt.Sprintf("#%d page to dave on %s", inc.Number, platform))
				}
			}
			if pd[pdKey(inc.Number, "application")] == 0 {
				missing = append(missing, fmt.Sprintf("#%d PagerDuty trigger", inc.Number))
			}
		}
		if len(missing) > 0 {
			t.Errorf("not delivered: %s", strings.Join(missing, "; "))
		}
		if len(disorder) > 0 {
			t.Errorf("out of order or missing:\n%s", strings.Join(disorder, "\n"))
		}
		if dups > 0 {
			t.Errorf("%d messages said twice", dups)
		}
		early := w.slack.EarlyRetries() + w.discord.EarlyRetries()
		if early > 0 {
			var last = map[string]time.Time{}
			for _, c := range w.slack.Calls() {
				if c.EarlyRetry {
					t.Logf("early: %s %s %s after the last 429", c.Method, c.Channel, c.Time.Sub(last[c.Method]))
				}
				if c.Status == 429 {
					last[c.Method] = c.Time
				}
			}
			t.Errorf("%d calls came before their Retry-After (slack %d, discord %d)", early, w.slack.EarlyRetries(), w.discord.EarlyRetries())
		}
		failed, gaveUp := w.failures(), w.givingUp()
		if len(failed) > 0 || len(gaveUp) > 0 {
			t.Errorf("given up: %d outbox failures %v; log:\n%s", len(failed), failed, strings.Join(gaveUp, "\n"))
		}
		sc, dc, pc := w.slack.ChaosCounts(), w.discord.ChaosCounts(), w.pd.ChaosCounts()
		figure(t, "chaos: faults %s seed=%d calls=%d rate_limited=%d server_errors=%d resets=%d spikes=%d early_retries=%d updates_delivered=%d missing=%d out_of_order=%d duplicates=%d given_up=%d",
			d, sd, sc.Calls+dc.Calls+pc.Calls, sc.RateLimited+dc.RateLimited+pc.RateLimited, sc.ServerError+dc.ServerError+pc.ServerError,
			sc.Reset+dc.Reset+pc.Reset, sc.Spike+dc.Spike+pc.Spike, early, delivered, len(missing), len(disorder), dups, len(failed))
		if t.Failed() {
			t.Logf("logs: %s", w.dumpLogs())
		}
		p.stop(t)
	})
}

// timelineUpdates is the text of the incident's status updates, in order.
func timelineUpdates(inc *mim.Incident) []string {
	var out []string
	for _, e := range inc.Timeline {
		if e.Kind == mim.KindUpdate {
			out = append(out, e.Text)
		}
	}
	return out
}

var stepRE = regexp.MustCompile(`Step (\d+) for`)

// stepsOf lists the update numbers the texts carry, in order.
func stepsOf(texts []string) []string {
	var out []string
	for _, t := range texts {
		if m := stepRE.FindStringSubmatch(t); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// filterTitle keeps the texts about the incident titled title.
func filterTitle(texts []string, title string) []string {
	var out []string
	for _, t := range texts {
		if strings.Contains(t, title) {
			out = append(out, t)
		}
	}
	return out
}

// dedupe drops repeats that follow each other: a message said twice in a row.
func dedupe(s []string) []string { return slices.Compact(slices.Clone(s)) }

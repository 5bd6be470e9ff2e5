package chaos

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReplicasSplitPlatforms runs two replicas on one PostgreSQL database, one serving
// Slack only and the other Discord only, with every incident carried on both: each
// message must be delivered by the replica that serves its platform, none given up.
func TestReplicasSplitPlatforms(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary on the wall clock; skipped with -short")
	}
	t.Parallel()
	const perPlatform = 3
	w := newWorld(t, onPostgres, bothPlatforms)
	slackOnly := w.start(serveOptions{slack: true, name: "[slack-only]"})
	discordOnly := w.start(serveOptions{discord: true, name: "[discord-only]"})
	ctx := context.Background()
	var titles []string
	for i := range perPlatform * 2 {
		platform, p := slackPlatform, slackOnly
		if i%2 == 1 {
			platform, p = discordPlatform, discordOnly
		}
		title := fmt.Sprintf("Split %c%02d", platform[0], i)
		titles = append(titles, title)
		if ok, err := w.say(ctx, p, platform, "sam", "", declareText(title)); !ok {
			t.Fatalf("declare %s: not acknowledged (%v)", title, err)
		}
	}
	w.eventually(30*time.Second, "every incident declared", func() bool { return len(w.incidents()) == len(titles) })
	settled := w.settle(30 * time.Second)

	var missing []string
	pd := w.pdTriggers()
	for _, inc := range w.incidents() {
		for _, platform := range []string{slackPlatform, discordPlatform} {
			room, ok := inc.Room(platform)
			switch {
			case !ok || !room.Ready:
				missing = append(missing, fmt.Sprintf("#%d war room on %s", inc.Number, platform))
			case w.pins(platform, room.ID) != 1:
				missing = append(missing, fmt.Sprintf("#%d card on %s", inc.Number, platform))
			}
			if countContaining(w.texts(platform, stakeholders(platform)), inc.Title, "declared") == 0 {
				missing = append(missing, fmt.Sprintf("#%d stakeholder post on %s", inc.Number, platform))
			}
			if countContaining(w.dms(platform, "dave"), inc.Title, "paged") == 0 {
				missing = append(missing, fmt.Sprintf("#%d page to dave on %s", inc.Number, platform))
			}
		}
		if pd[pdKey(inc.Number, "application")] == 0 {
			missing = append(missing, fmt.Sprintf("#%d PagerDuty trigger", inc.Number))
		}
	}
	failed, gaveUp := w.failures(), w.givingUp()
	total := w.count(`SELECT count(*) FROM outbox`)
	byPlatform := map[string]int{}
	for _, f := range failed {
		byPlatform[strings.SplitN(f, " ", 2)[0]]++
	}
	if !settled {
		t.Errorf("the outbox still had %d messages to send after 30 s", w.count(`SELECT count(*) FROM outbox WHERE done_at IS NULL`))
	}
	if len(failed) > 0 || len(gaveUp) > 0 {
		t.Errorf("given up: %d of %d messages (%v); log:\n%s", len(failed), total, byPlatform, strings.Join(gaveUp, "\n"))
	}
	if len(missing) > 0 {
		t.Errorf("not delivered: %s", strings.Join(missing, "; "))
	}
	figure(t, "chaos: replicas %s incidents=%d messages=%d given_up=%d given_up_slack=%d given_up_discord=%d missing=%d",
		onPostgres, len(titles), total, len(failed), byPlatform[slackPlatform], byPlatform[discordPlatform], len(missing))
	if t.Failed() {
		t.Logf("logs: %s", w.dumpLogs())
	}
	slackOnly.stop(t)
	discordOnly.stop(t)
}

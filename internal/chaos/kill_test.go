package chaos

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
	"mimbot/mim"
)

// killMoment is when a declare's process is SIGKILLed.
type killMoment int

const (
	noKill       killMoment = iota
	killAtAck               // the instant its HTTP 200 arrives
	killInFlight            // a random few milliseconds after it was sent
)

// TestKill declares 50 incidents over Slack and Discord HTTP while SIGKILLing the
// process at seeded random moments, some the instant an acknowledgement arrives, and
// restarting it. Afterwards: every acknowledged declare has exactly one incident, each
// with one war room that is ready, its stakeholder post, its pages (chat and
// PagerDuty) and its card; no war-room channel belongs to no incident; and anything
// said twice is accounted for by a call a kill cut off.
func TestKill(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		// The first probes declares are not killed: each waits until its incident can
		// be read, which measures how long an acknowledged declare stays uncommitted
		// (the window in which a kill loses it).
		const declares, atAck, inFlight, probes = 50, 3, 3, 4
		sd := seed(t)
		rng := rand.New(rand.NewSource(sd))
		t.Logf("seed %d (MIMBOT_CHAOS_SEED=%d replays the kill plan)", sd, sd)
		w := newWorld(t, d, nil)
		serve := serveOptions{slack: true, discord: true, lease: shortLease}
		p := w.start(serve)
		ctx := context.Background()

		plan := make([]killMoment, declares)
		for _, i := range rng.Perm(declares - probes)[:atAck+inFlight] {
			i += probes
			plan[i] = killInFlight
			if atAck > 0 && countMoments(plan, killAtAck) < atAck {
				plan[i] = killAtAck
			}
		}
		var at []string
		for i, m := range plan {
			if m != noKill {
				at = append(at, fmt.Sprintf("%d:%s", i, map[killMoment]string{killAtAck: "ack", killInFlight: "flight"}[m]))
			}
		}
		t.Logf("kill plan (declare:moment): %s", strings.Join(at, " "))
		var kills, cut, unknown int
		var window time.Duration
		killNow := func() {
			pid := p.pid()
			p.kill()
			kills++
			cut += w.cutBy(pid)
			p = w.start(serve)
		}
		titles := make([]string, declares)
		platformOf := map[string]string{}
		acked := map[string]bool{}
		for i := range declares {
			platform := []string{slackPlatform, discordPlatform}[i%2]
			title := fmt.Sprintf("Outage %c%02d", platform[0], i)
			titles[i], platformOf[title] = title, platform
			for attempt := 0; !acked[title]; attempt++ {
				if attempt == 10 {
					t.Fatalf("%s: not acknowledged in 10 attempts:\n%s", title, w.dumpLogs())
				}
				moment := noKill
				if attempt == 0 {
					moment = plan[i]
				}
				var ok bool
				switch moment {
				case killAtAck:
					ok, _ = w.say(ctx, p, platform, "sam", "", declareText(title))
					killNow()
				case killInFlight:
					res := make(chan bool, 1)
					target := p
					go func() { ok, _ := w.say(ctx, target, platform, "sam", "", declareText(title)); res <- ok }()
					time.Sleep(time.Duration(rng.Intn(30)) * time.Millisecond)
					killNow()
					ok = <-res
				default:
					ok, _ = w.say(ctx, p, platform, "sam", "", declareText(title))
				}
				acked[title] = ok
				if ok && i < probes {
					at := time.Now()
					w.eventually(30*time.Second, title+" committed", func() bool {
						for _, inc := range w.incidents() {
							if inc.Title == title {
								return true
							}
						}
						return false
					})
					window = max(window, time.Since(at))
				}
				if !ok {
					unknown++ // refused or cut: it may or may not have declared
				}
			}
		}
		// One more kill while the rooms are being opened and the messages sent.
		time.Sleep(time.Duration(rng.Intn(1500)) * time.Millisecond)
		killNow()
		if !w.settle(60 * time.Second) {
			t.Errorf("the outbox still had %d messages to send 60 s after the last restart", w.count(`SELECT count(*) FROM outbox WHERE done_at IS NULL`))
		}

		byTitle := map[string][]*mim.Incident{}
		incs := w.incidents()
		for _, inc := range incs {
			byTitle[inc.Title] = append(byTitle[inc.Title], inc)
		}
		var lost []string
		dupIncidents := 0
		for _, title := range titles {
			switch n := len(byTitle[title]); {
			case n == 0 && acked[title]:
				lost = append(lost, title+" ("+platformOf[title]+")")
			case n > 1:
				dupIncidents += n - 1
			}
		}
		if len(lost) > 0 {
			t.Errorf("LOSS: %d acknowledged declares have no incident: %s", len(lost), strings.Join(lost, ", "))
		}
		if dupIncidents > unknown {
			t.Errorf("%d duplicate incidents, more than the %d declares whose outcome could not be known", dupIncidents, unknown)
		}

		rooms := map[string]map[string]bool{slackPlatform: {}, discordPlatform: {}}
		var undelivered []string
		dupMessages := 0
		pd := w.pdTriggers()
		for _, inc := range incs {
			platform := platformOf[inc.Title]
			miss := func(what string) { undelivered = append(undelivered, fmt.Sprintf("#%d %s", inc.Number, what)) }
			var mine []mim.WarRoom
			for _, r := range inc.WarRooms {
				rooms[r.Platform][r.ID] = true
				if r.Voice != "" {
					rooms[r.Platform][r.Voice] = true
				}
				if r.Platform == platform {
					mine = append(mine, r)
				}
			}
			if len(mine) != 1 || !mine[0].Ready {
				t.Errorf("#%d %q: war rooms on %s %+v, want one, ready", inc.Number, inc.Title, platform, mine)
				continue
			}
			room := mine[0]
			if n := w.textRooms(platform, fmt.Sprintf("mi-%d-", inc.Number)); n != 1 {
				t.Errorf("#%d: %d war-room channels on %s, want 1", inc.Number, n, platform)
			}
			posts := countContaining(w.texts(platform, stakeholders(platform)), inc.Title, "declared")
			pages := countContaining(w.dms(platform, "dave"), inc.Title, "paged")
			pins := w.pins(platform, room.ID)
			opening := countContaining(w.texts(platform, room.ID), "declared by")
			for what, n := range map[string]int{"stakeholder post": posts, "war-room opening": opening, "page to dave": pages, "card": pins, "PagerDuty trigger": pd[pdKey(inc.Number, "application")]} {
				switch {
				case n == 0:
					miss(what)
				case n > 1 && what != "PagerDuty trigger": // PagerDuty folds repeats by dedup key
					dupMessages += n - 1
				}
			}
		}
		var orphans []string
		for _, platform := range []string{slackPlatform, discordPlatform} {
			for id, name := range w.warRoomChannels(platform) {
				if !rooms[platform][id] {
					orphans = append(orphans, platform+":#"+name)
				}
			}
		}
		slices.Sort(orphans)
		if len(undelivered) > 0 {
			t.Errorf("not delivered: %s", strings.Join(undelivered, ", "))
		}
		if len(orphans) > 0 {
			t.Errorf("channels that belong to no incident: %s", strings.Join(orphans, ", "))
		}
		if dupMessages > cut {
			t.Errorf("%d messages said twice, more than the %d calls the kills cut off", dupMessages, cut)
		}
		failed, gaveUp := w.failures(), w.givingUp()
		if len(failed) > 0 || len(gaveUp) > 0 {
			t.Errorf("given up: %d outbox failures %v; log:\n%s", len(failed), failed, strings.Join(gaveUp, "\n"))
		}
		figure(t, "chaos: kill %s seed=%d ack_to_commit_max=%dms declares=%d acked=%d kills=%d kills_at_ack=%d kills_in_flight=%d unknown_outcome=%d lost=%d dup_incidents=%d cut_calls=%d dup_messages=%d undelivered=%d orphan_channels=%d given_up=%d",
			d, sd, window.Milliseconds(), declares, len(acked), kills, atAck, inFlight, unknown, len(lost), dupIncidents, cut, dupMessages, len(undelivered), len(orphans), len(failed))
		if t.Failed() {
			t.Logf("logs: %s", w.dumpLogs())
		}
	})
}

func countMoments(plan []killMoment, m killMoment) int {
	n := 0
	for _, k := range plan {
		if k == m {
			n++
		}
	}
	return n
}

// textRooms counts the text channels whose name starts with prefix.
func (w *world) textRooms(platform, prefix string) int {
	n := 0
	if platform == slackPlatform {
		for _, c := range w.slack.Channels() {
			if strings.HasPrefix(c.Name, prefix) {
				n++
			}
		}
		return n
	}
	for _, c := range w.discord.Channels() {
		if strings.HasPrefix(c.Name, prefix) && c.Type == discordfake.ChannelText {
			n++
		}
	}
	return n
}

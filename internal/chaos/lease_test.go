package chaos

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDeliveryOutlivesLease opens a war room more slowly than MIMBOT_LEASE allows
// (every Slack answer held back, so the room's calls add up to more than the lease):
// each room must still be opened once, with one card, whatever the lease.
func TestDeliveryOutlivesLease(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		const leaseFor, latency, incidents = 2 * time.Second, 900 * time.Millisecond, 3
		w := newWorld(t, d, nil)
		p := w.start(serveOptions{slack: true, lease: leaseFor})
		w.slack.SetLatency("", latency)
		for i := range incidents {
			if ok, err := w.say(context.Background(), p, slackPlatform, "sam", "", declareText(fmt.Sprintf("Slow room %d", i))); !ok {
				t.Fatalf("declare: not acknowledged (%v)", err)
			}
		}
		w.eventually(60*time.Second, "the war rooms", func() bool {
			incs := w.incidents()
			for _, inc := range incs {
				if r, ok := inc.Room(slackPlatform); !ok || !r.Ready {
					return false
				}
			}
			return len(incs) == incidents
		})
		w.settle(30 * time.Second)
		var rooms, cards, opening, posts, pages int
		for _, inc := range w.incidents() {
			posts += countContaining(w.texts(slackPlatform, stakeholders(slackPlatform)), inc.Title, "declared")
			pages += countContaining(w.dms(slackPlatform, "dave"), inc.Title, "paged")
			room, _ := inc.Room(slackPlatform)
			rooms += w.textRooms(slackPlatform, fmt.Sprintf("mi-%d-", inc.Number))
			cards += w.pins(slackPlatform, room.ID)
			opening += countContaining(w.texts(slackPlatform, room.ID), "declared by")
		}
		stale := strings.Count(w.logs.String(), "stale: changed by another worker")
		if rooms != incidents || cards != incidents || opening != incidents || posts != incidents || pages != incidents {
			t.Errorf("%d slow incidents gave %d channels, %d cards, %d opening messages, %d stakeholder posts, %d pages; want %d each (%d deliveries found their lease taken)",
				incidents, rooms, cards, opening, posts, pages, incidents, stale)
		}
		figure(t, "chaos: lease %s lease=%s slack_latency=%s incidents=%d channels=%d cards=%d openings=%d stakeholder_posts=%d pages=%d stale_deliveries=%d", d, leaseFor, latency, incidents, rooms, cards, opening, posts, pages, stale)
		if t.Failed() {
			t.Logf("logs: %s", w.dumpLogs())
		}
	})
}

package slack_test

import (
	"strings"
	"testing"
	"time"

	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

func TestTakenNameGetsASuffix(t *testing.T) {
	t.Parallel()
	h := newHarness(t,
		withChannel(slackfake.ChannelSeed{Name: "mi-1-payments-down"}),
		withChannel(slackfake.ChannelSeed{Name: "mi-1-payments-down-2"}))
	inc := h.declare("Payments down impact=high urgency=high towers=database")
	room := h.room(inc)
	ch, _ := h.fake.Channel(room.ID)
	if ch.Name != "mi-1-payments-down-3" || room.Name != ch.Name || !room.Ready {
		t.Errorf("war room #%s recorded as %+v, want #mi-1-payments-down-3, ready", ch.Name, room)
	}
	if n := len(h.fake.CallsTo("conversations.create")); n != 3 {
		t.Errorf("%d conversations.create calls, want 3", n)
	}
}

// A process that dies after creating the channel resumes in the same channel: the
// card it could not post appears, nothing is done twice, and no second channel.
func TestOpenRoomResumesAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Every attempt to pin the card fails: the room is created and recorded, but the
	// war room is not ready.
	h.fake.InjectFault("pins.add", slackfake.Fault{Status: 503, Times: 4})
	resp, _ := h.slash(id(h, "sam"), h.general, "declare Payments down impact=high urgency=high towers=application,database")
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	h.incident(1)
	h.drain()
	first := h.incidentNow(1)
	room := h.room(first)
	if room.Ready || len(h.fake.Pins(room.ID)) != 0 {
		t.Fatalf("after the failed attempt: %+v, want recorded, not ready, no pinned card", room)
	}
	if msgs := h.fake.Messages(room.ID); len(containing(msgs, "Major incident #1")) != 0 {
		t.Fatalf("the room got messages before it was ready: %q", texts(msgs))
	}

	// Restart: a new adapter, nothing in memory; the relay retries after its backoff.
	h.newAdapter(h.cfg, true)
	h.clock.Advance(5 * time.Second)
	h.drain()

	inc := h.incidentNow(1)
	checkWarRoom(t, h, inc)
	if got := h.room(inc); got.ID != room.ID {
		t.Errorf("war room %s after the restart, want the same %s", got.ID, room.ID)
	}
	var rooms []string
	for _, c := range h.fake.Channels() {
		if strings.HasPrefix(c.Name, "mi-1-") {
			rooms = append(rooms, c.Name)
		}
	}
	if len(rooms) != 1 {
		t.Errorf("channels %v, want exactly one war room", rooms)
	}
	topics := 0
	for _, m := range h.fake.Messages(room.ID) {
		if m.Subtype == "channel_topic" {
			topics++
		}
	}
	if topics != 1 {
		t.Errorf("topic set %d times, want once", topics)
	}
	if n := len(h.fake.Pins(room.ID)); n != 1 {
		t.Errorf("%d pinned messages, want the one card", n)
	}
	if n := len(containing(h.fake.Messages(room.ID), "Major incident #1")); n != 1 {
		t.Errorf("%d announcements in the room, want 1", n)
	}
	if n := countKind(inc, mim.KindWarRoom); n != 1 {
		t.Errorf("%d war_room entries on the timeline, want 1", n)
	}
}

func countKind(inc *mim.Incident, k mim.Kind) int {
	n := 0
	for _, e := range inc.Timeline {
		if e.Kind == k {
			n++
		}
	}
	return n
}

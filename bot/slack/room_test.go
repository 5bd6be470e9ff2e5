package slack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mimbot/bot/slack"
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

// A process that dies between creating the channel and recording it: the next
// attempt adopts that channel instead of opening a second one.
func TestOpenRoomAdoptsUnrecordedChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, By: "sam", Platform: slack.Platform})
	if err != nil {
		t.Fatal(err)
	}
	crash := errors.New("the process died before recording the room")
	_, err = openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 1}, func(context.Context, mim.WarRoom) error { return crash })
	if !errors.Is(err, crash) {
		t.Fatalf("first attempt: %v", err)
	}
	orphan, ok := h.fake.ChannelByName("mi-1-payments-down")
	if !ok {
		t.Fatal("the first attempt created no channel")
	}
	room, err := openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 2}, func(ctx context.Context, r mim.WarRoom) error { return h.svc.RecordRoom(ctx, inc.Number, r) })
	if err != nil {
		t.Fatal(err)
	}
	if room.ID != orphan.ID {
		t.Errorf("second attempt opened %s (#%s), want the unrecorded %s", room.ID, room.Name, orphan.ID)
	}
	var rooms []string
	for _, c := range h.fake.Channels() {
		if strings.HasPrefix(c.Name, "mi-1-") {
			rooms = append(rooms, c.Name)
		}
	}
	if len(rooms) != 1 || len(h.fake.Pins(orphan.ID)) != 1 {
		t.Errorf("channels %v, pins %d: want one room with its card", rooms, len(h.fake.Pins(orphan.ID)))
	}
}

// A channel of the same name that someone else made, or another incident's room, is
// never taken.
func TestOpenRoomLeavesOthersChannels(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withChannel(slackfake.ChannelSeed{Name: "mi-1-payments-down"}))
	inc, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, By: "sam", Platform: slack.Platform})
	if err != nil {
		t.Fatal(err)
	}
	room, err := openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 3}, func(ctx context.Context, r mim.WarRoom) error { return h.svc.RecordRoom(ctx, inc.Number, r) })
	if err != nil {
		t.Fatal(err)
	}
	if room.Name != "mi-1-payments-down-2" {
		t.Errorf("took #%s, want a new #mi-1-payments-down-2 beside the channel a person made", room.Name)
	}
}

// A process that dies after posting and pinning the card, before the room was recorded
// with it: the next attempt adopts that card instead of posting a second one.
func TestOpenRoomAdoptsUnrecordedCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, By: "sam", Platform: slack.Platform})
	if err != nil {
		t.Fatal(err)
	}
	created, err := h.adapter.OpenRoom(h.ctx, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.RecordRoom(h.ctx, inc.Number, created); err != nil {
		t.Fatal(err)
	}
	first, err := h.adapter.OpenRoom(h.ctx, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Existing: &created, Attempt: 1})
	if err != nil || first.Card == "" {
		t.Fatalf("first attempt: %+v, %v", first, err)
	}
	// The process dies here: the room stays recorded without its card.
	restarted := h.newAdapter(h.cfg, true)
	got, err := restarted.OpenRoom(h.ctx, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Existing: &created, Attempt: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.Card != first.Card {
		t.Errorf("card %s after the restart, want the one already posted, %s", got.Card, first.Card)
	}
	if cards := containing(h.fake.Messages(created.ID), "Incident card"); len(cards) != 1 {
		t.Errorf("%d cards in the room, want 1", len(cards))
	}
}

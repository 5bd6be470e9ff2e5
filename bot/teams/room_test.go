package teams_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot"
	"mimbot/bot/teams"
	"mimbot/bot/teams/msapi"
	"mimbot/bot/teams/teamsfake"
	"mimbot/mim"
)

const payments = "Payments down impact=high urgency=high towers=application"

// warRooms are the team's channels but General.
func (h *harness) warRooms() []teamsfake.Channel {
	var out []teamsfake.Channel
	for _, c := range h.fake.Channels() {
		if c.DisplayName != "General" {
			out = append(out, c)
		}
	}
	return out
}

// mentions tells whether the entities mention each person key.
func mentions(entities []teamsfake.Entity, keys ...string) bool {
	for _, k := range keys {
		found := false
		for _, e := range entities {
			found = found || e.Type == "mention" && e.Mentioned != nil && e.Mentioned.ID == aad(k) && strings.Contains(e.Text, "<at>")
		}
		if !found {
			return false
		}
	}
	return true
}

// TestDeclareInAChannel: a declaration typed in a channel opens one war-room channel
// whose first message names the IM and the paged lead above the card, pages the lead
// in a personal chat with an Acknowledge button, tells the stakeholders, and
// completes its reply in place once the room is ready.
func TestDeclareInAChannel(t *testing.T) {
	h := newHarness(t)
	a := h.say("sam", h.general, "incident declare "+payments)
	h.eventually("the declare reply", func() bool { return len(containing(h.replies(h.general, a.ID), "Declared #1")) > 0 })
	h.drain()
	inc := h.incident(1)
	room := h.room(inc)
	if !room.Ready || room.Card == "" {
		t.Fatalf("room %+v: want ready with its card", room)
	}
	rooms := h.warRooms()
	if len(rooms) != 1 || rooms[0].ID != room.ID || rooms[0].DisplayName != msapi.ChannelName(inc.RoomName, 1) || rooms[0].MembershipType != "standard" {
		t.Fatalf("war-room channels %+v, want one standard channel %q", rooms, msapi.ChannelName(inc.RoomName, 1))
	}
	card, ok := h.fake.Post(room.ID, room.Card)
	if !ok {
		t.Fatal("the card is not in the war room")
	}
	for _, want := range []string{"P0 #1 · investigating · Payments down", "Acknowledge", "Post update", "Resolve", "Incident manager", "not acknowledged yet"} {
		if !strings.Contains(text(card), want) {
			t.Errorf("the card does not say %q:\n%s", want, text(card))
		}
	}
	if !mentions(cardEntities(t, card), inc.IM, "dave") {
		t.Errorf("the card does not mention the IM (%s) and dave: %+v", inc.IM, cardEntities(t, card))
	}
	if !strings.Contains(card.Text, "War room of #1") || !mentions(card.Entities, inc.IM, "dave") {
		t.Errorf("the card's text %q, entities %+v: want it to mention %s and dave", card.Text, card.Entities, inc.IM)
	}
	if posts := h.fake.Posts(room.ID); len(posts) == 0 || posts[0].ID != room.Card {
		t.Errorf("the card is not the war room's first message: %v", posts)
	}
	conv, ok := h.fake.Personal(aad("dave"))
	if !ok {
		t.Fatal("dave, the application lead, has no personal chat with the bot")
	}
	page := containing(h.fake.Posts(conv), "You are paged to", "Acknowledge")
	if len(page) != 1 {
		t.Errorf("dave's chat %v: want one page with an Acknowledge button", h.fake.Posts(conv))
	}
	if len(containing(h.fake.Posts(stakeholders), "Major incident declared")) != 1 {
		t.Errorf("stakeholders were not told: %v", h.fake.Posts(stakeholders))
	}
	h.eventually("the reply completed in place", func() bool {
		return len(containing(h.replies(h.general, a.ID), "Declared #1", "Opening war room... done: <a href=", ">"+room.Name+"</a>")) == 1
	})
	if n := len(h.replies(h.general, a.ID)); n != 1 {
		t.Errorf("%d replies to the declaration, want one (completed in place)", n)
	}
}

// TestOpenRoomAgain: a room whose channel was created but not recorded (the process
// died) is adopted by the next attempt, in a new process; a recorded room opened
// again gets no second channel and no second card.
func TestOpenRoomAgain(t *testing.T) {
	h := newHarness(t)
	if rep := h.router.Commit(h.ctx, bot.Request{Platform: teams.Platform, User: aad("sam"), Text: "declare " + payments, RequestID: "teams:1"}); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	inc := h.incident(1)
	req := mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 1}
	lost, err := h.adapter.OpenRoom(h.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// A new process tries again: the channel is there, unrecorded.
	h.adapter = h.newAdapter()
	req.Attempt = 2
	room, err := h.adapter.OpenRoom(h.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if room.ID != lost.ID {
		t.Fatalf("the retry opened %s, not the channel %s the first attempt created", room.ID, lost.ID)
	}
	if err := h.svc.RecordRoom(h.ctx, 1, room); err != nil {
		t.Fatal(err)
	}
	req.Existing = &room
	room, err = h.adapter.OpenRoom(h.ctx, req)
	if err != nil || room.Card == "" {
		t.Fatalf("OpenRoom with the room: %+v, %v", room, err)
	}
	if err := h.svc.RecordRoom(h.ctx, 1, room); err != nil {
		t.Fatal(err)
	}
	// And once more, in yet another process, with everything recorded.
	h.adapter = h.newAdapter()
	again, err := h.adapter.OpenRoom(h.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Card != room.Card {
		t.Errorf("a second card was posted: %s, then %s", room.Card, again.Card)
	}
	if n := len(h.warRooms()); n != 1 {
		t.Errorf("%d war-room channels, want 1", n)
	}
	if n := len(containing(h.fake.Posts(room.ID), "P0 #1")); n != 1 {
		t.Errorf("%d cards in the war room, want 1", n)
	}
}

// TestTakenName: a channel of the room's name made before the incident is no orphan:
// the room gets the numbered name.
func TestTakenName(t *testing.T) {
	h := newHarness(t)
	taken := h.fake.AddChannel("mi-1-payments-down")
	h.clock.Advance(time.Minute)
	inc := h.declare(payments)
	room := h.room(inc)
	if room.ID == taken.ID || room.Name != "mi-1-payments-down-2" {
		t.Fatalf("room %+v, want a new channel mi-1-payments-down-2", room)
	}
	if n := len(h.warRooms()); n != 2 {
		t.Errorf("%d channels besides General, want the taken one and the room", n)
	}
}

// TestAcknowledgeButton: the Acknowledge button of a page in a personal chat
// acknowledges the page, and the page loses its button.
func TestAcknowledgeButton(t *testing.T) {
	h := newHarness(t)
	h.declare(payments)
	conv, _ := h.fake.Personal(aad("dave"))
	page := containing(h.fake.Posts(conv), "You are paged to")
	if len(page) != 1 {
		t.Fatalf("dave's chat: %v", h.fake.Posts(conv))
	}
	sub := h.fake.Submit(conv, aad("dave"), page[0].ID, map[string]any{"mimbot": "ack", "incident": 1})
	if status, body, _ := h.deliver(sub); status != 200 {
		t.Fatalf("HTTP %d %s", status, body)
	}
	h.eventually("the page acknowledged", func() bool {
		for _, p := range h.incident(1).Pages {
			if p.Person == "dave" && p.Acked() {
				return true
			}
		}
		return false
	})
	h.eventually("the page's button gone", func() bool {
		p, _ := h.fake.Post(conv, page[0].ID)
		return strings.Contains(text(p), "You acknowledged the page to #1") && !strings.Contains(text(p), "Acknowledge\n")
	})
	h.drain()
	room := h.room(h.incident(1))
	card, _ := h.fake.Post(room.ID, room.Card)
	if !strings.Contains(text(card), "acknowledged after") {
		t.Errorf("the card does not show the acknowledgement:\n%s", text(card))
	}
}

// gaveUp records the messages the relay gave up on.
type gaveUp struct {
	mu      sync.Mutex
	reasons []string
}

func (g *gaveUp) Committed(*mim.Incident, *mim.Change) {}
func (g *gaveUp) GaveUp(m mim.Outgoing, reason error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reasons = append(g.reasons, string(m.To)+" "+m.Person+": "+reason.Error())
}

// TestNoApp: a lead who has not installed the app gets no personal chat; the relay
// gives up on the page with a reason that says why, which the timeline shows, and the
// war room still mentions the lead.
func TestNoApp(t *testing.T) {
	h := newHarness(t, withoutApp("dave"))
	g := &gaveUp{}
	h.svc.Observer = g
	inc := h.declare(payments)
	if _, ok := h.fake.Personal(aad("dave")); ok {
		t.Error("a personal chat was opened with dave, who has not installed the app")
	}
	g.mu.Lock()
	reasons := strings.Join(g.reasons, "\n")
	g.mu.Unlock()
	if !strings.Contains(reasons, "person dave: ") || !strings.Contains(reasons, "Dave Kowalski has not installed the mimbot app in Teams; the war-room mention stands") {
		t.Errorf("given up on:\n%s\nwant dave's page, saying he has not installed the app", reasons)
	}
	if tl := timelineText(h.incident(1)); !strings.Contains(tl, "Direct message to dave on teams not delivered: Dave Kowalski has not installed the mimbot app in Teams") {
		t.Errorf("the timeline does not say why dave got no page:\n%s", tl)
	}
	paging := containing(h.fake.Posts(h.room(inc).ID), "Paging")
	if len(paging) != 1 || !mentions(cardEntities(t, paging[0]), "dave") {
		t.Errorf("the war room's paging message %v does not mention dave", paging)
	}
}

// TestCardKeptCurrentAndClosed: the card is updated in place as the incident moves,
// says closed once it is, without buttons, and the channel is renamed closed-....
func TestCardKeptCurrentAndClosed(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	h.say(inc.IM, room.ID, "incident resolve rolled back the release")
	h.eventually("resolved", func() bool { return h.incident(1).State == mim.Resolved })
	h.drain()
	card, _ := h.fake.Post(room.ID, room.Card)
	if !strings.Contains(text(card), "· resolved ·") {
		t.Errorf("the card was not updated in place:\n%s", text(card))
	}
	h.say(inc.IM, room.ID, "incident close")
	h.eventually("closed", func() bool { return h.incident(1).State == mim.Closed })
	h.drain()
	after := h.room(h.incident(1))
	if after.Card != room.Card {
		t.Errorf("the card was posted again (%s, was %s)", after.Card, room.Card)
	}
	card, _ = h.fake.Post(room.ID, room.Card)
	if s := text(card); !strings.Contains(s, "This incident is closed.") || strings.Contains(s, "Acknowledge") || strings.Contains(s, "Post update") {
		t.Errorf("the closed card:\n%s\nwant it to say closed, without buttons", s)
	}
	ch, ok := h.fake.ChannelByName("closed-" + room.Name)
	if !ok || ch.ID != room.ID {
		t.Errorf("channels %+v: want %s renamed closed-%s", h.fake.Channels(), room.ID, room.Name)
	}
	if after.Name != "closed-"+room.Name {
		t.Errorf("the recorded room is named %q, want closed-%s", after.Name, room.Name)
	}
}

// TestMeeting: with bridge: {teams: meeting}, the war room gets a Teams meeting
// organised by the IM, once, given on the card and in the text above it.
func TestMeeting(t *testing.T) {
	h := newHarness(t, withConfig(func(c *mim.Config) { c.TeamsMeeting = true }))
	inc := h.declare(payments)
	room := h.room(inc)
	meetings := h.fake.Meetings()
	if len(meetings) != 1 || meetings[0].Organizer != aad(inc.IM) || room.Voice != meetings[0].JoinURL {
		t.Fatalf("meetings %+v, room %+v: want one organised by the IM, its link in the room", meetings, room)
	}
	card, _ := h.fake.Post(room.ID, room.Card)
	if !strings.Contains(text(card), meetings[0].JoinURL) {
		t.Errorf("the card does not give the meeting:\n%s", text(card))
	}
	if !strings.Contains(card.Text, meetings[0].JoinURL) {
		t.Errorf("the text above the card does not give the meeting: %q", card.Text)
	}
	// Opened again, the room books no second meeting.
	if _, err := h.adapter.OpenRoom(h.ctx, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Existing: &room, Attempt: 2}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Meetings()); n != 1 {
		t.Errorf("%d meetings, want 1", n)
	}
}

// TestCardGone: a card Teams no longer has is posted again, and the room returned
// with it for the relay to record.
func TestCardGone(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	gone := room
	gone.Card = "1"
	changed, err := h.adapter.Send(h.ctx, mim.Delivery{Message: mim.Outgoing{Platform: teams.Platform, Incident: 1, To: mim.ToCard}, Incident: inc, Room: &gone})
	if err != nil {
		t.Fatal(err)
	}
	if changed == nil || changed.Card == "" || changed.Card == "1" || changed.Card == room.Card {
		t.Fatalf("Send returned %+v: want the room with a new card", changed)
	}
	if n := len(containing(h.fake.Posts(room.ID), "P0 #1 · investigating")); n != 2 {
		t.Errorf("%d cards in the room, want the first and the new one", n)
	}
}

// TestLongText: a text longer than a Teams message goes in parts, in order.
func TestLongText(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	var lines []string
	for i := range 1500 {
		lines = append(lines, "line "+strconv.Itoa(i)+" of the timeline")
	}
	m := mim.Outgoing{Platform: teams.Platform, Incident: 1, To: mim.ToWarRoom, Kind: mim.KindUpdate, Text: strings.Join(lines, "\n")}
	before := len(h.fake.Posts(room.ID))
	if _, err := h.adapter.Send(h.ctx, mim.Delivery{Message: m, Incident: inc, Room: &room}); err != nil {
		t.Fatal(err)
	}
	parts := h.fake.Posts(room.ID)[before:]
	if len(parts) < 2 {
		t.Fatalf("%d messages for %d characters, want several", len(parts), len(m.Text))
	}
	var got []string
	for _, p := range parts {
		got = append(got, strings.Split(p.Text, "<br>")...)
	}
	if diff := cmp.Diff(lines, got); diff != "" {
		t.Errorf("the parts do not give the text in order (-want +got):\n%s", diff)
	}
}

// TestOpenRoomTwoCalls: a first attempt opens a war room in two calls to Microsoft,
// one after the other: the channel, then its first message with the card.
func TestOpenRoomTwoCalls(t *testing.T) {
	h := newHarness(t)
	if rep := h.router.Commit(h.ctx, bot.Request{Platform: teams.Platform, User: aad("sam"), Text: "declare " + payments, RequestID: "teams:1"}); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	inc := h.incident(1)
	before := len(h.fake.Calls())
	req := mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 1}
	room, err := h.adapter.OpenRoom(h.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Existing = &room
	if room, err = h.adapter.OpenRoom(h.ctx, req); err != nil || room.Card == "" {
		t.Fatalf("OpenRoom: %+v, %v", room, err)
	}
	var calls []string
	for _, c := range h.fake.Calls()[before:] {
		calls = append(calls, c.Method+" "+c.Path)
	}
	want := []string{"POST /graph/v1.0/teams/" + h.fake.TeamID() + "/channels", "POST /connector/v3/conversations/" + room.ID + "/activities"}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestTwoReplicas: two processes opening the same room at once (each a first
// attempt) end with one channel: the one whose name is taken adopts the other's.
func TestTwoReplicas(t *testing.T) {
	h := newHarness(t)
	if rep := h.router.Commit(h.ctx, bot.Request{Platform: teams.Platform, User: aad("sam"), Text: "declare " + payments, RequestID: "teams:1"}); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	inc := h.incident(1)
	first, second := h.adapter, h.newAdapter()
	req := mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 1}
	rooms := make([]mim.WarRoom, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, a := range []*teams.Adapter{first, second} {
		wg.Go(func() { rooms[i], errs[i] = a.OpenRoom(h.ctx, req) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("OpenRoom: %v, %v", errs[0], errs[1])
	}
	if rooms[0].ID != rooms[1].ID {
		t.Errorf("two rooms: %+v and %+v", rooms[0], rooms[1])
	}
	if n := len(h.warRooms()); n != 1 {
		t.Errorf("%d war-room channels, want 1", n)
	}
}

// TestClosedNameTaken: when closed-<name> is taken (a room of an earlier database),
// the closed room is numbered.
func TestClosedNameTaken(t *testing.T) {
	h := newHarness(t)
	h.fake.AddChannel("closed-mi-1-payments-down")
	inc := h.declare(payments)
	room := h.room(inc)
	h.say(inc.IM, room.ID, "incident cancel reason=\"false alarm\"")
	h.eventually("cancelled", func() bool { return h.incident(1).State == mim.Cancelled })
	h.drain()
	if got := h.room(h.incident(1)).Name; got != "closed-mi-1-payments-down-2" {
		t.Errorf("the cancelled room is named %q, want closed-mi-1-payments-down-2", got)
	}
	if ch, ok := h.fake.ChannelByName("closed-mi-1-payments-down-2"); !ok || ch.ID != room.ID {
		t.Errorf("channels %+v", h.fake.Channels())
	}
}

// TestSummaryMarkdown: the post-incident summary goes as Markdown, which Teams
// renders, its mentions still mentions.
func TestSummaryMarkdown(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	m := mim.Outgoing{Platform: teams.Platform, Incident: 1, To: mim.ToWarRoom, Kind: mim.KindSummary, Text: "# Post-incident summary\n\n- IM: <@" + inc.IM + ">\n- `a<b`"}
	if _, err := h.adapter.Send(h.ctx, mim.Delivery{Message: m, Incident: inc, Room: &room}); err != nil {
		t.Fatal(err)
	}
	posts := h.fake.Posts(room.ID)
	last := posts[len(posts)-1]
	want := "# Post-incident summary\n\n- IM: <at>" + h.svc.Config.Display(inc.IM) + "</at>\n- `a<b`"
	if last.TextFormat != "markdown" || last.Text != want || !mentions(last.Entities, inc.IM) {
		t.Errorf("summary %q (%s), entities %+v; want %q as markdown mentioning %s", last.Text, last.TextFormat, last.Entities, want, inc.IM)
	}
}

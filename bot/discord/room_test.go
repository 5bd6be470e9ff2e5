package discord_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot/discord"
	"mimbot/bot/discord/discordfake"
	"mimbot/mim"
)

func TestTakenNameGetsASuffix(t *testing.T) {
	t.Parallel()
	h := newHarness(t,
		withChannel(discordfake.Channel{Name: "mi-1-payments-down", Type: discordfake.ChannelText, Position: 2}),
		withChannel(discordfake.Channel{Name: "mi-1-payments-down-2", Type: discordfake.ChannelText, Position: 3}))
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	ch, _ := h.fake.Channel(room.ID)
	if ch.Name != "mi-1-payments-down-3" || room.Name != ch.Name || !room.Ready {
		t.Errorf("war room #%s recorded as %+v, want #mi-1-payments-down-3, ready", ch.Name, room)
	}
}

// OpenRoom again with the room already recorded (a retry, a restart) creates nothing:
// not a second channel, bridge or card.
func TestExistingRoomIsNotOpenedTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	before := len(h.fake.Channels())
	h.fake.ResetCalls()
	existing := room
	existing.Ready = false
	got, err := openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Existing: &existing}, func(ctx context.Context, r mim.WarRoom) error { return h.svc.RecordRoom(ctx, inc.Number, r) })
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != room.ID || got.Card != room.Card || got.Voice != room.Voice {
		t.Errorf("OpenRoom returned %+v, want the room %+v", got, room)
	}
	if n := len(h.fake.Channels()); n != before {
		t.Errorf("%d channels after OpenRoom again, want %d", n, before)
	}
	if n := len(h.fake.Pins(room.ID)); n != 1 {
		t.Errorf("%d pinned messages, want the one card", n)
	}
	for _, c := range h.fake.Calls() {
		switch c.Route {
		case "POST /guilds/{guild_id}/channels", "POST /channels/{channel_id}/messages", "PATCH /channels/{channel_id}":
			t.Errorf("OpenRoom again called %s %s", c.Method, c.Path)
		}
	}
	if ch, _ := h.fake.Channel(room.ID); !strings.Contains(ch.Topic, "bridge: <#"+room.Voice+">") {
		t.Errorf("topic %q", ch.Topic)
	}
}

// A process that fails after creating the channel resumes in the same channel: what
// failed is done, what was done is not done again.
func TestOpenRoomResumesAfterFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Pins fail as long as the adapter tries (four times): the card is posted and
	// recorded, but not pinned.
	h.fake.InjectFault("PUT /channels/", discordfake.Fault{Status: 503, Times: 4})
	i := h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high"), opt("towers", "application,database"))
	h.post(i)
	h.declared(i.ID)
	h.drain()
	first := h.room(h.incidentNow(1))
	if first.Ready || first.Card == "" || first.Voice == "" {
		t.Fatalf("after the failed attempt: %+v, want recorded with card and bridge, not ready", first)
	}
	if len(h.fake.Pins(first.ID)) != 0 {
		t.Fatalf("pinned although pins fail")
	}
	// Discord is back; a restarted process resumes after the relay's backoff.
	h.newAdapter(h.cfg)
	h.clock.Advance(5 * time.Second)
	h.drain()
	inc := h.incidentNow(1)
	checkWarRoom(t, h, inc)
	if got := h.room(inc); got.ID != first.ID || got.Card != first.Card || got.Voice != first.Voice {
		t.Errorf("room %+v after resuming, want %+v", got, first)
	}
	var rooms, bridges int
	for _, c := range h.fake.Channels() {
		if strings.HasPrefix(c.Name, "mi-1-") {
			if c.Type == discordfake.ChannelVoice {
				bridges++
			} else {
				rooms++
			}
		}
	}
	if rooms != 1 || bridges != 1 {
		t.Errorf("%d war rooms and %d bridges, want one of each", rooms, bridges)
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

func TestCloseArchivesTheRoom(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	im := inc.IM
	for _, c := range []discordfake.Interaction{
		h.command(im, room.ID, "resolve", opt("text", "Replica promoted, payments flowing")),
		h.command(im, room.ID, "close"),
	} {
		h.post(c)
		h.eventually("the answer", func() bool { return h.answer(c.ID).Content != "" })
	}
	if st := h.incidentNow(1).State; st != mim.Closed {
		t.Fatalf("state %s, want closed", st)
	}
	h.drain()
	ch, _ := h.fake.Channel(room.ID)
	archive, _ := h.fake.Channel(ch.ParentID)
	if archive.Name != "Archived incidents" || archive.Type != discordfake.ChannelCategory {
		t.Errorf("the room is in %q, want Archived incidents", archive.Name)
	}
	if everyone, _ := overwriteOf(ch, h.fake.GuildID()); everyone.Deny&discordfake.PermSendMessages == 0 {
		t.Errorf("@everyone may still post: %+v", ch.PermissionOverwrites)
	}
	for _, k := range []string{"sam", im, "frank"} {
		if o, ok := overwriteOf(ch, id(h, k)); ok && o.Allow&discordfake.PermSendMessages != 0 {
			t.Errorf("%s may still post in the archived room", k)
		}
	}
	if _, ok := h.fake.Channel(room.Voice); ok {
		t.Errorf("the voice bridge %s still exists", room.Voice)
	}
	if len(containing(h.fake.Messages(room.ID), "Closed by")) != 1 {
		t.Errorf("no closing message: %q", contents(h.botMessages(room.ID)))
	}
	card, _ := h.fake.Message(room.Card)
	if !strings.Contains(embedText(card), "closed") || len(buttons(t, card)) != 0 {
		t.Errorf("card %q with buttons %v, want closed without buttons", embedText(card), buttons(t, card))
	}
	if got := h.room(h.incidentNow(1)); got.Voice != "" {
		t.Errorf("room %+v still records the deleted bridge", got)
	}
}

// A process that created the channel but died before recording it: the next attempt
// finds the channel and carries on in it, instead of opening a second war room.
func TestUnrecordedRoomIsAdopted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := &mim.Incident{Number: 2, Title: "DB down", RoomName: "mi-2-db-down", Priority: mim.P1, Major: true, State: mim.Investigating,
		Impact: mim.High, Urgency: mim.Medium, DeclaredBy: "sam", IM: "alice", DeclaredAt: t0, Bridge: "https://meet.jit.si/mi-2-db-down"}
	crash := errors.New("the process died")
	_, err := openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName}, func(context.Context, mim.WarRoom) error { return crash })
	if !errors.Is(err, crash) {
		t.Fatalf("first attempt: %v, want the crash", err)
	}
	var recorded []mim.WarRoom
	room, err := openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName}, func(_ context.Context, r mim.WarRoom) error { recorded = append(recorded, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range h.fake.Channels() {
		if strings.HasPrefix(c.Name, "mi-2-") {
			names = append(names, c.Name)
		}
	}
	if len(names) != 2 || room.Name != "mi-2-db-down" || room.Card == "" || room.Voice == "" {
		t.Errorf("channels %v, room %+v: want one war room (and its bridge), finished", names, room)
	}
	if len(recorded) == 0 || recorded[0].ID != room.ID {
		t.Errorf("recorded %+v, want the adopted room first", recorded)
	}
}

// Someone paged after the room opened can post in it and join the bridge once the
// card is refreshed.
func TestLaterPagesAreLetIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	text, _ := h.fake.Channel(room.ID)
	if _, ok := overwriteOf(text, id(h, "ivan")); ok {
		t.Fatalf("ivan (network) may post before he is paged")
	}
	i := h.command(inc.IM, room.ID, "page", opt("text", "network"))
	h.post(i)
	h.eventually("the page", func() bool { return strings.Contains(h.answer(i.ID).Content, "Paged network") })
	h.drain()
	text, _ = h.fake.Channel(room.ID)
	if o, ok := overwriteOf(text, id(h, "ivan")); !ok || o.Allow&discordfake.PermSendMessages == 0 {
		t.Errorf("ivan may not post in the war room: %+v", text.PermissionOverwrites)
	}
	voice, _ := h.fake.Channel(room.Voice)
	if o, ok := overwriteOf(voice, id(h, "ivan")); !ok || o.Allow&discordfake.PermConnect == 0 {
		t.Errorf("ivan may not join the bridge: %+v", voice.PermissionOverwrites)
	}
	for _, k := range []string{"sam", "frank"} {
		if o, ok := overwriteOf(text, id(h, k)); !ok || o.Allow&discordfake.PermSendMessages == 0 {
			t.Errorf("%s lost access when ivan was let in", k)
		}
	}
}

// listings counts the calls that listed the guild's channels.
func listings(h *harness) int {
	n := 0
	for _, c := range h.fake.Calls() {
		if c.Route == "GET /guilds/{guild_id}/channels" {
			n++
		}
	}
	return n
}

// mi2 is an incident declared now whose war room nobody opened yet.
func mi2(h *harness) *mim.Incident {
	return &mim.Incident{Number: 2, Title: "DB down", RoomName: "mi-2-db-down", Priority: mim.P1, Major: true, State: mim.Investigating,
		Impact: mim.High, Urgency: mim.Medium, DeclaredBy: "sam", IM: "alice", DeclaredAt: h.clock.Now(), Bridge: "https://meet.jit.si/mi-2-db-down"}
}

// roomsNamed lists the text channels whose name starts with prefix.
func roomsNamed(h *harness, prefix string) []discordfake.Channel {
	var out []discordfake.Channel
	for _, c := range h.fake.Channels() {
		if c.Type == discordfake.ChannelText && strings.HasPrefix(c.Name, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// A declaration goes straight to creating its room, with its topic: the guild's
// channels are known from earlier, and the topic needs no change of its own before
// the bridge exists.
func TestDeclareCreatesTheRoomWithoutListing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	h.fake.ResetCalls()
	inc := mi2(h)
	var first string // the topic when the room was first recorded
	room, err := openRoom(h.ctx, h.adapter, mim.RoomRequest{Incident: inc, Name: inc.RoomName}, func(_ context.Context, r mim.WarRoom) error {
		if ch, ok := h.fake.Channel(r.ID); ok && first == "" {
			first = ch.Topic
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := listings(h); n != 0 {
		t.Errorf("the second room listed the guild's channels %d times", n)
	}
	if !strings.Contains(first, inc.Bridge) {
		t.Errorf("topic %q as the room was created, want the bridge's link", first)
	}
	ch, _ := h.fake.Channel(room.ID)
	if !strings.Contains(ch.Topic, inc.Bridge) || !strings.Contains(ch.Topic, "<#"+room.Voice+">") {
		t.Errorf("topic %q, want the bridge's link and voice channel", ch.Topic)
	}
	if pins := h.fake.Pins(room.ID); len(pins) != 1 || pins[0].ID != room.Card || room.Voice == "" {
		t.Errorf("room %+v with %d pins, want its bridge and pinned card", room, len(pins))
	}
}

// A process that created a room but died before recording it, while another replica
// already knew the guild's channels: the replica that tries again (once the relay's
// lease ran out) looks again, and carries on in that channel.
func TestRetryInAnotherReplicaAdoptsTheRoom(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	warm := h.adapter
	inc := mi2(h)
	crash := errors.New("the process died")
	_, err := openRoom(h.ctx, h.newAdapter(h.cfg), mim.RoomRequest{Incident: inc, Name: inc.RoomName}, func(context.Context, mim.WarRoom) error { return crash })
	if !errors.Is(err, crash) {
		t.Fatalf("first attempt: %v, want the crash", err)
	}
	h.clock.Advance(30 * time.Second)
	h.fake.ResetCalls()
	room, err := openRoom(h.ctx, warm, mim.RoomRequest{Incident: inc, Name: inc.RoomName}, func(context.Context, mim.WarRoom) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if rooms := roomsNamed(h, "mi-2-"); len(rooms) != 1 || rooms[0].ID != room.ID || room.Card == "" {
		t.Errorf("war rooms %+v, room %+v: want the one created by the crashed attempt, finished", rooms, room)
	}
	if listings(h) == 0 {
		t.Errorf("the retry did not look for the room an earlier attempt created")
	}
}

// Someone deleted the war-room category since the adapter last looked: the next room
// goes into a new one.
func TestDeletedCategoryIsCreatedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.room(h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database")))
	text, _ := h.fake.Channel(first.ID)
	deleteChannel(t, h, text.ParentID)
	inc := h.declare("Checkout slow", opt("impact", "high"), opt("urgency", "high"), opt("towers", "application"))
	recorded := h.room(inc)
	if pins := h.fake.Pins(recorded.ID); !recorded.Ready || recorded.Voice == "" || len(pins) != 1 || pins[0].ID != recorded.Card {
		t.Errorf("war room %+v with %d pins, want ready with its bridge and pinned card", recorded, len(pins))
	}
	room, _ := h.fake.Channel(recorded.ID)
	cat, _ := h.fake.Channel(room.ParentID)
	if cat.Name != "Major incidents" || cat.ID == text.ParentID {
		t.Errorf("the room is in %q (%s), want a new Major incidents", cat.Name, cat.ID)
	}
	if rooms := roomsNamed(h, "mi-2-"); len(rooms) != 1 {
		t.Errorf("%d war rooms for the incident, want 1", len(rooms))
	}
}

// deleteChannel deletes a channel as a person would, outside the adapter.
func deleteChannel(t *testing.T, h *harness, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, h.fake.URL()+"/api/v10/channels/"+id, nil)
	req.Header.Set("Authorization", "Bot "+h.fake.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delete channel %s: HTTP %d", id, resp.StatusCode)
	}
}

// Two replicas opening their first war rooms at the same moment each create the "Major
// incidents" category; they settle on the oldest, and the other one is deleted.
func TestReplicasShareOneCategory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	other := h.newAdapter(h.cfg)                        // a second replica: its own cache, the same guild and store
	h.fake.SetLatency("/guilds/", 200*time.Millisecond) // both replicas look before either creates
	var incs []*mim.Incident
	for _, title := range []string{"Payments down", "Search down"} {
		inc, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: title, Impact: mim.High, Urgency: mim.High, By: "sam", Platform: discord.Platform})
		if err != nil {
			t.Fatal(err)
		}
		incs = append(incs, inc)
	}
	var wg sync.WaitGroup
	for i, a := range []*discord.Adapter{h.adapter, other} {
		inc := incs[i]
		wg.Go(func() {
			_, err := openRoom(h.ctx, a, mim.RoomRequest{Incident: inc, Name: inc.RoomName, Attempt: 1}, func(ctx context.Context, r mim.WarRoom) error { return h.svc.RecordRoom(ctx, inc.Number, r) })
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var cats []string
	for _, c := range h.fake.Channels() {
		if c.Type == discordfake.ChannelCategory && c.Name == "Major incidents" {
			cats = append(cats, c.ID)
		}
	}
	if len(cats) != 1 {
		t.Fatalf("categories %v, want one", cats)
	}
	for _, name := range []string{"mi-1-payments-down", "mi-2-search-down"} {
		if c, ok := h.fake.ChannelByName(name); !ok || c.ParentID != cats[0] {
			t.Errorf("#%s is under %q, want the one category %s", name, c.ParentID, cats[0])
		}
	}
}

// A guild that holds its 500 channels: the oldest archived war room makes room for the
// new one, and the new incident still gets its war room.
func TestFullGuildPrunesOldestArchivedRoom(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withFake(func(o *discordfake.Options) {
		o.Channels = append(o.Channels,
			discordfake.Channel{ID: "900000000000000001", Name: "Archived incidents", Type: discordfake.ChannelCategory},
			discordfake.Channel{ID: "900000000000000002", Name: "mi-0-old-outage", Type: discordfake.ChannelText, ParentID: "900000000000000001"},
			discordfake.Channel{ID: "900000000000000003", Name: "mi-00-later-outage", Type: discordfake.ChannelText, ParentID: "900000000000000001"},
			discordfake.Channel{ID: "900000000000000004", Name: "Major incidents", Type: discordfake.ChannelCategory})
		for len(o.Channels) < 500 {
			o.Channels = append(o.Channels, discordfake.Channel{Name: fmt.Sprintf("team-%d", len(o.Channels)), Type: discordfake.ChannelText})
		}
	}))
	if n := len(h.fake.Channels()); n != 500 {
		t.Fatalf("the guild holds %d channels, want 500", n)
	}
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	if _, ok := h.fake.Channel(h.room(inc).ID); !ok {
		t.Fatal("no war room")
	}
	if _, ok := h.fake.Channel("900000000000000002"); ok {
		t.Error("the oldest archived war room is still there")
	}
	if _, ok := h.fake.Channel("900000000000000003"); !ok {
		t.Error("a newer archived war room was deleted too")
	}
}

package discord

import (
	"context"
	"strconv"
	"testing"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// roomsOf is a bot.Surface that knows only which channels are recorded war rooms.
type roomsOf map[string]int

func (r roomsOf) IncidentByRoom(_ context.Context, _, room string) (*mim.Incident, error) {
	if n, ok := r[room]; ok {
		return &mim.Incident{Number: n}, nil
	}
	return nil, mim.Errorf(mim.ENOTFOUND, "no war room %s", room)
}

// The methods orphan does not use.
func (roomsOf) Commit(context.Context, bot.Request) bot.Reply { return bot.Reply{} }
func (roomsOf) Handle(context.Context, bot.Request) bot.Reply { return bot.Reply{} }
func (roomsOf) Slow(string) bool                              { return false }
func (roomsOf) Person(string, string) (string, error)         { return "", nil }
func (roomsOf) Capture(context.Context, int, string, string, string) (*mim.Incident, error) {
	return nil, nil
}
func (roomsOf) Models(context.Context) ([]mim.Model, error) { return nil, nil }
func (roomsOf) Config() *mim.Config                         { return &mim.Config{} }
func (roomsOf) Now() time.Time                              { return time.Time{} }

// snowflakeAt is a Discord id made at t.
func snowflakeAt(t time.Time, seq int) string {
	return strconv.FormatUint(uint64(t.UnixMilli()-1420070400000)<<22|uint64(seq), 10)
}

// A process created the war room's channel in the first category, filling it, and died
// before recording it; the retry would create a new room in "Major incidents 2". It must
// find the unrecorded channel in the full category and adopt it, not open a second room
// (the chaos suite saw #42 get two channels that way).
func TestOrphanInAnotherWarRoomCategory(t *testing.T) {
	declared := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	chans := []channel{
		{ID: "900", Type: channelCategory, Name: "Major incidents"},
		{ID: "901", Type: channelCategory, Name: "Major incidents 2"},
		{ID: "902", Type: channelCategory, Name: "Archived incidents"},
		{ID: "903", Type: channelCategory, Name: "Major incidents old"},
		// Recorded by incident 41, in the first category.
		{ID: snowflakeAt(declared.Add(time.Second), 1), Type: channelText, Name: "mi-42-outage", ParentID: "900"},
		// Not war-room categories: never adopted.
		{ID: snowflakeAt(declared.Add(time.Second), 2), Type: channelText, Name: "mi-42-outage-2", ParentID: "902"},
		{ID: snowflakeAt(declared.Add(time.Second), 3), Type: channelText, Name: "mi-42-outage-3", ParentID: "903"},
		// The orphan, in the first (full) category.
		{ID: snowflakeAt(declared.Add(2*time.Second), 4), Type: channelText, Name: "mi-42-outage-4", ParentID: "900"},
	}
	a := &Adapter{surface: roomsOf{chans[4].ID: 41}}
	got, ok := a.orphan(context.Background(), chans, "mi-42-outage", declared)
	if !ok || got.ID != chans[7].ID {
		t.Fatalf("orphan = %+v, %v; want %s in the full first category", got, ok, chans[7].Name)
	}
	if ids := warRoomCategories(chans); len(ids) != 2 || !ids["900"] || !ids["901"] {
		t.Errorf("war-room categories %v, want 900 and 901", ids)
	}
}

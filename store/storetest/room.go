package storetest

import (
	"testing"
	"time"

	"mimbot/mim"
)

func roomTests() []test {
	return []test{
		{"Lookup", testRoomLookup},
		{"TakenByAnotherIncident", testRoomTaken},
		{"Replaced", testRoomReplaced},
	}
}

// room returns the number of the incident IncidentByRoom finds, or fails the test.
func room(t *testing.T, s mim.Store, platform, id string) int {
	t.Helper()
	inc, err := s.IncidentByRoom(t.Context(), platform, id)
	if err != nil {
		t.Fatalf("IncidentByRoom(%s, %s): %v", platform, id, err)
	}
	if inc.Timeline == nil {
		t.Errorf("IncidentByRoom(%s, %s) came without its timeline", platform, id)
	}
	return inc.Number
}

// noRoom fails the test unless IncidentByRoom says not found.
func noRoom(t *testing.T, s mim.Store, platform, id string) {
	t.Helper()
	inc, err := s.IncidentByRoom(t.Context(), platform, id)
	wantCode(t, err, mim.ENOTFOUND)
	if inc != nil {
		t.Errorf("IncidentByRoom(%s, %s) returned an incident with its error", platform, id)
	}
}

func testRoomLookup(t *testing.T, s mim.Store) {
	declare(t, s, "", nil) // #1, no room
	inc := declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C2", Name: "mi-2-payments-down"}}
	})
	if n := room(t, s, "slack", "C2"); n != inc.Number {
		t.Errorf("slack C2 belongs to #%d, want #%d", n, inc.Number)
	}
	// A room recorded later, on another platform.
	update(t, s, inc.Number, func(inc *mim.Incident, _ *mim.Change) {
		inc.SetRoom(mim.WarRoom{Platform: "discord", ID: "D2"})
	})
	if n := room(t, s, "discord", "D2"); n != inc.Number {
		t.Errorf("discord D2 belongs to #%d, want #%d", n, inc.Number)
	}
	if n := room(t, s, "slack", "C2"); n != inc.Number {
		t.Errorf("after adding discord, slack C2 belongs to #%d, want #%d", n, inc.Number)
	}
	noRoom(t, s, "discord", "C2") // same id, other platform
	noRoom(t, s, "slack", "C404")
}

func testRoomTaken(t *testing.T, s mim.Store) {
	first := declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1"}}
	})
	second := declare(t, s, "", nil)
	_, err := s.UpdateIncident(t.Context(), second.Number, func(inc *mim.Incident, ch *mim.Change) error {
		inc.SetRoom(mim.WarRoom{Platform: "slack", ID: "C1"})
		ch.Log(at(time.Minute), mim.KindWarRoom, mim.Bot, "should not be saved")
		return nil
	})
	wantCode(t, err, mim.ECONFLICT)
	if got := get(t, s, second.Number); len(got.WarRooms) != 0 || len(got.Timeline) != 1 {
		t.Errorf("refused update saved %d rooms and %d entries, want none and the declaration", len(got.WarRooms), len(got.Timeline))
	}
	_, _, err = s.CreateIncident(t.Context(), "", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
		basic(inc, ch)
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1"}}
		return nil
	})
	wantCode(t, err, mim.ECONFLICT)
	if list, err := s.Incidents(t.Context(), mim.Filter{}); err != nil || len(list) != 2 {
		t.Errorf("Incidents = %d, %v; want the 2 declared before the refused one", len(list), err)
	}
	if n := room(t, s, "slack", "C1"); n != first.Number {
		t.Errorf("slack C1 belongs to #%d, want #%d", n, first.Number)
	}
}

func testRoomReplaced(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1"}}
	})
	// The channel was archived by hand and the incident moved to a new one.
	update(t, s, inc.Number, func(inc *mim.Incident, _ *mim.Change) {
		inc.SetRoom(mim.WarRoom{Platform: "slack", ID: "C9"})
	})
	if n := room(t, s, "slack", "C9"); n != inc.Number {
		t.Errorf("slack C9 belongs to #%d, want #%d", n, inc.Number)
	}
	noRoom(t, s, "slack", "C1")
	// The old channel is free for another incident.
	declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1"}}
	})
}

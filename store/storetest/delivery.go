package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// pending runs PendingMessages and fails the test if it fails.
func pending(t *testing.T, s mim.Store) map[string]int {
	t.Helper()
	n, err := s.PendingMessages(t.Context())
	if err != nil {
		t.Fatalf("PendingMessages: %v", err)
	}
	return n
}

// testServedPlatforms: a process claims only the messages of the platforms it
// serves; the others stay pending for a process that serves them, and are counted.
func testServedPlatforms(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	say(t, s, n, msg("slack", n, "to slack"), msg("teams", n, "to teams"), msg("discord", n, "to discord"))
	if got := claimDeliveries(t, s, at(0), "w", nil, 10); len(got) != 0 {
		t.Fatalf("a claim for no platform got %d messages", len(got))
	}
	got := claimDeliveries(t, s, at(0), "w", []string{"slack", "discord"}, 10)
	var claimed []string
	for _, d := range got {
		claimed = append(claimed, d.Message.Text)
		done(t, s, d.Message.ID)
	}
	if diff := cmp.Diff([]string{"to slack", "to discord"}, claimed); diff != "" {
		t.Fatalf("claimed for slack and discord (-want +got):\n%s", diff)
	}
	// Later claims, after every lease ran out, still leave teams alone.
	if got := claimDeliveries(t, s, at(time.Hour), "w", []string{"slack", "discord"}, 10); len(got) != 0 {
		t.Errorf("claimed %d more messages, want none: the rest is for teams", len(got))
	}
	if diff := cmp.Diff(map[string]int{"teams": 1}, pending(t, s)); diff != "" {
		t.Errorf("PendingMessages (-want +got):\n%s", diff)
	}
	teams := claimDeliveries(t, s, at(time.Hour), "w", []string{"teams"}, 10)
	if len(teams) != 1 || teams[0].Message.Text != "to teams" {
		t.Fatalf("claim for teams: %+v, want [to teams]", teams)
	}
	done(t, s, teams[0].Message.ID)
	if diff := cmp.Diff(map[string]int{}, pending(t, s)); diff != "" {
		t.Errorf("PendingMessages after every delivery (-want +got):\n%s", diff)
	}
}

// testFIFOPerPlatform: a claim for one platform still hands out each queue in order,
// and a head that another platform's process holds does not hold up this one's.
func testFIFOPerPlatform(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	say(t, s, n, msg("teams", n, "teams 1"), msg("slack", n, "slack 1"), msg("slack", n, "slack 2"), msg("teams", n, "teams 2"))
	if diff := cmp.Diff(map[string]int{"slack": 2, "teams": 2}, pending(t, s)); diff != "" {
		t.Errorf("PendingMessages (-want +got):\n%s", diff)
	}
	first := claimDeliveries(t, s, at(0), "w", []string{"slack"}, 10)
	if len(first) != 1 || first[0].Message.Text != "slack 1" {
		t.Fatalf("first claim for slack: %+v, want only the head [slack 1]", first)
	}
	if got := claimDeliveries(t, s, at(0), "w", []string{"slack"}, 10); len(got) != 0 {
		t.Fatalf("claimed %d while the head of the slack queue is leased", len(got))
	}
	done(t, s, first[0].Message.ID)
	second := claimDeliveries(t, s, at(0), "w", []string{"slack"}, 10)
	if len(second) != 1 || second[0].Message.Text != "slack 2" {
		t.Fatalf("second claim for slack: %+v, want [slack 2]", second)
	}
	if diff := cmp.Diff(map[string]int{"slack": 1, "teams": 2}, pending(t, s)); diff != "" {
		t.Errorf("PendingMessages (-want +got):\n%s", diff)
	}
}

// testDelivery: a claimed message comes with its incident (without the timeline: a
// delivery does not read it) and the incident's war room on the message's platform.
func testDelivery(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1", Name: "mi-1-payments", Ready: true}}
	})
	n := inc.Number
	say(t, s, n, msg("slack", n, "in the room"), msg("discord", n, "no room here"))
	got := claimDeliveries(t, s, at(0), "w", []string{"discord", "slack"}, 10)
	if len(got) != 2 {
		t.Fatalf("claimed %d messages, want 2", len(got))
	}
	want := get(t, s, n)
	want.Timeline = nil
	for _, d := range got {
		if diff := cmp.Diff(want, d.Incident); diff != "" {
			t.Errorf("%s: incident (-want +got):\n%s", d.Message.Text, diff)
		}
	}
	if diff := cmp.Diff(&mim.WarRoom{Platform: "slack", ID: "C1", Name: "mi-1-payments", Ready: true}, got[0].Room); diff != "" {
		t.Errorf("war room on slack (-want +got):\n%s", diff)
	}
	if got[1].Room != nil {
		t.Errorf("war room on discord = %+v, want none", got[1].Room)
	}
}

// testGlobalDelivery: a message about no single incident (the digest) comes without
// one.
func testGlobalDelivery(t *testing.T, s mim.Store) {
	declare(t, s, "", nil)
	if err := s.EnsureTimer(t.Context(), mim.Timer{Key: mim.TimerDigest, Due: at(0)}); err != nil {
		t.Fatal(err)
	}
	ts := claimTimers(t, s, at(0), "w", 10)
	if len(ts) != 1 {
		t.Fatalf("claimed %d timers, want the digest", len(ts))
	}
	digest := mim.Outgoing{Platform: "slack", To: mim.ToStakeholders, Kind: mim.KindUpdate, Text: "digest", Created: at(0)}
	if err := s.CompleteTimer(t.Context(), ts[0], nil, []mim.Outgoing{digest}); err != nil {
		t.Fatal(err)
	}
	got := claimDeliveries(t, s, at(0), "w", []string{"slack"}, 10)
	if len(got) != 1 || got[0].Message.Text != "digest" {
		t.Fatalf("claimed %+v, want the digest", got)
	}
	if got[0].Incident != nil || got[0].Room != nil {
		t.Errorf("digest came with incident %+v, room %+v; want neither", got[0].Incident, got[0].Room)
	}
}

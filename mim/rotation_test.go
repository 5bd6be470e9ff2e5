package mim_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"

	"mimbot/mim"
)

func mustCron(t *testing.T, spec string) cron.Schedule {
	t.Helper()
	s, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRotationOnCall(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) // a Monday
	r := mim.Rotation{Members: []string{"alice", "bob", "carol"}, Start: start, Handoff: mustCron(t, "CRON_TZ=UTC 0 9 * * MON")}
	tests := []struct {
		name string
		at   time.Time
		want string
		end  time.Time
	}{
		{"before the start the first member", start.Add(-time.Hour), "alice", start},
		{"first shift", start.Add(time.Hour), "alice", start.AddDate(0, 0, 7)},
		{"exactly at the first handoff", start.AddDate(0, 0, 7), "bob", start.AddDate(0, 0, 14)},
		{"a second before the handoff", start.AddDate(0, 0, 7).Add(-time.Second), "alice", start.AddDate(0, 0, 7)},
		{"third week", start.AddDate(0, 0, 15), "carol", start.AddDate(0, 0, 21)},
		{"wraps around", start.AddDate(0, 0, 21), "alice", start.AddDate(0, 0, 28)},
		{"a year later", start.AddDate(0, 0, 7*52+1), "bob", start.AddDate(0, 0, 7*53)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.OnCall(tc.at)
			if got.Member != tc.want || !got.End.Equal(tc.end) {
				t.Errorf("OnCall(%v) = %s until %v, want %s until %v", tc.at, got.Member, got.End, tc.want, tc.end)
			}
		})
	}
}

func TestRotationInTimeZone(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	// 09:00 London is 08:00 UTC in summer: the handoff must follow the zone.
	r := mim.Rotation{Members: []string{"alice", "bob"}, Start: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), Handoff: mustCron(t, "CRON_TZ=Europe/London 0 9 * * MON")}
	at := time.Date(2026, 6, 8, 8, 30, 0, 0, time.UTC) // 09:30 London, after the handoff
	if got := r.OnCall(at).Member; got != "bob" {
		t.Errorf("on call at %v (%v London) = %s, want bob", at, at.In(london), got)
	}
}

func TestSelectIM(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	cfg := &mim.Config{
		Rotation:      mim.Rotation{Members: []string{"alice", "bob", "carol"}, Start: start, Handoff: mustCron(t, "CRON_TZ=UTC 0 9 * * MON")},
		MaxConcurrent: 1,
		Towers: map[string]mim.Tower{
			"application": {Leads: []string{"alice", "dave"}},
			"database":    {Leads: []string{"bob"}},
		},
	}
	none := func(string) int { return 0 }
	tests := []struct {
		name   string
		towers []string
		held   func(string) int
		want   mim.Selection
	}{
		{"on call and neutral", []string{"database"}, none, mim.Selection{IM: "alice", Skips: nil}},
		{"on call leads an impacted tower", []string{"application"}, none, mim.Selection{IM: "bob", Skips: []mim.Skip{{Member: "alice", Reason: "leads the impacted application tower"}}}},
		{"two skipped", []string{"application", "database"}, none, mim.Selection{IM: "carol", Skips: []mim.Skip{
			{Member: "alice", Reason: "leads the impacted application tower"},
			{Member: "bob", Reason: "leads the impacted database tower"}}}},
		{"busy member skipped", nil, func(k string) int {
			if k == "alice" {
				return 1
			}
			return 0
		}, mim.Selection{IM: "bob", Skips: []mim.Skip{{Member: "alice", Reason: "already manages 1 open major incident(s) (max_concurrent 1)"}}}},
		{"nobody eligible", []string{"application", "database"}, func(k string) int {
			if k == "carol" {
				return 3
			}
			return 0
		}, mim.Selection{IM: "", Skips: []mim.Skip{
			{Member: "alice", Reason: "leads the impacted application tower"},
			{Member: "bob", Reason: "leads the impacted database tower"},
			{Member: "carol", Reason: "already manages 3 open major incident(s) (max_concurrent 1)"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mim.SelectIM(cfg, tc.towers, start.Add(time.Hour), tc.held)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SelectIM mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoomName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "mi-1-payments-down", "mi-1-payments-down"},
		{"upper and spaces", "MI 1 Payments.Down", "mi-1-payments-down"},
		{"specials dropped", "mi-2-€uro/pay!", "mi-2-uropay"},
		{"cut to 80", "mi-3-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "mi-3-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mim.WarRoomName(tc.in, 1, 80); got != tc.want || len(got) > 80 {
				t.Errorf("WarRoomName(%q, 1, 80) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := mim.Slug("Payments DOWN in EU-west!!"); got != "payments-down-in-eu-west" {
		t.Errorf("Slug = %q", got)
	}
}

func TestPriorityParse(t *testing.T) {
	for _, s := range []string{"P9", "p", "high", ""} {
		if _, err := mim.ParsePriority(s); mim.ErrorCode(err) != mim.EINVALID {
			t.Errorf("ParsePriority(%q) error = %v, want an invalid error", s, err)
		}
	}
	if p, err := mim.ParsePriority("p1"); err != nil || p != mim.P1 {
		t.Errorf("ParsePriority(p1) = %v, %v", p, err)
	}
	if _, err := mim.ParseLevel("impact", "huge"); err == nil || mim.ErrorMessage(err) != "impact=huge is not valid: use impact=high, impact=medium or impact=low" {
		t.Errorf("ParseLevel(huge) = %v", err)
	}
}

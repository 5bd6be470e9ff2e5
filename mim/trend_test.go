package mim_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func ratio(f float64) *float64 { return &f }
func secs(s int64) *int64      { return &s }

// trendConfig is the policy and OLAs the trend fixture is computed with: P1 respond
// 15m, resolve 8h, update every 30m; P3 respond 8h, resolve 72h; both towers ack 10m.
func trendConfig(t *testing.T) *mim.Config {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return &mim.Config{
		Location: london,
		Towers: map[string]mim.Tower{
			"application": {Name: "application", AckWithin: 10 * time.Minute},
			"database":    {Name: "database", AckWithin: 10 * time.Minute},
		},
		Policy: mim.Policy{Targets: map[mim.Priority]mim.Target{
			mim.P1: {Respond: 15 * time.Minute, Resolve: 8 * time.Hour, UpdateEvery: 30 * time.Minute},
			mim.P3: {Respond: 8 * time.Hour, Resolve: 72 * time.Hour},
		}},
	}
}

// TrendFixture is the hand-computed fixture: five incidents, four problems, three
// actions; the window is London's October and November 2026.
//
//	A P1 application, IM alice, declared 2026-10-01 00:30 London (2026-09-30 23:30 UTC:
//	  October in London, September in UTC). Responded +10m (met: 15m), resolved +6h
//	  (met: 8h from the policy, no stored deadline). dave paged +1m, acked +5m (4m: met).
//	  Cadence: 3 on time, 1 late.
//	B P1 application+database, IM bob, 2026-11-10 10:00. Responded +20m (missed),
//	  resolved +9h against a stored deadline of +8h (missed). dave paged +1m, acked +15m
//	  (14m: missed); frank paged +1m, replaced (missed); gina paged +11m, acked +12m (met).
//	  Cadence: 2 on time, 2 missed.
//	C P3 database, minor, 2026-11-20 10:00, never responded nor resolved: at Until
//	  both the 8h and the 72h targets are past (respond missed, resolve missed).
//	D P1 application, IM alice, cancelled 2026-11-25: no respond or resolve clock;
//	  dave paged +1m, acked +2m (met).
//	E P1 application, IM alice, 2026-11-30 23:55, 5 minutes before Until: both clocks
//	  still running (left out); erin paged 23:56, not acked, 4m of 10m (left out); a
//	  person paged by name has no OLA (left out).
//
// Total: 5 incidents, 4 major. MTTA (600+1200)/2 = 900 s. MTTR (21600+32400)/2 =
// 27000 s. Respond A met, B and C missed: 1/3. Resolve A met, B and C missed: 1/3.
// Updates (3+2)/(4+4) = 0.625. Pages A dave, B gina, D dave met of five: 0.6.
func TestTrendsFixture(t *testing.T) {
	cfg := trendConfig(t)
	utc := func(s string) time.Time {
		t.Helper()
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	a, b, c := utc("2026-09-30T23:30:00Z"), utc("2026-11-10T10:00:00Z"), utc("2026-11-20T10:00:00Z")
	d, e := utc("2026-11-25T10:00:00Z"), utc("2026-11-30T23:55:00Z")
	m := time.Minute
	rows := mim.TrendRows{
		Since: utc("2026-09-30T23:00:00Z"), // midnight in London
		Until: utc("2026-12-01T00:00:00Z"),
		Incidents: []mim.TrendIncident{
			{Number: 1, Priority: mim.P1, Major: true, State: mim.Closed, Towers: []string{"application"}, IM: "alice",
				DeclaredAt: a, RespondedAt: a.Add(10 * m), ResolvedAt: a.Add(6 * time.Hour),
				Pages:   []mim.Page{{Person: "dave", Tower: "application", PagedAt: a.Add(m), AckedAt: a.Add(5 * m)}},
				Updates: mim.UpdateTally{OnTime: 3, Late: 1}},
			{Number: 2, Priority: mim.P1, Major: true, State: mim.Resolved, Towers: []string{"application", "database"}, IM: "bob",
				DeclaredAt: b, RespondedAt: b.Add(20 * m), ResolvedAt: b.Add(9 * time.Hour), ResolveDue: b.Add(8 * time.Hour),
				Pages: []mim.Page{
					{Person: "dave", Tower: "application", PagedAt: b.Add(m), AckedAt: b.Add(15 * m)},
					{Person: "frank", Tower: "database", PagedAt: b.Add(m), Replaced: true},
					{Person: "gina", Tower: "database", Level: 1, PagedAt: b.Add(11 * m), AckedAt: b.Add(12 * m)},
				},
				Updates: mim.UpdateTally{OnTime: 2, Missed: 2}},
			{Number: 3, Priority: mim.P3, State: mim.Investigating, Towers: []string{"database"}, DeclaredAt: c},
			{Number: 4, Priority: mim.P1, Major: true, State: mim.Cancelled, Towers: []string{"application"}, IM: "alice",
				DeclaredAt: d, Pages: []mim.Page{{Person: "dave", Tower: "application", PagedAt: d.Add(m), AckedAt: d.Add(2 * m)}}},
			{Number: 5, Priority: mim.P1, Major: true, State: mim.Declared, Towers: []string{"application"}, IM: "alice",
				DeclaredAt: e, Pages: []mim.Page{
					{Person: "erin", Tower: "application", PagedAt: e.Add(m)},
					{Person: "hana", PagedAt: e.Add(m)},
				}},
		},
		// Open problems: PRB-1 (overdue, no root cause), PRB-2 (due after Until), PRB-4
		// (overdue but its root cause is in): 3, of which 1 overdue RCA. PRB-3 has its
		// permanent fix. Recurring: PRB-3 (3 incidents), then PRB-1 (2).
		Problems: []mim.TrendProblem{
			{Ref: "PRB-1", Due: utc("2026-11-20T00:00:00Z"), Open: true, Incidents: []int{1, 2}},
			{Ref: "PRB-2", Due: utc("2026-12-05T00:00:00Z"), Open: true, Incidents: []int{3}},
			{Ref: "PRB-3", Due: utc("2026-11-01T00:00:00Z"), Incidents: []int{4, 5, 6}},
			{Ref: "PRB-4", Due: utc("2026-11-01T00:00:00Z"), Open: true, RootCause: true, Incidents: []int{7}},
		},
		// Overdue: only the first (not done, due before Until).
		Actions: []mim.TrendAction{
			{Due: utc("2026-11-25T00:00:00Z")},
			{Due: utc("2026-11-25T00:00:00Z"), DoneAt: utc("2026-11-26T00:00:00Z")},
			{Due: utc("2026-12-10T00:00:00Z")},
		},
	}
	want := mim.TrendReport{
		Since: rows.Since,
		Until: rows.Until,
		Total: mim.Figures{Incidents: 5, Major: 4, MTTASeconds: secs(900), MTTRSeconds: secs(27000),
			RespondSLAMet: ratio(1.0 / 3), ResolveSLAMet: ratio(1.0 / 3), UpdatesOnTime: ratio(0.625), PagesAckedInOLA: ratio(0.6)},
		ByPriority: map[string]mim.Figures{
			// A, B, D, E: respond A met, B missed; resolve likewise; pages as the total.
			"P1": {Incidents: 4, Major: 4, MTTASeconds: secs(900), MTTRSeconds: secs(27000),
				RespondSLAMet: ratio(0.5), ResolveSLAMet: ratio(0.5), UpdatesOnTime: ratio(0.625), PagesAckedInOLA: ratio(0.6)},
			// C: both clocks missed, no response, no cadence, no pages.
			"P3": {Incidents: 1, RespondSLAMet: ratio(0), ResolveSLAMet: ratio(0)},
		},
		ByTower: map[string]mim.Figures{
			// A, B, D, E; the application pages only: A dave met, B dave missed, D dave
			// met (E's erin still running): 2/3.
			"application": {Incidents: 4, Major: 4, MTTASeconds: secs(900), MTTRSeconds: secs(27000),
				RespondSLAMet: ratio(0.5), ResolveSLAMet: ratio(0.5), UpdatesOnTime: ratio(0.625), PagesAckedInOLA: ratio(2.0 / 3)},
			// B and C: respond and resolve 0/2; B's cadence 2/4; frank missed, gina met.
			"database": {Incidents: 2, Major: 1, MTTASeconds: secs(1200), MTTRSeconds: secs(32400),
				RespondSLAMet: ratio(0), ResolveSLAMet: ratio(0), UpdatesOnTime: ratio(0.5), PagesAckedInOLA: ratio(0.5)},
		},
		ByMonth: []mim.MonthFigures{
			// A alone, in London's October.
			{Month: "2026-10", Figures: mim.Figures{Incidents: 1, Major: 1, MTTASeconds: secs(600), MTTRSeconds: secs(21600),
				RespondSLAMet: ratio(1), ResolveSLAMet: ratio(1), UpdatesOnTime: ratio(0.75), PagesAckedInOLA: ratio(1)},
				IncidentsByPriority: map[string]int{"P1": 1}},
			// B, C, D, E: respond B, C missed; resolve B, C missed; cadence B 2/4;
			// pages B 1/3 and D 1/1: 2/4.
			{Month: "2026-11", Figures: mim.Figures{Incidents: 4, Major: 3, MTTASeconds: secs(1200), MTTRSeconds: secs(32400),
				RespondSLAMet: ratio(0), ResolveSLAMet: ratio(0), UpdatesOnTime: ratio(0.5), PagesAckedInOLA: ratio(0.5)},
				IncidentsByPriority: map[string]int{"P1": 3, "P3": 1}},
		},
		// alice: A, D, E, cadence A 3/4; bob: B, 2/4.
		IncidentManagers: []mim.IMLoad{
			{Person: "alice", Incidents: 3, UpdatesOnTime: ratio(0.75)},
			{Person: "bob", Incidents: 1, UpdatesOnTime: ratio(0.5)},
		},
		Recurring:      []mim.Recurring{{Ref: "PRB-3", Incidents: 3}, {Ref: "PRB-1", Incidents: 2}},
		OpenProblems:   3,
		OverdueRCAs:    1,
		OverdueActions: 1,
	}
	got := mim.Trends(cfg, rows)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Trends (-want +got):\n%s", diff)
	}
}

// TestTrendsEdges: what has no clock is left out, never counted as met, and a window
// without incidents still lists its months, with no figure invented.
func TestTrendsEdges(t *testing.T) {
	cfg := trendConfig(t)
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rows mim.TrendRows
		want mim.Figures
		// months of the report
		months []string
	}{
		{
			name:   "no incidents",
			rows:   mim.TrendRows{Since: since, Until: since.AddDate(0, 0, 45)},
			months: []string{"2026-11", "2026-12"},
		},
		{
			name: "priority without targets",
			rows: mim.TrendRows{Since: since, Until: since.Add(30 * 24 * time.Hour), Incidents: []mim.TrendIncident{
				{Number: 1, Priority: mim.P4, State: mim.Investigating, DeclaredAt: since.Add(time.Hour)},
			}},
			want:   mim.Figures{Incidents: 1},
			months: []string{"2026-11"},
		},
		{
			name: "resolved inside the respond target with no response",
			rows: mim.TrendRows{Since: since, Until: since.Add(30 * 24 * time.Hour), Incidents: []mim.TrendIncident{
				{Number: 1, Priority: mim.P1, Major: true, State: mim.Resolved, DeclaredAt: since.Add(time.Hour), ResolvedAt: since.Add(time.Hour + 10*time.Minute)},
			}},
			want:   mim.Figures{Incidents: 1, Major: 1, MTTRSeconds: secs(600), ResolveSLAMet: ratio(1)},
			months: []string{"2026-11"},
		},
		{
			name: "unacked page past its OLA",
			rows: mim.TrendRows{Since: since, Until: since.Add(2 * time.Hour), Incidents: []mim.TrendIncident{
				{Number: 1, Priority: mim.P3, State: mim.Investigating, Towers: []string{"database"}, DeclaredAt: since,
					Pages: []mim.Page{{Person: "frank", Tower: "database", PagedAt: since}}},
			}},
			want:   mim.Figures{Incidents: 1, PagesAckedInOLA: ratio(0)},
			months: []string{"2026-11"},
		},
		{
			name: "unacked page of an incident resolved inside the OLA",
			rows: mim.TrendRows{Since: since, Until: since.Add(2 * time.Hour), Incidents: []mim.TrendIncident{
				{Number: 1, Priority: mim.P3, State: mim.Resolved, Towers: []string{"database"}, DeclaredAt: since, ResolvedAt: since.Add(5 * time.Minute),
					Pages: []mim.Page{{Person: "frank", Tower: "database", PagedAt: since}}},
			}},
			want:   mim.Figures{Incidents: 1, MTTRSeconds: secs(300), ResolveSLAMet: ratio(1)},
			months: []string{"2026-11"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mim.Trends(cfg, tt.rows)
			if diff := cmp.Diff(tt.want, got.Total); diff != "" {
				t.Errorf("total (-want +got):\n%s", diff)
			}
			var months []string
			for _, m := range got.ByMonth {
				months = append(months, m.Month)
			}
			if diff := cmp.Diff(tt.months, months); diff != "" {
				t.Errorf("months (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpdateTally: each cadence slot of a major incident ends once, as an update by
// its due time, an update after it, or the overdue escalation; the trend report's
// "updates on time" reads this tally.
func TestUpdateTally(t *testing.T) {
	h := newHarness(t, nil)
	inc := h.declare("Payments down", mim.High, mim.Medium, "application") // P1: update every 30m
	h.flush()
	update := func(text string) {
		t.Helper()
		if _, err := h.svc.Update(h.ctx, inc.Number, h.incident(inc.Number).IM, text); err != nil {
			t.Fatal(err)
		}
	}
	h.tick(10 * time.Minute)
	update("on time: due at +30m") // next due +40m
	h.tick(35 * time.Minute)       // +45m: late, not yet overdue (+55m)
	update("late")                 // next due +75m
	h.tick(46 * time.Minute)       // +91m: the overdue escalation (+90m) fired; next due +105m
	update("on time for the next slot")
	got := h.incident(inc.Number).Updates
	if diff := cmp.Diff(mim.UpdateTally{OnTime: 2, Late: 1, Missed: 1}, got); diff != "" {
		t.Errorf("tally (-want +got):\n%s", diff)
	}
}

// BenchmarkTrends computes the report of a year of 100,000 incidents, without the
// database: what mimbot adds to reading the rows.
func BenchmarkTrends(b *testing.B) {
	london, _ := time.LoadLocation("Europe/London")
	cfg := &mim.Config{Location: london,
		Towers: map[string]mim.Tower{"application": {AckWithin: 10 * time.Minute}, "database": {AckWithin: 10 * time.Minute}},
		Policy: mim.Policy{Targets: map[mim.Priority]mim.Target{mim.P1: {Respond: 15 * time.Minute, Resolve: 8 * time.Hour, UpdateEvery: 30 * time.Minute}}}}
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rows := mim.TrendRows{Since: until.Add(-8760 * time.Hour), Until: until}
	for i := range 100000 {
		at := rows.Since.Add(time.Duration(i) * 315 * time.Second)
		rows.Incidents = append(rows.Incidents, mim.TrendIncident{Number: i + 1, Priority: mim.P1, Major: true, State: mim.Closed,
			Towers: []string{"application", "database"}, IM: []string{"alice", "bob", "carol"}[i%3],
			DeclaredAt: at, RespondedAt: at.Add(time.Duration(i%30) * time.Minute), ResolvedAt: at.Add(time.Duration(i%12) * time.Hour),
			Pages:   []mim.Page{{Tower: "application", PagedAt: at, AckedAt: at.Add(time.Duration(i%20) * time.Minute)}, {Tower: "database", PagedAt: at, Replaced: true}},
			Updates: mim.UpdateTally{OnTime: 3, Late: i % 2}})
	}
	for b.Loop() {
		mim.Trends(cfg, rows)
	}
}

package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func incidentTests() []test {
	return []test{
		{"CreateWithoutRequestKey", testCreateWithoutRequestKey},
		{"CreateWithRequestKey", testCreateWithRequestKey},
		{"CreateSameRequestKey", testCreateSameRequestKey},
		{"CreateSameRequestKeyRace", testCreateSameRequestKeyRace},
		{"NumbersIncrease", testNumbersIncrease},
		{"CreateBuildErrorSavesNothing", testCreateBuildError},
		{"EveryFieldRoundTrips", testEveryFieldRoundTrips},
		{"Update", testUpdate},
		{"UpdateErrorSavesNothing", testUpdateError},
		{"NotFound", testNotFound},
		{"TimelineOrderAndIDs", testTimeline},
		{"TimelineLabels", testTimelineLabels},
		{"TimesMillisecondUTC", testTimes},
		{"ListFilters", testList},
		{"HeldByIncidentManager", testHeld},
		{"CreateGetsHeld", testCreateGetsHeld},
		{"ByRequestKey", testByRequestKey},
		{"RequestTakesEffectOnce", testRequestOnce},
	}
}

// testHeld counts open major incidents per IM: minor, closed and IM-less ones do not
// count, and a changed IM moves the count.
func testHeld(t *testing.T, s mim.Store) {
	ctx := t.Context()
	with := func(im string, major bool, state mim.State) *mim.Incident {
		return declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
			inc.IM, inc.Major, inc.State = im, major, state
		})
	}
	with("carol", true, mim.Investigating)
	with("carol", true, mim.Mitigated)
	with("carol", true, mim.Closed)
	with("carol", false, mim.Investigating)
	with("", true, mim.Investigating)
	moved := with("bob", true, mim.Identified)
	if _, err := s.UpdateIncident(ctx, moved.Number, func(inc *mim.Incident, _ *mim.Change) error {
		inc.IM = "alice"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Held(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"carol": 2, "alice": 1}, got); diff != "" {
		t.Errorf("Held (-want +got):\n%s", diff)
	}
}

// testCreateGetsHeld: the build of a new incident gets the open major incidents each
// IM holds, as Held counts them, so that choosing an IM needs no read of its own.
func testCreateGetsHeld(t *testing.T, s mim.Store) {
	for _, im := range []string{"carol", "carol", "dave"} {
		declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
			inc.IM, inc.State = im, mim.Investigating
		})
	}
	var got map[string]int
	_, _, err := s.CreateIncident(t.Context(), "", func(inc *mim.Incident, held map[string]int, ch *mim.Change) error {
		got = held
		basic(inc, ch)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"carol": 2, "dave": 1}, got); diff != "" {
		t.Errorf("held given to build (-want +got):\n%s", diff)
	}
}

func testCreateWithoutRequestKey(t *testing.T, s mim.Store) {
	var seen mim.Incident
	inc, created, err := s.CreateIncident(t.Context(), "", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
		seen = *inc
		basic(inc, ch)
		return nil
	})
	if err != nil || !created {
		t.Fatalf("CreateIncident = %v, %v, want created", created, err)
	}
	if seen.Number != 1 || seen.RequestKey != "" {
		t.Errorf("build saw number %d, request key %q; want 1 and \"\"", seen.Number, seen.RequestKey)
	}
	if inc.Number != 1 || inc.Title != "Payments down" || len(inc.Timeline) != 1 {
		t.Errorf("CreateIncident returned #%d %q with %d timeline entries, want #1 \"Payments down\" with 1", inc.Number, inc.Title, len(inc.Timeline))
	}
	if diff := cmp.Diff(inc, get(t, s, inc.Number)); diff != "" {
		t.Errorf("Incident differs from what CreateIncident returned (-created +read):\n%s", diff)
	}
}

func testCreateWithRequestKey(t *testing.T, s mim.Store) {
	var seen string
	inc, created, err := s.CreateIncident(t.Context(), "slack:T1:trigger-1", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
		seen = inc.RequestKey
		basic(inc, ch)
		return nil
	})
	if err != nil || !created {
		t.Fatalf("CreateIncident = %v, %v, want created", created, err)
	}
	if seen != "slack:T1:trigger-1" {
		t.Errorf("build saw request key %q, want slack:T1:trigger-1", seen)
	}
	if got := get(t, s, inc.Number).RequestKey; got != "slack:T1:trigger-1" {
		t.Errorf("stored request key = %q, want slack:T1:trigger-1", got)
	}
}

func testCreateSameRequestKey(t *testing.T, s mim.Store) {
	first := declare(t, s, "slack:T1:trigger-1", nil)
	// A retried slash command: the first declaration comes back, nothing is built.
	again, created, err := s.CreateIncident(t.Context(), "slack:T1:trigger-1", func(*mim.Incident, map[string]int, *mim.Change) error {
		t.Error("build called for a request key that declared an incident already")
		return nil
	})
	if err != nil || created {
		t.Fatalf("CreateIncident again = %v, %v; want the existing incident", created, err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("second CreateIncident (-first +second):\n%s", diff)
	}
	// Another key declares another incident.
	if other := declare(t, s, "slack:T1:trigger-2", nil); other.Number == first.Number {
		t.Errorf("another request key got the same incident #%d", other.Number)
	}
}

func testCreateSameRequestKeyRace(t *testing.T, s mim.Store) {
	// A platform retrying a slash command while the first attempt is still running.
	const n = 8
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		numbers [n]int
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Go(func() {
			<-start
			inc, c, err := s.CreateIncident(t.Context(), "slack:T1:double-click", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
				basic(inc, ch)
				return nil
			})
			if err == nil {
				numbers[i] = inc.Number
			}
			created[i], errs[i] = c, err
		})
	}
	close(start)
	wg.Wait()
	count := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("CreateIncident %d: %v", i, errs[i])
		}
		if created[i] {
			count++
		}
		if numbers[i] != numbers[0] {
			t.Errorf("racing declarations got incidents #%d and #%d", numbers[0], numbers[i])
		}
	}
	if count != 1 {
		t.Errorf("%d of %d racing declarations created an incident, want 1", count, n)
	}
	list, err := s.Incidents(t.Context(), mim.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d incidents stored, want 1", len(list))
	}
}

func testNumbersIncrease(t *testing.T, s mim.Store) {
	var got []int
	for _, key := range []string{"", "k1", "", "k2"} {
		got = append(got, declare(t, s, key, nil).Number)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, got); diff != "" {
		t.Errorf("numbers (-want +got):\n%s", diff)
	}
}

func testCreateBuildError(t *testing.T, s mim.Store) {
	refusal := mim.Errorf(mim.EINVALID, "towers=nope is not a tower")
	_, _, err := s.CreateIncident(t.Context(), "slack:T1:bad", func(inc *mim.Incident, _ map[string]int, ch *mim.Change) error {
		basic(inc, ch)
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1"}}
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(time.Minute)})
		ch.Messages = append(ch.Messages, mim.Outgoing{Platform: "slack", Incident: inc.Number, To: mim.ToWarRoom, Text: "hello", Created: at(0)})
		return refusal
	})
	if !errors.Is(err, refusal) {
		t.Fatalf("CreateIncident err = %v, want build's error unchanged", err)
	}
	if list, err := s.Incidents(t.Context(), mim.Filter{}); err != nil || len(list) != 0 {
		t.Errorf("Incidents = %d incidents, %v; want none", len(list), err)
	}
	if _, err := s.IncidentByRoom(t.Context(), "slack", "C1"); mim.ErrorCode(err) != mim.ENOTFOUND {
		t.Errorf("IncidentByRoom after a failed build: err = %v, want not found", err)
	}
	if due := nextDue(t, s); !due.IsZero() {
		t.Errorf("NextDue = %v, want no timer", due)
	}
	if ms := claimMessages(t, s, at(time.Hour), "w", 10); len(ms) != 0 {
		t.Errorf("messages queued by a failed build: %q", texts(ms))
	}
	// The request key was not used up.
	declare(t, s, "slack:T1:bad", nil)
}

// full sets, after basic, every field of inc but those the store owns (Number,
// Timeline).
func full(inc *mim.Incident, _ *mim.Change) {
	inc.State = mim.Closed
	inc.Towers = []string{"application", "database"}
	inc.Model = "payment-outage"
	inc.Platforms = []string{"slack", "discord"}
	inc.IM, inc.Comms = "bob", "carol"
	inc.Pages = []mim.Page{
		{Person: "dave", Tower: "application", Level: 0, PagedAt: at(2 * time.Minute), Replaced: true},
		{Person: "erin", Tower: "application", Level: 1, PagedAt: at(12 * time.Minute), AckedAt: at(14 * time.Minute)},
		{Person: "frank", PagedAt: at(15 * time.Minute)},
	}
	inc.WarRooms = []mim.WarRoom{
		{Platform: "slack", ID: "C0123", Name: "mi-1-payments-down", Ready: true, Card: "1772359200.000100"},
		{Platform: "discord", ID: "300000000000000003", Name: "mi-1-payments-down", Voice: "300000000000000004"},
	}
	inc.RoomName = "mi-1-payments-down"
	inc.Bridge = "https://meet.jit.si/mi-1-payments-down"
	inc.Diagnosis = "Expired certificate on the provider link"
	inc.Workaround = "Failed over to the secondary provider"
	inc.Resolution = "Certificate renewed"
	inc.Tasks = []mim.Task{
		{N: 1, Text: "Check the provider's status page", Owner: "dave", Done: true, AddedBy: "mimbot", DoneBy: "erin", DoneAt: at(20 * time.Minute)},
		{N: 2, Text: "Fail over", AddedBy: "bob"},
	}
	inc.Problem = &mim.Problem{Ref: "PRB-1", Owner: "bob", Due: at(5 * 24 * time.Hour), CreatedAt: at(50 * time.Minute)}
	inc.Summary = &mim.SummaryDoc{
		Markdown: "# #1 Payments down\n\n<@bob> led.",
		SVG:      `<svg xmlns="http://www.w3.org/2000/svg"/>`,
		Draft: &mim.Draft{
			Narrative: []mim.Statement{{Text: "The provider link failed & payments stopped.", Cites: []int{1}}},
			Factors:   []mim.Statement{{Text: "No certificate monitoring.", Cites: []int{1}}},
			Questions: []mim.Statement{{Text: "Why no alert?"}},
			Actions:   []mim.Statement{{Text: "Monitor expiry.", Cites: []int{1}}},
			Model:     "gpt-4o-mini",
		},
		DraftNote:  "Drafted by gpt-4o-mini",
		ApprovedBy: "bob",
		ApprovedAt: at(58 * time.Minute),
		CreatedAt:  at(52 * time.Minute),
	}
	inc.Similar = []mim.Similar{
		{Kind: mim.SimilarKnownError, Number: 2, Title: "Provider certificate expired", Workaround: "Fail over to the secondary provider",
			Towers: []string{"application"}, At: at(-48 * time.Hour), Matched: 2},
		{Kind: mim.SimilarIncident, Number: 7, Title: "Payments failing", Workaround: "Fail over", Towers: []string{"application", "network"},
			At: at(-24 * time.Hour), Took: 95 * time.Minute, Matched: 1},
	}
	inc.IMAssignedAt = at(time.Minute)
	inc.RespondedAt = at(5 * time.Minute)
	inc.FirstUpdateAt = at(5 * time.Minute)
	inc.LastUpdateAt = at(25 * time.Minute)
	inc.MitigatedAt = at(30 * time.Minute)
	inc.ResolvedAt = at(40 * time.Minute)
	inc.ClosedAt = at(50 * time.Minute)
	inc.NextUpdateDue = at(55 * time.Minute)
	inc.SnoozedUntil = at(45 * time.Minute)
}

func testEveryFieldRoundTrips(t *testing.T, s mim.Store) {
	inc := declare(t, s, "slack:T1:full", full)
	want := &mim.Incident{Number: inc.Number, RequestKey: "slack:T1:full"}
	var ch mim.Change
	basic(want, &ch)
	full(want, &ch)
	want.Timeline = []mim.Entry{{ID: inc.Timeline[0].ID, At: at(0), Kind: mim.KindDeclared, Actor: "alice", Text: "Declared #1"}}
	if diff := cmp.Diff(want, inc); diff != "" {
		t.Errorf("CreateIncident (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, get(t, s, inc.Number)); diff != "" {
		t.Errorf("Incident (-want +got):\n%s", diff)
	}
	list, err := s.Incidents(t.Context(), mim.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("Incidents = %d, %v; want 1", len(list), err)
	}
	want.Timeline = nil // lists do not load timelines
	if diff := cmp.Diff(want, list[0]); diff != "" {
		t.Errorf("Incidents (-want +got):\n%s", diff)
	}
}

func testUpdate(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	got := update(t, s, inc.Number, func(inc *mim.Incident, ch *mim.Change) {
		inc.State = mim.Investigating
		inc.IM = "bob"
		inc.IMAssignedAt = at(time.Minute)
		inc.Priority = mim.P0
		ch.Log(at(time.Minute), mim.KindIMAssigned, mim.Bot, "bob is the incident manager")
	})
	if got.State != mim.Investigating || got.IM != "bob" || got.Priority != mim.P0 || !got.IMAssignedAt.Equal(at(time.Minute)) {
		t.Errorf("UpdateIncident returned state %s, IM %q, %s, assigned %v; want the update", got.State, got.IM, got.Priority, got.IMAssignedAt)
	}
	if diff := cmp.Diff(got, get(t, s, inc.Number)); diff != "" {
		t.Errorf("Incident differs from what UpdateIncident returned (-updated +read):\n%s", diff)
	}
}

func testUpdateError(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", func(inc *mim.Incident, ch *mim.Change) {
		inc.WarRooms = []mim.WarRoom{{Platform: "slack", ID: "C1"}}
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: at(10 * time.Minute)})
	})
	refusal := mim.Errorf(mim.ECONFLICT, "#1 is declared: cannot close.")
	_, err := s.UpdateIncident(t.Context(), inc.Number, func(inc *mim.Incident, ch *mim.Change) error {
		inc.Title = "changed"
		inc.State = mim.Closed
		inc.SetRoom(mim.WarRoom{Platform: "discord", ID: "D1"})
		ch.Log(at(time.Minute), mim.KindNote, "bob", "should not be saved")
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: inc.Number, Key: mim.TimerUpdateOverdue, Due: at(5 * time.Minute)})
		ch.Cancel = append(ch.Cancel, mim.TimerReminder)
		ch.CancelAll = true
		ch.Messages = append(ch.Messages, mim.Outgoing{Platform: "slack", To: mim.ToWarRoom, Text: "should not be sent", Created: at(time.Minute)})
		return refusal
	})
	if !errors.Is(err, refusal) || mim.ErrorCode(err) != mim.ECONFLICT {
		t.Fatalf("UpdateIncident err = %v, want fn's error unchanged", err)
	}
	if diff := cmp.Diff(inc, get(t, s, inc.Number)); diff != "" {
		t.Errorf("incident changed by a failed update (-before +after):\n%s", diff)
	}
	if _, err := s.IncidentByRoom(t.Context(), "discord", "D1"); mim.ErrorCode(err) != mim.ENOTFOUND {
		t.Errorf("room of a failed update is indexed: err = %v", err)
	}
	// The reminder is neither cancelled nor joined by the overdue timer.
	if got := keys(claimTimers(t, s, at(time.Hour), "w", 10)); !cmp.Equal(got, []string{mim.TimerReminder}) {
		t.Errorf("timers after a failed update = %q, want only the reminder", got)
	}
	if ms := claimMessages(t, s, at(time.Hour), "w", 10); len(ms) != 0 {
		t.Errorf("messages queued by a failed update: %q", texts(ms))
	}
}

func testNotFound(t *testing.T, s mim.Store) {
	declare(t, s, "", nil)
	inc, err := s.Incident(t.Context(), 42)
	wantCode(t, err, mim.ENOTFOUND)
	if inc != nil {
		t.Errorf("Incident(42) returned an incident with its error")
	}
	inc, err = s.UpdateIncident(t.Context(), 42, func(*mim.Incident, *mim.Change) error {
		t.Error("fn called for a missing incident")
		return nil
	})
	wantCode(t, err, mim.ENOTFOUND)
	if inc != nil {
		t.Errorf("UpdateIncident(42) returned an incident with its error")
	}
}

func testTimeline(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	// Entries come in out of order and two share a millisecond.
	update(t, s, inc.Number, func(_ *mim.Incident, ch *mim.Change) {
		ch.Log(at(5*time.Minute), mim.KindNote, "bob", "b")
		ch.Log(at(1*time.Minute), mim.KindNote, "bob", "a")
		ch.Log(at(5*time.Minute), mim.KindNote, "bob", "c")
	})
	var seen int
	got := update(t, s, inc.Number, func(inc *mim.Incident, ch *mim.Change) {
		seen = len(inc.Timeline)
		ch.Log(at(3*time.Minute), mim.KindUpdate, "bob", "d")
	})
	if seen != 4 {
		t.Errorf("fn saw %d timeline entries, want the 4 saved", seen)
	}
	var order []string
	ids := map[string]int64{}
	for _, e := range got.Timeline {
		order = append(order, e.Text)
		ids[e.Text] = e.ID
	}
	want := []string{"Declared #1", "a", "d", "b", "c"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("timeline order, by time then insertion (-want +got):\n%s", diff)
	}
	// IDs are set, unique, and follow insertion order.
	inserted := []string{"Declared #1", "b", "a", "c", "d"}
	for i := 1; i < len(inserted); i++ {
		if prev, cur := ids[inserted[i-1]], ids[inserted[i]]; prev == 0 || cur <= prev {
			t.Errorf("entry %q has ID %d after %q with %d: want increasing IDs", inserted[i], cur, inserted[i-1], prev)
		}
	}
	if diff := cmp.Diff(got.Timeline, get(t, s, inc.Number).Timeline); diff != "" {
		t.Errorf("Incident timeline differs from UpdateIncident's (-updated +read):\n%s", diff)
	}
}

// testTimelineLabels: an entry's label and wait come back as written (the wait to
// the millisecond, as every time), from the update and from a later read.
func testTimelineLabels(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	got := update(t, s, inc.Number, func(_ *mim.Incident, ch *mim.Change) {
		ch.Log(at(time.Minute), mim.KindEscalated, "hana", "Hierarchical escalation").Label = mim.EscalationHierarchical
		e := ch.Log(at(2*time.Minute), mim.KindPageAcked, "dave", "dave acknowledged")
		e.Label, e.Took = "database", 90*time.Second+1500*time.Microsecond
		ch.Log(at(3*time.Minute), mim.KindNote, "dave", "no label")
	})
	type labelled struct {
		Kind  mim.Kind
		Label string
		Took  time.Duration
	}
	want := []labelled{
		{mim.KindDeclared, "", 0},
		{mim.KindEscalated, mim.EscalationHierarchical, 0},
		{mim.KindPageAcked, "database", 90*time.Second + time.Millisecond},
		{mim.KindNote, "", 0},
	}
	for name, tl := range map[string][]mim.Entry{"updated": got.Timeline, "read": get(t, s, inc.Number).Timeline} {
		var have []labelled
		for _, e := range tl {
			have = append(have, labelled{e.Kind, e.Label, e.Took})
		}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("%s timeline labels (-want +got):\n%s", name, diff)
		}
	}
}

func testTimes(t *testing.T, s mim.Store) {
	// 11:00:00.123456789 CET is 10:00:00.123 UTC once the store has kept milliseconds.
	cet := time.FixedZone("CET", 3600)
	in := time.Date(2026, 3, 1, 11, 0, 0, 123456789, cet)
	want := time.Date(2026, 3, 1, 10, 0, 0, 123000000, time.UTC)
	inc := declare(t, s, "", func(inc *mim.Incident, ch *mim.Change) {
		inc.DeclaredAt = in
		inc.ResolvedAt = in
		inc.NextUpdateDue = in
		inc.Pages = []mim.Page{{Person: "dave", PagedAt: in}}
		inc.Tasks = []mim.Task{{N: 1, Text: "t", DoneAt: in}}
		ch.Log(in, mim.KindNote, "alice", "precise")
		ch.Schedule = append(ch.Schedule, mim.Timer{Incident: inc.Number, Key: mim.TimerReminder, Due: in})
		ch.Messages = append(ch.Messages, mim.Outgoing{Platform: "slack", To: mim.ToWarRoom, Text: "hi", Created: in})
	})
	got := get(t, s, inc.Number)
	timers := claimTimers(t, s, want, "w", 10)
	msgs := claimMessages(t, s, want, "w", 10)
	if len(timers) != 1 || len(msgs) != 1 || len(got.Timeline) != 2 {
		t.Fatalf("%d timeline entries, %d timers and %d messages claimed at exactly %v; want 2, 1 and 1", len(got.Timeline), len(timers), len(msgs), want)
	}
	for name, tm := range map[string]time.Time{
		"DeclaredAt":       got.DeclaredAt,
		"ResolvedAt":       got.ResolvedAt,
		"NextUpdateDue":    got.NextUpdateDue,
		"Pages[0].PagedAt": got.Pages[0].PagedAt,
		"Tasks[0].DoneAt":  got.Tasks[0].DoneAt,
		"Timeline[1].At":   got.Timeline[1].At,
		"Timer.Due":        timers[0].Due,
		"Outgoing.Created": msgs[0].Created,
	} {
		if !tm.Equal(want) || tm.Nanosecond() != want.Nanosecond() {
			t.Errorf("%s = %v, want %v", name, tm, want)
		}
		if tm.Location() != time.UTC {
			t.Errorf("%s is in %v, want UTC", name, tm.Location())
		}
	}
	if !got.ClosedAt.IsZero() || !got.MitigatedAt.IsZero() {
		t.Errorf("unset times came back as %v and %v, want zero", got.ClosedAt, got.MitigatedAt)
	}
}

func testList(t *testing.T, s mim.Store) {
	if list, err := s.Incidents(t.Context(), mim.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("Incidents of an empty store = %d, %v; want none", len(list), err)
	}
	for _, c := range []struct {
		major bool
		state mim.State
	}{
		{true, mim.Declared},       // 1
		{false, mim.Investigating}, // 2
		{true, mim.Resolved},       // 3
		{true, mim.Closed},         // 4
		{false, mim.Cancelled},     // 5
		{true, mim.Mitigated},      // 6
	} {
		declare(t, s, "", func(inc *mim.Incident, _ *mim.Change) {
			inc.Major, inc.State = c.major, c.state
			if !c.major {
				inc.Priority = mim.P3
			}
		})
	}
	tests := []struct {
		name   string
		filter mim.Filter
		want   []int
	}{
		{"all, newest first", mim.Filter{}, []int{6, 5, 4, 3, 2, 1}},
		{"open", mim.Filter{Open: true}, []int{6, 2, 1}},
		{"major", mim.Filter{MajorOnly: true}, []int{6, 4, 3, 1}},
		{"open major", mim.Filter{Open: true, MajorOnly: true}, []int{6, 1}},
		{"limit", mim.Filter{Limit: 2}, []int{6, 5}},
		{"open with limit", mim.Filter{Open: true, Limit: 2}, []int{6, 2}},
		{"limit above count", mim.Filter{MajorOnly: true, Limit: 10}, []int{6, 4, 3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.Incidents(t.Context(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, inc := range list {
				got = append(got, inc.Number)
				if inc.Timeline != nil {
					t.Errorf("#%d listed with its timeline; lists leave Timeline nil", inc.Number)
				}
				want := get(t, s, inc.Number)
				want.Timeline = nil
				if diff := cmp.Diff(want, inc); diff != "" {
					t.Errorf("listed #%d (-Incident +listed):\n%s", inc.Number, diff)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("numbers (-want +got):\n%s", diff)
			}
		})
	}
}

// testByRequestKey finds the incident a request declared, with its timeline.
func testByRequestKey(t *testing.T, s mim.Store) {
	want := declare(t, s, "alertmanager:abc", nil)
	declare(t, s, "slack:other", nil)
	got, err := s.IncidentByRequestKey(t.Context(), "alertmanager:abc")
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != want.Number || len(got.Timeline) == 0 {
		t.Errorf("got #%d with %d entries, want #%d with its timeline", got.Number, len(got.Timeline), want.Number)
	}
	if _, err := s.IncidentByRequestKey(t.Context(), "alertmanager:nope"); mim.ErrorCode(err) != mim.ENOTFOUND {
		t.Errorf("unknown key: %v, want not found", err)
	}
}

// A change that carries a request key recorded before saves nothing: ErrSeen.
func testRequestOnce(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	note := func(key, text string) error {
		_, err := s.UpdateIncident(t.Context(), n, func(inc *mim.Incident, ch *mim.Change) error {
			ch.Request = key
			inc.Diagnosis = text
			ch.Log(at(time.Minute), mim.KindNote, "alice", text)
			return nil
		})
		return err
	}
	if err := note("slack:T1", "first"); err != nil {
		t.Fatal(err)
	}
	if err := note("slack:T1", "again"); !errors.Is(err, mim.ErrSeen) {
		t.Fatalf("the same request again = %v, want mim.ErrSeen", err)
	}
	if err := note("slack:T2", "second"); err != nil {
		t.Fatal(err)
	}
	inc, err := s.Incident(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range inc.Timeline {
		if e.Kind == mim.KindNote {
			notes = append(notes, e.Text)
		}
	}
	if diff := cmp.Diff([]string{"first", "second"}, notes); diff != "" || inc.Diagnosis != "second" {
		t.Errorf("diagnosis %q; notes (-want +got):\n%s", inc.Diagnosis, diff)
	}
}

package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// full returns an incident with every field set, at sub-millisecond precision and
// in a zone other than UTC, so that a round trip shows what a backend keeps.
func full() *mim.Incident {
	zone := time.FixedZone("CET", 3600)
	at := func(min int) time.Time {
		return time.Date(2026, 3, 1, 11, min, 0, 123456789, zone)
	}
	return &mim.Incident{
		Number:      7,
		RequestKey:  "slack:T1:trigger-1",
		Title:       "Payments down",
		Impact:      mim.High,
		Urgency:     mim.Medium,
		Priority:    mim.P1,
		Major:       true,
		State:       mim.Mitigated,
		Towers:      []string{"application", "database"},
		Model:       "payment-outage",
		DeclaredBy:  "alice",
		Source:      "slack",
		Description: "Card payments fail with a timeout since 11:00",
		Platforms:   []string{"slack", "discord"},
		IM:          "bob",
		Comms:       "carol",
		Pages: []mim.Page{
			{Person: "dave", Tower: "application", Level: 1, PagedAt: at(2), AckedAt: at(4), Replaced: true},
			{Person: "erin", Tower: "database", Level: 0, PagedAt: at(3)},
		},
		WarRooms: []mim.WarRoom{
			{Platform: "slack", ID: "C0123", Name: "mi-7-payments-down", Ready: true, Card: "1740823200.000100"},
			{Platform: "discord", ID: "300000000000000003", Name: "mi-7-payments-down", Voice: "300000000000000004"},
		},
		RoomName:   "mi-7-payments-down",
		Bridge:     "https://meet.jit.si/mi-7-payments-down",
		Diagnosis:  "Expired TLS certificate on the provider link",
		Workaround: "Failed over to the secondary provider",
		Resolution: "Certificate renewed",
		Tasks: []mim.Task{
			{N: 1, Text: "Check the provider's status page", Owner: "dave", Done: true, AddedBy: "mimbot", DoneBy: "dave", DoneAt: at(9)},
			{N: 2, Text: "Fail over", AddedBy: "bob"},
		},
		Problem: &mim.Problem{Ref: "PRB-7", Owner: "bob", Due: at(59), CreatedAt: at(50),
			State: mim.ProblemClosed, RootCause: "Certificate not renewed", Workaround: "Fail over", Change: "CHG-1",
			KnownError: "KE-1", ClosedAt: at(58), Incidents: []int{7}},
		Actions: []mim.Action{{Number: 1, Incident: 7, Text: "Monitor certificate expiry", Owner: "dave", Due: at(59),
			DoneAt: at(58), DoneBy: "dave", CreatedBy: "bob", CreatedAt: at(51)}},
		Similar: []mim.Similar{
			{Kind: mim.SimilarKnownError, Number: 2, Title: "Provider certificate expired", Workaround: "Fail over",
				Towers: []string{"application"}, At: at(1), Matched: 3},
			{Kind: mim.SimilarIncident, Number: 4, Title: "Payments failing", Workaround: "Fail over", Towers: []string{"application", "network"},
				At: at(1), Took: 95 * time.Minute, Matched: 2},
		},
		Summary: &mim.SummaryDoc{
			Markdown: "# #7 Payments down",
			SVG:      "<svg/>",
			Draft: &mim.Draft{
				Narrative: []mim.Statement{{Text: "The provider link failed.", Cites: []int{1, 2}}},
				Factors:   []mim.Statement{{Text: "Certificate expiry was not monitored.", Cites: []int{3}}},
				Questions: []mim.Statement{{Text: "Why was there no alert?", Cites: []int{3}}},
				Actions:   []mim.Statement{{Text: "Monitor certificate expiry.", Cites: []int{4}}},
				Model:     "gpt-4o-mini",
			},
			DraftNote:  "Drafted by gpt-4o-mini; check every statement.",
			ApprovedBy: "bob",
			ApprovedAt: at(55),
			CreatedAt:  at(52),
		},
		DeclaredAt:    at(0),
		IMAssignedAt:  at(1),
		RespondedAt:   at(4),
		FirstUpdateAt: at(5),
		LastUpdateAt:  at(20),
		MitigatedAt:   at(25),
		ResolvedAt:    at(40),
		ClosedAt:      at(50),
		NextUpdateDue: at(35),
		SnoozedUntil:  at(30),
		ConfirmedAt:   at(55),
		ResolveDue:    at(240),
		Updates:       mim.UpdateTally{OnTime: 3, Late: 1, Missed: 2},
		Owner:         "dave",
		Timeline: []mim.Entry{
			{ID: 1, At: at(0), Kind: mim.KindDeclared, Actor: "alice", Text: "Declared"},
			{ID: 2, At: at(4), Kind: mim.KindPageAcked, Actor: "dave", Text: "dave acknowledged the application page after 2m", Label: "application", Took: 2 * time.Minute},
		},
	}
}

// TestFixtureSetsEveryField makes a new field of mim.Incident (or of its pages,
// rooms and tasks) fail the round trip below until the record stores it: the
// fixture must set every field, and the round trip must keep it.
func TestFixtureSetsEveryField(t *testing.T) {
	var check func(v reflect.Value, path string)
	check = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				break
			}
			for i := range v.NumField() {
				check(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
			return
		case reflect.Pointer:
			if v.IsNil() {
				t.Errorf("full()%s is nil: set it so the round trip covers it", path)
				return
			}
			check(v.Elem(), path)
			return
		case reflect.Slice:
			// Every field must be set in some element (a task can be done or not).
			if v.Len() == 0 {
				t.Errorf("full()%s is empty: set it so the round trip covers it", path)
				return
			}
			if v.Type().Elem().Kind() == reflect.Struct && v.Type().Elem() != reflect.TypeFor[time.Time]() {
				for i := range v.Type().Elem().NumField() {
					set := false
					for j := range v.Len() {
						set = set || !v.Index(j).Field(i).IsZero()
					}
					if !set {
						t.Errorf("full()%s[].%s is zero in every element: set it so the round trip covers it", path, v.Type().Elem().Field(i).Name)
					}
				}
			}
			return
		}
		if v.IsZero() {
			t.Errorf("full()%s is zero: set it so the round trip covers it", path)
		}
	}
	check(reflect.ValueOf(*full()), "")
}

func TestIncidentRoundTrip(t *testing.T) {
	in := full()
	data, err := EncodeIncident(in)
	if err != nil {
		t.Fatal(err)
	}
	// The backend restores the column fields; the document must restore the rest.
	got := &mim.Incident{Number: in.Number}
	if err := DecodeIncident(data, got); err != nil {
		t.Fatal(err)
	}
	want := full()
	truncateTimes(reflect.ValueOf(want).Elem())
	// The fields backends keep in columns (Number aside, which DecodeIncident
	// uses in errors) and the timeline are left alone.
	want.RequestKey, want.State, want.Priority, want.Major = "", "", 0, false
	want.DeclaredAt, want.ResolvedAt, want.ClosedAt = time.Time{}, time.Time{}, time.Time{}
	want.Timeline = nil
	// The problem as worked and the actions live in tables of their own; the
	// document keeps the problem's hand-off only.
	want.Actions = nil
	want.Problem = &mim.Problem{Ref: want.Problem.Ref, Owner: want.Problem.Owner, Due: want.Problem.Due, CreatedAt: want.Problem.CreatedAt}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// cmp compares times with Equal; backends also promise UTC.
	if loc := got.Pages[0].PagedAt.Location(); loc != time.UTC {
		t.Errorf("PagedAt location = %v, want UTC", loc)
	}
	if loc := got.LastUpdateAt.Location(); loc != time.UTC {
		t.Errorf("LastUpdateAt location = %v, want UTC", loc)
	}

	// The document must not carry the column fields: two copies could disagree.
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"number", "request_key", "state", "priority", "major", "declared_at", "resolved_at", "closed_at", "timeline"} {
		if _, ok := doc[k]; ok {
			t.Errorf("document has %q, which belongs in a column", k)
		}
	}
}

// TestStoredFormat decodes a document as this version writes it. Incidents stored
// today must read the same after any refactoring of mim.Incident: a failure here
// means a change to the stored format, which needs a migration, not a new test.
func TestStoredFormat(t *testing.T) {
	const doc = `{"title":"Payments down","impact":"high","urgency":"medium",` +
		`"towers":["application"],"model":"payment-outage","declared_by":"alice","source":"slack",` +
		`"platforms":["slack"],"incident_manager":"bob","comms":"carol",` +
		`"pages":[{"person":"dave","tower":"application","level":1,"paged_at":"2026-03-01T10:02:00.123Z","acked_at":"2026-03-01T10:04:00Z","replaced":true}],` +
		`"war_rooms":[{"platform":"slack","id":"C0123","name":"mi-7-payments-down","ready":true,"card":"1740823200.000100","voice":"V1"}],` +
		`"room_name":"mi-7-payments-down","bridge":"https://meet.jit.si/mi-7","diagnosis":"cert","workaround":"failover","resolution":"renewed",` +
		`"tasks":[{"n":1,"text":"Fail over","owner":"dave","done":true,"added_by":"bob","done_by":"dave","done_at":"2026-03-01T10:09:00Z"}],` +
		`"problem":{"ref":"PRB-7","owner":"bob","due":"2026-03-06T10:00:00Z","created_at":"2026-03-01T10:50:00Z"},` +
		`"summary":{"markdown":"# #7","svg":"<svg/>","draft":{"narrative":[{"text":"It failed.","cites":[1,2]}],` +
		`"contributing_factors":[{"text":"No alert."}],"rca_questions":[{"text":"Why?","cites":[3]}],"action_items":[{"text":"Alert.","cites":[4]}],"model":"m1"},` +
		`"draft_note":"check it","approved_by":"bob","approved_at":"2026-03-01T10:55:00Z","created_at":"2026-03-01T10:52:00Z"},` +
		`"im_assigned_at":"2026-03-01T10:01:00Z","responded_at":"2026-03-01T10:04:00Z","first_update_at":"2026-03-01T10:05:00Z",` +
		`"last_update_at":"2026-03-01T10:20:00Z","mitigated_at":"2026-03-01T10:25:00Z","next_update_due":"2026-03-01T10:35:00Z",` +
		`"snoozed_until":"2026-03-01T10:30:00Z"}`
	at := func(min, ms int) time.Time {
		return time.Date(2026, 3, 1, 10, min, 0, ms*int(time.Millisecond), time.UTC)
	}
	want := &mim.Incident{
		Number:     7,
		Title:      "Payments down",
		Impact:     mim.High,
		Urgency:    mim.Medium,
		Towers:     []string{"application"},
		Model:      "payment-outage",
		DeclaredBy: "alice",
		Source:     "slack",
		Platforms:  []string{"slack"},
		IM:         "bob",
		Comms:      "carol",
		Pages:      []mim.Page{{Person: "dave", Tower: "application", Level: 1, PagedAt: at(2, 123), AckedAt: at(4, 0), Replaced: true}},
		WarRooms:   []mim.WarRoom{{Platform: "slack", ID: "C0123", Name: "mi-7-payments-down", Ready: true, Card: "1740823200.000100", Voice: "V1"}},
		RoomName:   "mi-7-payments-down",
		Bridge:     "https://meet.jit.si/mi-7",
		Diagnosis:  "cert",
		Workaround: "failover",
		Resolution: "renewed",
		Tasks:      []mim.Task{{N: 1, Text: "Fail over", Owner: "dave", Done: true, AddedBy: "bob", DoneBy: "dave", DoneAt: at(9, 0)}},
		Problem:    &mim.Problem{Ref: "PRB-7", Owner: "bob", Due: time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC), CreatedAt: at(50, 0)},
		Summary: &mim.SummaryDoc{
			Markdown: "# #7",
			SVG:      "<svg/>",
			Draft: &mim.Draft{
				Narrative: []mim.Statement{{Text: "It failed.", Cites: []int{1, 2}}},
				Factors:   []mim.Statement{{Text: "No alert."}},
				Questions: []mim.Statement{{Text: "Why?", Cites: []int{3}}},
				Actions:   []mim.Statement{{Text: "Alert.", Cites: []int{4}}},
				Model:     "m1",
			},
			DraftNote:  "check it",
			ApprovedBy: "bob",
			ApprovedAt: at(55, 0),
			CreatedAt:  at(52, 0),
		},
		IMAssignedAt:  at(1, 0),
		RespondedAt:   at(4, 0),
		FirstUpdateAt: at(5, 0),
		LastUpdateAt:  at(20, 0),
		MitigatedAt:   at(25, 0),
		NextUpdateDue: at(35, 0),
		SnoozedUntil:  at(30, 0),
	}
	got := &mim.Incident{Number: 7}
	if err := DecodeIncident([]byte(doc), got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decode (-want +got):\n%s", diff)
	}
	out, err := EncodeIncident(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc, string(out)); diff != "" {
		t.Errorf("encode (-want +got):\n%s", diff)
	}
}

func TestDecodeIncidentBadDocument(t *testing.T) {
	inc := &mim.Incident{Number: 3}
	if err := DecodeIncident([]byte(`{"title":`), inc); err == nil {
		t.Error("DecodeIncident accepted a truncated document")
	}
}

func TestTruncate(t *testing.T) {
	zone := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"zero stays zero", time.Time{}, time.Time{}},
		{"sub-millisecond dropped", time.Date(2026, 3, 1, 10, 0, 0, 123999999, time.UTC), time.Date(2026, 3, 1, 10, 0, 0, 123000000, time.UTC)},
		{"other zone to UTC", time.Date(2026, 3, 1, 5, 0, 0, 0, zone), time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in)
			if !got.Equal(tt.want) {
				t.Errorf("Truncate(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !got.IsZero() && got.Location() != time.UTC {
				t.Errorf("Truncate(%v) is in %v, want UTC", tt.in, got.Location())
			}
		})
	}
}

// truncateTimes applies Truncate to every time.Time reachable from v.
func truncateTimes(v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(Truncate(v.Interface().(time.Time))))
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			truncateTimes(v.Field(i))
		}
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			truncateTimes(v.Index(i))
		}
	case v.Kind() == reflect.Pointer && !v.IsNil():
		truncateTimes(v.Elem())
	}
}

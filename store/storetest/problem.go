package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func problemTests() []test {
	return []test{
		{"OpenedWithTheClosingChange", testOpenProblem},
		{"WorkedToKnownErrors", testKnownErrors},
		{"KnownErrorSearch", testKnownErrorSearch},
		{"StepsOnEveryLinkedIncident", testProblemLinks},
		{"UpdateErrorSavesNothing", testProblemUpdateError},
		{"NotFound", testProblemNotFound},
	}
}

func actionTests() []test {
	return []test{
		{"NumberedAcrossIncidents", testActionNumbers},
		{"ConcurrentAddsTakeDistinctNumbers", testConcurrentActions},
		{"DoneAndFilters", testActionDone},
		{"FiredStaleSavesNothing", testActionFiredStale},
		{"NotFound", testActionNotFound},
	}
}

// openProblem closes incident n's hand-off as the service does: the problem record
// and its global timers go with the incident's change.
func openProblem(t *testing.T, s mim.Store, n int, edit func(*mim.Problem)) mim.Problem {
	t.Helper()
	p := mim.Problem{Ref: fmt.Sprintf("PRB-%d", n), Owner: "bob", Due: at(48 * time.Hour), CreatedAt: at(time.Hour),
		State: mim.ProblemOpen, Workaround: "Fail over"}
	if edit != nil {
		edit(&p)
	}
	update(t, s, n, func(inc *mim.Incident, ch *mim.Change) {
		inc.Problem = &mim.Problem{Ref: p.Ref, Owner: p.Owner, Due: p.Due, CreatedAt: p.CreatedAt}
		ch.Problems = append(ch.Problems, p)
		ch.Global = append(ch.Global, mim.Timer{Key: mim.ProblemTimerKey(p.Ref, false), Due: at(24 * time.Hour)})
	})
	p.Incidents = []int{n}
	return p
}

// work runs UpdateProblem and fails the test if it fails.
func work(t *testing.T, s mim.Store, ref string, fn func(*mim.ProblemEdit)) *mim.Problem {
	t.Helper()
	p, err := s.UpdateProblem(t.Context(), ref, func(e *mim.ProblemEdit) error {
		fn(e)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateProblem(%s): %v", ref, err)
	}
	return p
}

func testOpenProblem(t *testing.T, s mim.Store) {
	ctx := t.Context()
	inc := declare(t, s, "", nil)
	want := openProblem(t, s, inc.Number, nil)
	got, err := s.Problem(ctx, want.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("Problem (-opened +read):\n%s", diff)
	}
	if diff := cmp.Diff(&want, get(t, s, inc.Number).Problem); diff != "" {
		t.Errorf("Incident(%d).Problem is the record as worked (-want +got):\n%s", inc.Number, diff)
	}
	list, err := s.Problems(ctx)
	if err != nil || len(list) != 1 || list[0].Ref != want.Ref || !slices.Equal(list[0].Incidents, []int{inc.Number}) {
		t.Errorf("Problems = %+v, %v; want %s linking #%d", list, err, want.Ref, inc.Number)
	}
	// The problem's timer is global: the incident's CancelAll (a reopen) leaves it.
	update(t, s, inc.Number, func(_ *mim.Incident, ch *mim.Change) { ch.CancelAll = true })
	timers := claimTimers(t, s, at(25*time.Hour), "w", 10)
	wantTimers := []mim.Timer{{Incident: 0, Key: "problem:" + want.Ref + ":remind", Due: at(24 * time.Hour)}}
	if diff := cmp.Diff(wantTimers, timers, ignoreIdentity()); diff != "" {
		t.Errorf("timers (-want +got):\n%s", diff)
	}
	// Closing twice (a replayed change) opens nothing twice.
	update(t, s, inc.Number, func(_ *mim.Incident, ch *mim.Change) { ch.Problems = append(ch.Problems, want) })
	if list, _ := s.Problems(ctx); len(list) != 1 {
		t.Errorf("%d problems after opening %s again, want 1", len(list), want.Ref)
	}
}

func testKnownErrors(t *testing.T, s mim.Store) {
	ctx := t.Context()
	one := declare(t, s, "", nil)
	two := declare(t, s, "", nil)
	p := openProblem(t, s, one.Number, nil)
	q := openProblem(t, s, two.Number, nil)
	// The fired timer completes with the edit.
	timers := claimTimers(t, s, at(25*time.Hour), "w", 10)
	if len(timers) != 2 {
		t.Fatalf("claimed %d timers, want the two reminders", len(timers))
	}
	var fired mim.Timer
	for _, tm := range timers {
		if tm.Key == mim.ProblemTimerKey(q.Ref, false) {
			fired = tm
		}
	}
	got := work(t, s, q.Ref, func(e *mim.ProblemEdit) {
		if len(e.Incidents) != 1 || e.Incidents[0].Number != two.Number || e.Incidents[0].Title != "Payments down" {
			t.Errorf("edit of %s has incidents %+v, want #%d", q.Ref, e.Incidents, two.Number)
		}
		e.Change.Fired = &fired
		e.Change.Log(at(25*time.Hour), mim.KindReminder, mim.Bot, "reminded bob")
		e.Change.Messages = append(e.Change.Messages, mim.Outgoing{Platform: "slack", To: mim.ToPerson, Person: "bob", Text: "RCA due", Created: at(25 * time.Hour)})
		e.Problem.RootCause = "Certificate expired"
	})
	if got.RootCause != "Certificate expired" || got.State != mim.ProblemOpen {
		t.Errorf("after rca: %+v", got)
	}
	if msgs := claimMessages(t, s, at(26*time.Hour), "w", 10); len(msgs) != 1 || msgs[0].Incident != two.Number || msgs[0].Person != "bob" {
		t.Errorf("messages = %+v, want the DM to bob about #%d", msgs, two.Number)
	}
	wantStale(t, func() error {
		_, err := s.UpdateProblem(ctx, q.Ref, func(e *mim.ProblemEdit) error { e.Change.Fired = &fired; return nil })
		return err
	}())

	// Publishing numbers known errors in order, across problems.
	for i, ref := range []string{q.Ref, p.Ref} {
		got := work(t, s, ref, func(e *mim.ProblemEdit) {
			if e.NextKnownError != i+1 {
				t.Errorf("NextKnownError for %s = %d, want %d", ref, e.NextKnownError, i+1)
			}
			e.Problem.RootCause, e.Problem.State = "Cause "+ref, mim.ProblemKnownError
			e.Publish = &mim.KnownError{Number: e.NextKnownError, Problem: ref, Title: "Payments down " + ref,
				RootCause: e.Problem.RootCause, Workaround: e.Problem.Workaround, PublishedAt: at(30 * time.Hour)}
			e.Change.Log(at(30*time.Hour), mim.KindProblem, "bob", ref+" published")
		})
		if want := fmt.Sprintf("KE-%d", i+1); got.KnownError != want || got.State != mim.ProblemKnownError {
			t.Errorf("%s after publishing: known error %q, state %s; want %s, known_error", ref, got.KnownError, got.State, want)
		}
	}
	list, err := s.KnownErrors(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []mim.KnownError{
		{Number: 2, Problem: p.Ref, Title: "Payments down " + p.Ref, RootCause: "Cause " + p.Ref, Workaround: "Fail over", PublishedAt: at(30 * time.Hour)},
		{Number: 1, Problem: q.Ref, Title: "Payments down " + q.Ref, RootCause: "Cause " + q.Ref, Workaround: "Fail over", PublishedAt: at(30 * time.Hour)},
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("KnownErrors, newest first (-want +got):\n%s", diff)
	}
	// Every step is on the linked incident's timeline.
	var texts []string
	for _, e := range get(t, s, two.Number).Timeline {
		texts = append(texts, e.Text)
	}
	if diff := cmp.Diff([]string{"Declared #2", "reminded bob", q.Ref + " published"}, texts); diff != "" {
		t.Errorf("timeline of #%d (-want +got):\n%s", two.Number, diff)
	}
}

func testKnownErrorSearch(t *testing.T, s mim.Store) {
	texts := []struct{ title, cause, workaround string }{
		{"Payments down", "TLS certificate expired on the provider link", "Fail over to the secondary provider"},
		{"Disk full on db-2", "Log rotation disabled", "Delete old WAL segments"},
		{"Quota at 100%", "Batch job ran twice", "Raise the quota to 120_000"},
	}
	for i, x := range texts {
		inc := declare(t, s, "", nil)
		p := openProblem(t, s, inc.Number, nil)
		work(t, s, p.Ref, func(e *mim.ProblemEdit) {
			e.Problem.State = mim.ProblemKnownError
			e.Publish = &mim.KnownError{Number: e.NextKnownError, Problem: p.Ref, Title: x.title, RootCause: x.cause, Workaround: x.workaround, PublishedAt: at(time.Duration(i) * time.Hour)}
		})
	}
	tests := []struct {
		search string
		want   []int
	}{
		{"CERTIFICATE", []int{1}},  // root cause, any case
		{"wal segments", []int{2}}, // workaround
		{"disk", []int{2}},         // title
		{"provider", []int{1}},
		{"100%", []int{3}}, // % is a character, not a wildcard
		{"_", []int{3}},
		{"nothing like it", []int{}},
		{"  ", []int{3, 2, 1}},
	}
	for _, tc := range tests {
		list, err := s.KnownErrors(t.Context(), tc.search)
		if err != nil {
			t.Fatal(err)
		}
		got := []int{}
		for _, k := range list {
			got = append(got, k.Number)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("KnownErrors(%q) (-want +got):\n%s", tc.search, diff)
		}
	}
}

// testProblemLinks links one problem to two incidents (as recurrence will): each
// one's Incident shows it, and a step goes on both timelines, its messages to the
// first incident.
func testProblemLinks(t *testing.T, s mim.Store) {
	one := declare(t, s, "", nil)
	two := declare(t, s, "", nil)
	p := openProblem(t, s, one.Number, nil)
	update(t, s, two.Number, func(_ *mim.Incident, ch *mim.Change) { ch.Problems = append(ch.Problems, p) })
	got := work(t, s, p.Ref, func(e *mim.ProblemEdit) {
		if len(e.Incidents) != 2 {
			t.Errorf("edit of %s has %d incidents, want 2", p.Ref, len(e.Incidents))
		}
		e.Change.Log(at(2*time.Hour), mim.KindProblem, "bob", "root cause recorded")
		e.Change.Messages = append(e.Change.Messages, mim.Outgoing{Platform: "slack", To: mim.ToPerson, Person: "bob", Text: "x", Created: at(2 * time.Hour)})
	})
	if !slices.Equal(got.Incidents, []int{one.Number, two.Number}) {
		t.Errorf("%s links %v, want #%d and #%d", p.Ref, got.Incidents, one.Number, two.Number)
	}
	for _, n := range []int{one.Number, two.Number} {
		inc := get(t, s, n)
		if inc.Problem == nil || inc.Problem.Ref != p.Ref || len(inc.Problem.Incidents) != 2 {
			t.Errorf("Incident(%d).Problem = %+v, want %s linking both", n, inc.Problem, p.Ref)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Text != "root cause recorded" {
			t.Errorf("#%d's last entry = %q, want the problem's step", n, last.Text)
		}
	}
	if msgs := claimMessages(t, s, at(3*time.Hour), "w", 10); len(msgs) != 1 || msgs[0].Incident != one.Number {
		t.Errorf("messages = %+v, want one about #%d", msgs, one.Number)
	}
}

func testProblemUpdateError(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	p := openProblem(t, s, inc.Number, nil)
	refuse := mim.Errorf(mim.EFORBIDDEN, "no")
	_, err := s.UpdateProblem(t.Context(), p.Ref, func(e *mim.ProblemEdit) error {
		e.Problem.RootCause = "changed"
		e.Problem.State = mim.ProblemKnownError
		e.Publish = &mim.KnownError{Number: e.NextKnownError, Problem: p.Ref, Title: "x", RootCause: "x", Workaround: "x", PublishedAt: at(0)}
		e.Change.Log(at(time.Hour), mim.KindProblem, "bob", "changed")
		return refuse
	})
	if !errors.Is(err, refuse) {
		t.Fatalf("UpdateProblem = %v, want fn's error as it is", err)
	}
	got, err := s.Problem(t.Context(), p.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&p, got); diff != "" {
		t.Errorf("problem after a refused edit (-before +after):\n%s", diff)
	}
	if list, _ := s.KnownErrors(t.Context(), ""); len(list) != 0 {
		t.Errorf("known errors after a refused publish: %+v", list)
	}
	if n := len(get(t, s, inc.Number).Timeline); n != 1 {
		t.Errorf("%d timeline entries after a refused edit, want 1", n)
	}
}

func testProblemNotFound(t *testing.T, s mim.Store) {
	_, err := s.Problem(t.Context(), "PRB-404")
	wantCode(t, err, mim.ENOTFOUND)
	_, err = s.UpdateProblem(t.Context(), "PRB-404", func(*mim.ProblemEdit) error { return nil })
	wantCode(t, err, mim.ENOTFOUND)
}

// addAction adds an action to incident n and fails the test if it fails.
func addAction(t *testing.T, s mim.Store, n int, text, owner string, due time.Time) *mim.Action {
	t.Helper()
	a, err := s.AddAction(t.Context(), n, func(e *mim.ActionEdit) error {
		if e.Incident.Number != n {
			t.Errorf("AddAction(%d) edits #%d", n, e.Incident.Number)
		}
		e.Action.Text, e.Action.Owner, e.Action.Due, e.Action.CreatedBy, e.Action.CreatedAt = text, owner, due, "bob", at(time.Hour)
		e.Change.Log(at(time.Hour), mim.KindActionAdded, "bob", fmt.Sprintf("Action %d: %s", e.Action.Number, text))
		e.Change.Global = append(e.Change.Global, mim.Timer{Key: mim.ActionTimerKey(e.Action.Number, false), Due: due})
		return nil
	})
	if err != nil {
		t.Fatalf("AddAction(%d, %q): %v", n, text, err)
	}
	return a
}

func testActionNumbers(t *testing.T, s mim.Store) {
	one := declare(t, s, "", nil)
	two := declare(t, s, "", nil)
	a1 := addAction(t, s, one.Number, "Alert on certificate expiry", "dave", at(72*time.Hour))
	a2 := addAction(t, s, two.Number, "Runbook for failover", "erin", at(96*time.Hour))
	// A refused add takes no number.
	_, err := s.AddAction(t.Context(), one.Number, func(e *mim.ActionEdit) error { return mim.Errorf(mim.EFORBIDDEN, "no") })
	wantCode(t, err, mim.EFORBIDDEN)
	a3 := addAction(t, s, one.Number, "Renew automatically", "dave", at(120*time.Hour))
	if got := []int{a1.Number, a2.Number, a3.Number}; !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("action numbers = %v, want 1, 2, 3 across incidents", got)
	}
	want := mim.Action{Number: 1, Incident: one.Number, Text: "Alert on certificate expiry", Owner: "dave", Due: at(72 * time.Hour), CreatedBy: "bob", CreatedAt: at(time.Hour)}
	if diff := cmp.Diff(&want, a1); diff != "" {
		t.Errorf("AddAction returned (-want +got):\n%s", diff)
	}
	got := get(t, s, one.Number)
	if len(got.Actions) != 2 || got.Actions[0].Number != 1 || got.Actions[1].Number != 3 {
		t.Errorf("Incident(%d).Actions = %+v, want actions 1 and 3", one.Number, got.Actions)
	}
	if n := len(got.Timeline); n != 3 {
		t.Errorf("#%d has %d timeline entries, want declared and two actions", one.Number, n)
	}
	timers := claimTimers(t, s, at(200*time.Hour), "w", 10)
	var keys []string
	for _, tm := range timers {
		if tm.Incident != 0 {
			t.Errorf("action timer %s on incident %d, want global", tm.Key, tm.Incident)
		}
		keys = append(keys, tm.Key)
	}
	if diff := cmp.Diff([]string{"action:1:remind", "action:2:remind", "action:3:remind"}, keys); diff != "" {
		t.Errorf("timers (-want +got):\n%s", diff)
	}
}

func testConcurrentActions(t *testing.T, s mim.Store) {
	const n = 8
	var incs []int
	for range 2 {
		incs = append(incs, declare(t, s, "", nil).Number)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got []int
	)
	for i := range n {
		wg.Go(func() {
			a, err := s.AddAction(t.Context(), incs[i%2], func(e *mim.ActionEdit) error {
				e.Action.Text, e.Action.Owner, e.Action.Due, e.Action.CreatedBy, e.Action.CreatedAt = "x", "dave", at(time.Hour), "bob", at(0)
				return nil
			})
			if err != nil {
				t.Errorf("AddAction: %v", err)
				return
			}
			mu.Lock()
			got = append(got, a.Number)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(got)
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 7, 8}, got); diff != "" {
		t.Errorf("numbers of concurrent adds (-want +got):\n%s", diff)
	}
}

func testActionDone(t *testing.T, s mim.Store) {
	ctx := t.Context()
	one := declare(t, s, "", nil)
	two := declare(t, s, "", nil)
	addAction(t, s, one.Number, "a", "dave", at(72*time.Hour))
	addAction(t, s, two.Number, "b", "erin", at(72*time.Hour))
	addAction(t, s, two.Number, "c", "dave", at(72*time.Hour))
	done, err := s.UpdateAction(ctx, 1, func(e *mim.ActionEdit) error {
		if e.Incident.Number != one.Number {
			t.Errorf("UpdateAction(1) edits #%d, want #%d", e.Incident.Number, one.Number)
		}
		e.Action.DoneAt, e.Action.DoneBy = at(2*time.Hour), "dave"
		e.Change.Cancel = append(e.Change.Cancel, mim.ActionTimerKey(1, false))
		e.Change.Log(at(2*time.Hour), mim.KindActionDone, "dave", "Action 1 done")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !done.Done() || done.DoneBy != "dave" || !done.DoneAt.Equal(at(2*time.Hour)) {
		t.Errorf("UpdateAction returned %+v, want done by dave", done)
	}
	tests := []struct {
		name string
		f    mim.ActionFilter
		want []int
	}{
		{"all", mim.ActionFilter{}, []int{1, 2, 3}},
		{"open", mim.ActionFilter{Open: true}, []int{2, 3}},
		{"incident", mim.ActionFilter{Incident: two.Number}, []int{2, 3}},
		{"owner", mim.ActionFilter{Owner: "dave"}, []int{1, 3}},
		{"open of an owner", mim.ActionFilter{Owner: "dave", Open: true}, []int{3}},
	}
	for _, tc := range tests {
		list, err := s.Actions(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		got := []int{}
		for _, a := range list {
			got = append(got, a.Number)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Actions(%s) (-want +got):\n%s", tc.name, diff)
		}
	}
	// The done action's reminder was cancelled; the others' still fire.
	var keys []string
	for _, tm := range claimTimers(t, s, at(100*time.Hour), "w", 10) {
		keys = append(keys, tm.Key)
	}
	if diff := cmp.Diff([]string{"action:2:remind", "action:3:remind"}, keys); diff != "" {
		t.Errorf("timers (-want +got):\n%s", diff)
	}
}

func testActionFiredStale(t *testing.T, s mim.Store) {
	inc := declare(t, s, "", nil)
	addAction(t, s, inc.Number, "a", "dave", at(time.Hour))
	timers := claimTimers(t, s, at(2*time.Hour), "w", 10)
	if len(timers) != 1 {
		t.Fatalf("claimed %d timers, want 1", len(timers))
	}
	fireIt := func(text string) error {
		_, err := s.UpdateAction(t.Context(), 1, func(e *mim.ActionEdit) error {
			e.Change.Fired = &timers[0]
			e.Change.Log(at(2*time.Hour), mim.KindReminder, mim.Bot, text)
			return nil
		})
		return err
	}
	if err := fireIt("reminded"); err != nil {
		t.Fatal(err)
	}
	wantStale(t, fireIt("reminded twice"))
	if n := len(get(t, s, inc.Number).Timeline); n != 3 {
		t.Errorf("%d timeline entries, want declared, added and one reminder", n)
	}
}

func testActionNotFound(t *testing.T, s mim.Store) {
	_, err := s.UpdateAction(t.Context(), 404, func(*mim.ActionEdit) error { return nil })
	wantCode(t, err, mim.ENOTFOUND)
	_, err = s.AddAction(t.Context(), 404, func(*mim.ActionEdit) error { return nil })
	wantCode(t, err, mim.ENOTFOUND)
}

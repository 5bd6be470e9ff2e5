package mim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Summary is the post-incident summary for problem management: facts computed from
// the incident and its timeline, plus an LLM draft when there is one.
type Summary struct {
	Ref, Title, Priority, Impact, Urgency, State string
	Major                                        bool
	Towers                                       []string
	IM, Comms, DeclaredBy                        string
	Leads                                        []string
	Instants                                     []Instant
	SLA                                          []SLARow
	Updates                                      UpdateStats
	Escalations                                  []Entry
	Tasks                                        []Task
	Participants                                 []string
	Diagnosis, Workaround, Resolution            string
	Timeline                                     []Line
	Problem                                      *Problem
	Actions                                      []ActionLine // the follow-up actions agreed

	Draft       *Draft // nil when no LLM draft is shown
	DraftNote   string // why there is no draft, or what was dropped from it
	Approved    string // "approved by carol at 16:02 GMT", "" while a draft
	GeneratedAt string
	Zone        string
}

// ActionLine is a follow-up action as the summary shows it.
type ActionLine struct {
	N                int
	Text, Owner, Due string
	Done             bool
	DoneBy           string
}

// Instant is a key moment and how long after the declaration it came.
type Instant struct {
	Name  string
	At    string // "-" when it has not happened
	After string // since the declaration
}

// SLARow is one SLA or OLA target and how it went.
type SLARow struct {
	Name    string // "Respond (SLA)", "Resolve (SLA)", "Page ack: application (OLA)"
	Target  string
	Actual  string
	Verdict string // met, breached, running, not acknowledged
}

// UpdateStats is how well the status-update cadence was kept.
type UpdateStats struct {
	Cadence    string // "15m", "" without a cadence
	Due        int
	OnTime     int
	Late       int
	Missed     int // slots that passed with no update at all
	LongestGap string
}

// Line is a numbered timeline entry (the numbers are what a draft cites).
type Line struct {
	N                     int
	At, Kind, Actor, Text string
}

// Summarize computes the summary of inc at now (the end of clocks still running).
func (s *Service) Summarize(inc *Incident, now time.Time) Summary {
	loc := s.Config.Location
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	after := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return "+" + Duration(t.Sub(inc.DeclaredAt))
	}
	sum := Summary{
		Ref: inc.Ref(), Title: inc.Title, Priority: inc.Priority.String(), Impact: string(inc.Impact), Urgency: string(inc.Urgency),
		State: string(inc.State), Major: inc.Major, Towers: inc.Towers, IM: inc.IM, Comms: inc.Comms, DeclaredBy: inc.DeclaredBy,
		Diagnosis: inc.Diagnosis, Workaround: inc.Workaround, Resolution: inc.Resolution, Tasks: inc.Tasks,
		Participants: inc.Participants(), GeneratedAt: at(now), Zone: now.In(loc).Format("MST"), Problem: inc.Problem,
	}
	for _, a := range inc.Actions {
		sum.Actions = append(sum.Actions, ActionLine{N: a.Number, Text: a.Text, Owner: a.Owner, Due: s.DueText(a.Due), Done: a.Done(), DoneBy: a.DoneBy})
	}
	for _, p := range inc.Pages {
		if !slices.Contains(sum.Leads, p.Person) {
			sum.Leads = append(sum.Leads, p.Person)
		}
	}
	for _, e := range inc.Timeline {
		if !slices.Contains(sum.Participants, e.Actor) && e.Actor != Bot && e.Actor != "" {
			sum.Participants = append(sum.Participants, e.Actor)
		}
	}
	for _, in := range []struct {
		name string
		t    time.Time
	}{
		{"Declared", inc.DeclaredAt}, {"IM assigned", inc.IMAssignedAt}, {"First response", inc.RespondedAt},
		{"First update", inc.FirstUpdateAt}, {"Mitigated", inc.MitigatedAt}, {"Resolved", inc.ResolvedAt}, {"Closed", inc.ClosedAt},
	} {
		sum.Instants = append(sum.Instants, Instant{Name: in.name, At: at(in.t), After: after(in.t)})
	}
	t := s.target(inc)
	sum.SLA = append(sum.SLA, slaRow("Respond (SLA)", t.Respond, inc.DeclaredAt, inc.RespondedAt, now))
	sum.SLA = append(sum.SLA, slaRow("Resolve (SLA)", t.Resolve, inc.DeclaredAt, inc.ResolvedAt, now))
	for _, p := range inc.Pages {
		if p.Tower == "" {
			continue
		}
		ack := s.Config.Towers[p.Tower].AckWithin
		row := slaRow(fmt.Sprintf("Page ack: %s, %s (OLA)", p.Tower, p.Person), ack, p.PagedAt, p.AckedAt, now)
		switch {
		case p.Acked():
		case p.Replaced:
			row.Actual, row.Verdict = "not acknowledged", "breached (next lead paged)"
		case !inc.State.Open():
			row.Actual, row.Verdict = "not acknowledged", "breached"
			if !inc.ResolvedAt.IsZero() && inc.ResolvedAt.Sub(p.PagedAt) <= ack {
				row.Verdict = "not needed (resolved within the OLA)"
			}
		}
		sum.SLA = append(sum.SLA, row)
	}
	sum.Updates = s.updateStats(inc, now)
	for i, e := range inc.Timeline {
		sum.Timeline = append(sum.Timeline, Line{N: i + 1, At: at(e.At), Kind: string(e.Kind), Actor: e.Actor, Text: e.Text})
		if e.Kind == KindEscalated {
			sum.Escalations = append(sum.Escalations, e)
		}
	}
	return sum
}

func slaRow(name string, target time.Duration, from, stop, now time.Time) SLARow {
	row := SLARow{Name: name, Target: Duration(target)}
	if target <= 0 {
		row.Target, row.Verdict = "-", "no target"
	}
	switch {
	case !stop.IsZero():
		took := stop.Sub(from)
		row.Actual = Duration(took)
		if target > 0 {
			row.Verdict = "met"
			if took > target {
				row.Verdict = "breached"
			}
		}
	default:
		used := now.Sub(from)
		row.Actual = Duration(used) + " (running)"
		if target > 0 {
			row.Verdict = "running"
			if used > target {
				row.Verdict = "breached"
			}
		}
	}
	return row
}

// updateStats replays the cadence over the timeline: the first update is due one
// cadence after the declaration, each next one a cadence after the previous update.
// It uses the current priority's cadence for the whole incident.
func (s *Service) updateStats(inc *Incident, now time.Time) UpdateStats {
	every := s.target(inc).UpdateEvery
	if !inc.Major || every <= 0 {
		return UpdateStats{}
	}
	st := UpdateStats{Cadence: Duration(every)}
	end := now
	if !inc.ResolvedAt.IsZero() {
		end = inc.ResolvedAt
	}
	last, due := inc.DeclaredAt, inc.DeclaredAt.Add(every)
	var gap time.Duration
	for _, e := range inc.Timeline {
		if e.Kind != KindUpdate || e.At.After(end) {
			continue
		}
		st.Due++
		if e.At.After(due) {
			st.Late++
			st.Missed += int(e.At.Sub(due) / every)
		} else {
			st.OnTime++
		}
		gap = max(gap, e.At.Sub(last))
		last, due = e.At, e.At.Add(every)
	}
	if end.After(due) {
		st.Due++
		st.Missed += 1 + int(end.Sub(due)/every)
	}
	gap = max(gap, end.Sub(last))
	st.LongestGap = Duration(gap)
	return st
}

// DraftRequest builds what a Summarizer is given for inc.
func (s *Service) draftRequest(inc *Incident, sum Summary) DraftRequest {
	var facts strings.Builder
	fmt.Fprintf(&facts, "Priority %s (impact %s, urgency %s), state %s, towers %s.\n", sum.Priority, sum.Impact, sum.Urgency, sum.State, strings.Join(sum.Towers, ", "))
	for _, in := range sum.Instants {
		fmt.Fprintf(&facts, "%s: %s (%s)\n", in.Name, in.At, in.After)
	}
	for _, r := range sum.SLA {
		fmt.Fprintf(&facts, "%s: target %s, actual %s, %s\n", r.Name, r.Target, r.Actual, r.Verdict)
	}
	if sum.Updates.Cadence != "" {
		fmt.Fprintf(&facts, "Status updates every %s: %d due, %d on time, %d late, %d missed, longest gap %s\n", sum.Updates.Cadence, sum.Updates.Due, sum.Updates.OnTime, sum.Updates.Late, sum.Updates.Missed, sum.Updates.LongestGap)
	}
	req := DraftRequest{Incident: s.headline(inc), Facts: facts.String()}
	for _, r := range inc.Similar {
		req.Similar = append(req.Similar, SimilarLine(r))
	}
	for _, l := range sum.Timeline {
		req.Entries = append(req.Entries, DraftEntry{N: l.N, At: l.At, Kind: l.Kind, Actor: l.Actor, Text: l.Text})
	}
	return req
}

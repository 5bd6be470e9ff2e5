package api

import (
	"time"

	"mimbot/mim"
)

// Summary is the JSON of `mimbot summary --format json`.
type Summary struct {
	Incident   int         `json:"incident"`
	Markdown   string      `json:"markdown"`
	SVG        string      `json:"svg"`
	Draft      *mim.Draft  `json:"draft"`
	DraftNote  string      `json:"draft_note"`
	ApprovedBy string      `json:"approved_by"`
	ApprovedAt *time.Time  `json:"approved_at"`
	CreatedAt  *time.Time  `json:"created_at"`
	SLA        []SLARow    `json:"sla"`
	Updates    UpdateStats `json:"updates"`
	Problem    *Problem    `json:"problem"`
}

// SLARow is one SLA or OLA target and its result.
type SLARow struct {
	Name    string `json:"name"`
	Target  string `json:"target"`
	Actual  string `json:"actual"`
	Verdict string `json:"verdict"`
}

// UpdateStats is how the status-update cadence was kept.
type UpdateStats struct {
	Cadence    string `json:"cadence"`
	Due        int    `json:"due"`
	OnTime     int    `json:"on_time"`
	Late       int    `json:"late"`
	Missed     int    `json:"missed"`
	LongestGap string `json:"longest_gap"`
}

// Problem is the problem-management record of a closed incident, as it is worked.
type Problem struct {
	Ref        string     `json:"ref"`
	Owner      string     `json:"owner"`
	Due        *time.Time `json:"due"`
	State      string     `json:"state"` // open, known_error, closed
	RootCause  string     `json:"root_cause"`
	Workaround string     `json:"workaround"`
	KnownError string     `json:"known_error"` // KE-n or ""
	Change     string     `json:"change"`
	Incidents  []int      `json:"incidents"`
	CreatedAt  *time.Time `json:"created_at"`
	ClosedAt   *time.Time `json:"closed_at"`
}

// FromSummary converts a stored (or previewed) summary and the computed facts.
func FromSummary(inc *mim.Incident, doc *mim.SummaryDoc, facts mim.Summary) Summary {
	out := Summary{Incident: inc.Number, Markdown: doc.Markdown, SVG: doc.SVG, Draft: doc.Draft, DraftNote: doc.DraftNote,
		ApprovedBy: doc.ApprovedBy, ApprovedAt: ts(doc.ApprovedAt), CreatedAt: ts(doc.CreatedAt), SLA: []SLARow{},
		Updates: UpdateStats(facts.Updates)}
	for _, r := range facts.SLA {
		out.SLA = append(out.SLA, SLARow(r))
	}
	if inc.Problem != nil {
		out.Problem = ProblemOf(inc.Problem)
	}
	return out
}

// ProblemOf converts a problem record. A hand-off that no store has opened as a
// record yet is open, and links the incident it came with.
func ProblemOf(p *mim.Problem) *Problem {
	out := &Problem{Ref: p.Ref, Owner: p.Owner, Due: ts(p.Due), State: string(p.State), RootCause: p.RootCause,
		Workaround: p.Workaround, KnownError: p.KnownError, Change: p.Change, Incidents: append([]int{}, p.Incidents...),
		CreatedAt: ts(p.CreatedAt), ClosedAt: ts(p.ClosedAt)}
	if out.State == "" {
		out.State = string(mim.ProblemOpen)
	}
	return out
}

// KnownError is one entry of the known-error database.
type KnownError struct {
	Ref         string    `json:"ref"` // KE-n
	Number      int       `json:"number"`
	Problem     string    `json:"problem"`
	Title       string    `json:"title"`
	RootCause   string    `json:"root_cause"`
	Workaround  string    `json:"workaround"`
	PublishedAt time.Time `json:"published_at"`
}

// KnownErrorOf converts a known error.
func KnownErrorOf(k mim.KnownError) KnownError {
	return KnownError{Ref: k.Ref(), Number: k.Number, Problem: k.Problem, Title: k.Title, RootCause: k.RootCause,
		Workaround: k.Workaround, PublishedAt: k.PublishedAt.UTC()}
}

// Action is a follow-up action of an incident.
type Action struct {
	Number    int        `json:"number"`
	Incident  int        `json:"incident"`
	Text      string     `json:"text"`
	Owner     string     `json:"owner"`
	Due       time.Time  `json:"due"`
	DoneAt    *time.Time `json:"done_at"`
	DoneBy    string     `json:"done_by"`
	CreatedBy string     `json:"created_by"`
	CreatedAt *time.Time `json:"created_at"`
}

// ActionOf converts a follow-up action.
func ActionOf(a mim.Action) Action {
	return Action{Number: a.Number, Incident: a.Incident, Text: a.Text, Owner: a.Owner, Due: a.Due.UTC(), DoneAt: ts(a.DoneAt),
		DoneBy: a.DoneBy, CreatedBy: a.CreatedBy, CreatedAt: ts(a.CreatedAt)}
}

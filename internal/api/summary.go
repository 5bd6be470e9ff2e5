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

// Problem is the problem-management record of a closed incident.
type Problem struct {
	Ref   string     `json:"ref"`
	Owner string     `json:"owner"`
	Due   *time.Time `json:"due"`
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

// ProblemOf converts a problem record.
func ProblemOf(p *mim.Problem) *Problem {
	return &Problem{Ref: p.Ref, Owner: p.Owner, Due: ts(p.Due)}
}

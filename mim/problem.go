package mim

import "time"

// Problem is the record handed to problem management when an incident closes: who
// owns the root-cause analysis and by when.
type Problem struct {
	Ref       string // PRB-12
	Owner     string // person key
	Due       time.Time
	CreatedAt time.Time
}

// SummaryDoc is the latest post-incident summary stored with an incident.
type SummaryDoc struct {
	Markdown   string
	SVG        string
	Draft      *Draft // the validated LLM draft it shows, if any
	DraftNote  string
	ApprovedBy string
	ApprovedAt time.Time
	CreatedAt  time.Time
}

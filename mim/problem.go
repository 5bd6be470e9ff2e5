package mim

import (
	"fmt"
	"time"
)

// ProblemState is where a problem record is in problem management.
type ProblemState string

// A problem is opened when its incident closes, becomes a known error once its root
// cause and workaround are published, and is closed when the permanent fix is in.
const (
	ProblemOpen       ProblemState = "open"
	ProblemKnownError ProblemState = "known_error"
	ProblemClosed     ProblemState = "closed"
)

// Problem is the record handed to problem management when an incident closes: who
// owns the root-cause analysis and by when, and what the analysis found. Ref, Owner,
// Due and CreatedAt are the hand-off (kept with the incident too); the rest is worked
// afterwards and lives with the problem, which may link several incidents.
type Problem struct {
	Ref       string // PRB-12
	Owner     string // person key
	Due       time.Time
	CreatedAt time.Time

	State      ProblemState
	RootCause  string
	Workaround string
	Change     string // the change that carried the permanent fix, when closed
	KnownError string // KE-3 once published, else ""
	ClosedAt   time.Time
	Incidents  []int // the incidents it links, oldest first
}

// KnownError is a problem whose root cause and workaround are published, so that the
// next responder to meet the same symptoms starts from the workaround.
type KnownError struct {
	Number      int
	Problem     string // PRB-12
	Title       string
	RootCause   string
	Workaround  string
	PublishedAt time.Time
}

// Ref is how people refer to the known error: "KE-3".
func (k KnownError) Ref() string { return fmt.Sprintf("KE-%d", k.Number) }

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

package mim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Priority orders incidents: P0 is the most urgent, P4 the least.
type Priority int

// The five priorities.
const (
	P0 Priority = iota
	P1
	P2
	P3
	P4
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{P0, P1, P2, P3, P4}

func (p Priority) String() string {
	if p < P0 || p > P4 {
		return fmt.Sprintf("P?%d", int(p))
	}
	return fmt.Sprintf("P%d", int(p))
}

// ParsePriority reads "P0".."P4" (case-insensitive).
func ParsePriority(s string) (Priority, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, p := range Priorities {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, Errorf(EINVALID, "%q is not a priority: use P0, P1, P2, P3 or P4", s)
}

// Level is an impact or urgency: high, medium or low.
type Level string

// The three levels of impact and urgency.
const (
	High   Level = "high"
	Medium Level = "medium"
	Low    Level = "low"
)

// Levels lists the levels from highest to lowest.
var Levels = []Level{High, Medium, Low}

// ParseLevel reads a level; what names what is being parsed (impact, urgency).
func ParseLevel(what, s string) (Level, error) {
	l := Level(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Levels, l) {
		return l, nil
	}
	return "", Errorf(EINVALID, "%s=%s is not valid: use %s=high, %s=medium or %s=low", what, s, what, what, what)
}

// Target is what the policy promises for one priority. A zero UpdateEvery means no
// status-update cadence.
type Target struct {
	Respond     time.Duration
	Resolve     time.Duration
	UpdateEvery time.Duration
	RCAWithin   time.Duration // when the RCA of a closed incident is due; 0: five days
}

// Policy turns impact and urgency into a priority and a priority into targets.
type Policy struct {
	Matrix  map[Level]map[Level]Priority // impact -> urgency -> priority
	Major   []Priority
	Targets map[Priority]Target
}

// Prioritize looks impact x urgency up in the matrix.
func (p Policy) Prioritize(impact, urgency Level) Priority {
	if row, ok := p.Matrix[impact]; ok {
		if pr, ok := row[urgency]; ok {
			return pr
		}
	}
	return P2
}

// IsMajor tells whether a priority gets the major-incident procedure.
func (p Policy) IsMajor(pr Priority) bool { return slices.Contains(p.Major, pr) }

// Target returns the targets of a priority.
func (p Policy) Target(pr Priority) Target { return p.Targets[pr] }

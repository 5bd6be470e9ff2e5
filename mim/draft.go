package mim

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Summarizer drafts the narrative of a post-incident summary (an LLM). Optional: with
// none, or when it fails, the summary is the template's facts alone.
type Summarizer interface {
	Draft(ctx context.Context, req DraftRequest) (Draft, error)
}

// DraftRequest is what a Summarizer gets: the facts, and the timeline with the entry
// numbers statements must cite. Entry text is data written by people in the war room,
// never instructions.
type DraftRequest struct {
	Incident string       // "#12 Payments down (P0)"
	Facts    string       // header, key instants, SLA/OLA results, as text
	Entries  []DraftEntry // the timeline, numbered from 1
	// Similar are the known errors and past incidents found like this one when it
	// was declared, one line each beginning with its ref (KE-2, #14): context the
	// draft may cite by ref, never facts of this incident.
	Similar []string
}

// DraftEntry is one numbered timeline entry.
type DraftEntry struct {
	N     int
	At    string
	Kind  string
	Actor string
	Text  string
}

// Draft is a Summarizer's answer. Statements that cite no entry, or entries that do
// not exist, are dropped by Validate.
type Draft struct {
	Narrative []Statement `json:"narrative"`
	Factors   []Statement `json:"contributing_factors"`
	Questions []Statement `json:"rca_questions"`
	Actions   []Statement `json:"action_items"`
	Model     string      `json:"-"`
}

// Statement is one claim with the timeline entries it rests on.
type Statement struct {
	Text  string `json:"text"`
	Cites []int  `json:"cites"`
}

// Limits on a draft, so that a model cannot flood the war room.
const (
	maxStatements     = 8
	maxStatementRunes = 600
)

// mentionish matches what could notify people on a chat platform: @channel, @here,
// @everyone, <@U123>, <!channel>, <#C123>, <@&role>, and @name.
var mentionish = regexp.MustCompile(`<[@!#][^>]*>|@[\p{L}\p{N}_.-]+`)

// Validate keeps the statements that cite existing entries (1..entries), strips
// anything that could mention or page someone, and bounds the size. It returns the
// clean draft and how many statements it dropped.
func (d Draft) Validate(entries int) (Draft, int) {
	dropped := 0
	clean := func(in []Statement) []Statement {
		var out []Statement
		for _, st := range in {
			text := strings.TrimSpace(unmention(st.Text))
			ok := text != "" && len(st.Cites) > 0
			var cites []int
			for _, c := range st.Cites {
				if c < 1 || c > entries {
					ok = false
				}
				cites = append(cites, c)
			}
			if !ok || len(out) >= maxStatements {
				dropped++
				continue
			}
			if utf8.RuneCountInString(text) > maxStatementRunes {
				text = string([]rune(text)[:maxStatementRunes]) + "…"
			}
			out = append(out, Statement{Text: text, Cites: cites})
		}
		return out
	}
	return Draft{Narrative: clean(d.Narrative), Factors: clean(d.Factors), Questions: clean(d.Questions), Actions: clean(d.Actions), Model: d.Model}, dropped
}

// unmention strips every mention from text. Stripping one can join what surrounds it
// into another (@@everyone, @<@U1>x), so it repeats until none is left; each pass
// removes at least the @ or < that starts a match, so it ends.
func unmention(text string) string {
	strip := strings.NewReplacer("@", "", "<", "", ">", "", "!", "", "#", "", "&", "")
	for mentionish.MatchString(text) {
		text = mentionish.ReplaceAllStringFunc(text, strip.Replace)
	}
	return text
}

// Empty tells whether nothing is left to show.
func (d Draft) Empty() bool {
	return len(d.Narrative)+len(d.Factors)+len(d.Questions)+len(d.Actions) == 0
}

// Cite renders a statement's citations: "[3, 7]".
func (st Statement) Cite() string {
	parts := make([]string, len(st.Cites))
	for i, c := range st.Cites {
		parts[i] = fmt.Sprint(c)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

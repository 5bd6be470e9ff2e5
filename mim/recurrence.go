package mim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// recurring is what the search found about an incident recurring, read before the
// transaction that acts on it.
type recurring struct {
	// earlier are the similar resolved or closed incidents that share a tower with
	// it within Config.Recurrence.Within, oldest first; nil when they are too few.
	earlier []int
	towers  []string // the incident's towers that they share
	// open is a problem, not closed, that already links two or more of them with
	// the incident: the recurrence has its record, and the incident joins it.
	open *Problem
}

// similarEnough tells whether a past incident that matched matched of terms counts
// towards a recurrence: at least half of the words of the new incident.
func similarEnough(matched int, terms []string) bool {
	return matched > 0 && 2*matched >= len(terms)
}

// recurrence finds the earlier incidents that make inc a recurrence: similar
// (similarEnough), sharing one of its towers, resolved or closed within the
// configured window, with inc reaching the configured count.
func (s *Service) recurrence(ctx context.Context, inc *Incident, terms []string, now time.Time) (recurring, error) {
	rule := s.Config.Recurrence
	if rule.Count <= 0 {
		rule.Count = DefaultRecurrenceCount
	}
	if rule.Within <= 0 {
		rule.Within = DefaultRecurrenceWithin
	}
	if len(terms) == 0 || len(inc.Towers) == 0 || inc.Problem != nil {
		return recurring{}, nil
	}
	cands, err := s.Store.Similar(ctx, SimilarQuery{Terms: terms, Towers: inc.Towers, Since: now.Add(-rule.Within), Exclude: inc.Number})
	if err != nil {
		return recurring{}, fmt.Errorf("recurrence of #%d: %w", inc.Number, err)
	}
	var r recurring
	for _, c := range cands {
		if c.Kind != SimilarIncident || !similarEnough(c.Matched, terms) {
			continue
		}
		shared := false
		for _, t := range c.Towers {
			if slices.Contains(inc.Towers, t) {
				shared = true
				if !slices.Contains(r.towers, t) {
					r.towers = append(r.towers, t)
				}
			}
		}
		if shared {
			r.earlier = append(r.earlier, c.Number)
		}
	}
	if len(r.earlier)+1 < rule.Count {
		return recurring{}, nil
	}
	slices.Sort(r.earlier)
	slices.SortFunc(r.towers, func(a, b string) int { return slices.Index(inc.Towers, a) - slices.Index(inc.Towers, b) })
	problems, err := s.Store.Problems(ctx)
	if err != nil {
		return recurring{}, fmt.Errorf("recurrence of #%d: %w", inc.Number, err)
	}
	group := append(slices.Clone(r.earlier), inc.Number)
	for _, p := range slices.Backward(problems) { // oldest first
		if p.State == ProblemClosed {
			continue
		}
		linked := 0
		for _, n := range p.Incidents {
			if slices.Contains(group, n) {
				linked++
			}
		}
		if linked >= 2 {
			r.open = p
			break
		}
	}
	return r, nil
}

// recur acts on r within the search's transaction: inc joins the open problem of
// its recurrence, or a problem record is opened linking it and the earlier
// incidents, owned by the problem owner, who is told.
func (s *Service) recur(inc *Incident, ch *Change, r recurring, now time.Time) {
	if len(r.earlier) == 0 || inc.Problem != nil {
		return
	}
	if p := r.open; p != nil {
		if slices.Contains(p.Incidents, inc.Number) {
			return
		}
		inc.Problem = &Problem{Ref: p.Ref, Owner: p.Owner, Due: p.Due, CreatedAt: p.CreatedAt}
		ch.Problems = append(ch.Problems, Problem{Ref: p.Ref, Owner: p.Owner, Due: p.Due, CreatedAt: p.CreatedAt, State: p.State})
		ch.Log(now, KindProblem, Bot, fmt.Sprintf("Linked to %s, the problem record of the recurring incidents %s", p.Ref, refList(p.Incidents)))
		return
	}
	owner, due := s.rcaOwnerAndDue(inc, now)
	ref := fmt.Sprintf("PRB-%d", inc.Number)
	all := append(slices.Clone(r.earlier), inc.Number)
	inc.Problem = &Problem{Ref: ref, Owner: owner, Due: due, CreatedAt: now}
	ch.Problems = append(ch.Problems, Problem{Ref: ref, Owner: owner, Due: due, CreatedAt: now, State: ProblemOpen, Incidents: all})
	ch.Global = append(ch.Global, problemTimers(ref, due, now)...)
	day := due.In(s.Config.Location).Format("Mon 2 Jan 2006")
	text := fmt.Sprintf("Problem record %s opened for recurring incidents: %s, similar, on the %s %s; owner %s, RCA due %s.",
		ref, refList(all), strings.Join(r.towers, ", "), towerWord(len(r.towers)), orNone(owner), day)
	for _, n := range all {
		e := Entry{At: now, Kind: KindProblemOpened, Actor: Bot, Text: text}
		if n == inc.Number {
			ch.Entries = append(ch.Entries, e)
			continue
		}
		ch.Elsewhere = append(ch.Elsewhere, IncidentEntry{Incident: n, Entry: e})
	}
	if inc.Major {
		s.say(inc, ch, ToWarRoom, KindProblemOpened, text)
	}
	if owner != "" {
		s.tell(inc, ch, owner, KindProblemOpened, fmt.Sprintf("You own the RCA of %s, opened because similar incidents recur on the %s %s (%s): due %s. `problem show %s`.",
			ref, strings.Join(r.towers, ", "), towerWord(len(r.towers)), refList(all), day, ref))
	}
}

// refList is "#3, #5 and #8".
func refList(numbers []int) string {
	refs := make([]string, len(numbers))
	for i, n := range numbers {
		refs[i] = fmt.Sprintf("#%d", n)
	}
	if len(refs) < 2 {
		return strings.Join(refs, "")
	}
	return strings.Join(refs[:len(refs)-1], ", ") + " and " + refs[len(refs)-1]
}

func towerWord(n int) string {
	if n == 1 {
		return "tower"
	}
	return "towers"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

package mim

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TimerSummary writes the post-incident summary after resolve and close, outside the
// command that caused it (an LLM may take a while).
const TimerSummary = "summary"

// defaultRCAWithin is when the RCA is due when the policy says nothing.
const defaultRCAWithin = 5 * 24 * time.Hour

// WriteSummary computes the post-incident summary of incident number, asks the
// Summarizer for a draft when there is one (bounded by DraftTimeout), renders Markdown
// and SVG, stores them with the incident and posts the summary in the war room. fired
// is the summary timer being completed, if any.
func (s *Service) WriteSummary(ctx context.Context, number int, fired *Timer) (*Incident, error) {
	inc, err := s.Store.Incident(ctx, number)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	sum := s.Summarize(inc, now)
	doc := SummaryDoc{CreatedAt: now}
	if s.Summarizer != nil {
		doc.Draft, doc.DraftNote = s.draft(ctx, inc, sum)
	}
	doc.Markdown, doc.SVG = s.renderSummary(inc, sum, &doc, now)
	inc, err = s.update(ctx, number, func(inc *Incident, ch *Change) error {
		ch.Fired = fired
		inc.Summary = &doc
		what := "template only"
		if doc.Draft != nil {
			what = "with an LLM draft awaiting the IM's approval"
		}
		ch.Log(now, KindSummary, Bot, "Post-incident summary written ("+what+")")
		s.say(inc, ch, ToWarRoom, KindSummary, doc.Markdown)
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil, nil
	}
	return inc, err
}

// draft asks the Summarizer and keeps only what survives validation.
func (s *Service) draft(ctx context.Context, inc *Incident, sum Summary) (*Draft, string) {
	timeout := s.DraftTimeout
	if timeout <= 0 {
		timeout = 45 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := s.Summarizer.Draft(dctx, s.draftRequest(inc, sum))
	if err != nil {
		if dctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("the LLM did not answer within %s", Duration(timeout))
		}
		s.Log.Warn("summary draft failed", "incident", inc.Number, "err", err)
		return nil, "no LLM draft: " + err.Error() + "; this summary is the template alone."
	}
	v, dropped := d.Validate(len(inc.Timeline))
	if v.Empty() {
		return nil, "the LLM draft was discarded: none of its statements cited existing timeline entries."
	}
	note := ""
	if dropped > 0 {
		note = fmt.Sprintf("%s dropped from the LLM draft for citing no timeline entry or entries that do not exist.", plural(dropped, "statement was", "statements were"))
	}
	return &v, note
}

func (s *Service) renderSummary(inc *Incident, sum Summary, doc *SummaryDoc, now time.Time) (markdown, svg string) {
	sum.Draft, sum.DraftNote = doc.Draft, doc.DraftNote
	if doc.ApprovedBy != "" {
		sum.Approved = fmt.Sprintf("approved by %s at %s", doc.ApprovedBy, s.fmtTime(doc.ApprovedAt))
	}
	return s.render("summary.md.tmpl", sum), s.Chart(inc, now)
}

// ApproveSummary lets the IM approve the LLM draft of the latest summary; the summary is
// rendered again with the approval and posted.
func (s *Service) ApproveSummary(ctx context.Context, number int, actor string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		roles := []role{roleIM}
		if inc.IM == "" {
			roles = append(roles, roleSMO)
		}
		if err := s.allow(inc, actor, "approve the summary", roles...); err != nil {
			return err
		}
		doc := inc.Summary
		switch {
		case doc == nil:
			return Errorf(ECONFLICT, "%s has no summary yet: `summary` writes one.", inc.Ref())
		case doc.Draft == nil:
			return Errorf(ECONFLICT, "The summary of %s has no LLM draft to approve; it is the template's facts alone.", inc.Ref())
		case doc.ApprovedBy != "":
			return Errorf(ECONFLICT, "The summary of %s was already approved by %s.", inc.Ref(), doc.ApprovedBy)
		}
		now := s.Clock.Now()
		approved := *doc
		approved.ApprovedBy, approved.ApprovedAt = actor, now
		approved.Markdown, approved.SVG = s.renderSummary(inc, s.Summarize(inc, now), &approved, now)
		inc.Summary = &approved
		ch.Log(now, KindSummary, actor, "Approved the LLM draft of the post-incident summary")
		s.say(inc, ch, ToWarRoom, KindSummary, approved.Markdown)
		return nil
	})
}

// openProblem records the problem-management hand-off of a closing incident.
func (s *Service) openProblem(inc *Incident, ch *Change, now time.Time) {
	if inc.Problem != nil {
		return
	}
	owner, due := s.rcaOwnerAndDue(inc, now)
	inc.Problem = &Problem{Ref: fmt.Sprintf("PRB-%d", inc.Number), Owner: owner, Due: due, CreatedAt: now}
	// The record that is worked starts from what the incident knows: its workaround.
	ch.Problems = append(ch.Problems, Problem{Ref: inc.Problem.Ref, Owner: owner, Due: inc.Problem.Due, CreatedAt: now,
		State: ProblemOpen, Workaround: inc.Workaround, Incidents: []int{inc.Number}})
	ch.Global = append(ch.Global, problemTimers(inc.Problem.Ref, inc.Problem.Due, now)...)
	text := fmt.Sprintf("Problem record %s opened for root-cause analysis: owner %s, due %s.", inc.Problem.Ref, owner, inc.Problem.Due.In(s.Config.Location).Format("Mon 2 Jan 2006"))
	ch.Log(now, KindProblem, Bot, text)
	s.say(inc, ch, ToWarRoom, KindProblem, text+" The post-incident summary follows.")
	s.say(inc, ch, ToStakeholders, KindProblem, inc.Ref()+" "+inc.Title+": "+text)
	if owner != "" {
		s.tell(inc, ch, owner, KindProblem, fmt.Sprintf("You own the RCA of %s: %s, due %s.", s.headline(inc), inc.Problem.Ref, inc.Problem.Due.In(s.Config.Location).Format("Mon 2 Jan 2006")))
	}
}

// Preview renders a summary of inc now without an LLM and without storing it, for
// `mimbot summary` on an incident that has none yet.
func (s *Service) Preview(inc *Incident) SummaryDoc {
	now := s.Clock.Now()
	doc := SummaryDoc{CreatedAt: now, DraftNote: "preview computed on request; no summary was written for this incident yet."}
	doc.Markdown, doc.SVG = s.renderSummary(inc, s.Summarize(inc, now), &doc, now)
	return doc
}

// rcaOwnerAndDue is who owns the root-cause analysis of a problem inc opens
// (smo.problem_owner, else the first head) and when it is due (the priority's
// rca_within, else defaultRCAWithin).
func (s *Service) rcaOwnerAndDue(inc *Incident, now time.Time) (string, time.Time) {
	owner := s.Config.ProblemOwner
	if owner == "" && len(s.Config.Head) > 0 {
		owner = s.Config.Head[0]
	}
	within := s.target(inc).RCAWithin
	if within <= 0 {
		within = defaultRCAWithin
	}
	return owner, now.Add(within)
}

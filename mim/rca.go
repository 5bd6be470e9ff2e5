package mim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Timers of problem records are global (incident 0), keyed by the problem's ref, so
// that they outlive the incident's own timers: "problem:PRB-12:remind" a day before
// the RCA is due, "problem:PRB-12:overdue" when it is.
const (
	timerProblemPrefix = "problem:"
	timerRemindSuffix  = ":remind"
	timerOverdueSuffix = ":overdue"
)

// ProblemTimerKey is the key of problem ref's reminder (overdue false) or overdue
// escalation (overdue true).
func ProblemTimerKey(ref string, overdue bool) string {
	if overdue {
		return timerProblemPrefix + ref + timerOverdueSuffix
	}
	return timerProblemPrefix + ref + timerRemindSuffix
}

// rcaRemindBefore is how long before the RCA's due time its owner is reminded.
const rcaRemindBefore = 24 * time.Hour

// ParseProblemRef reads "PRB-12", "prb-12" or "12" as "PRB-12".
func ParseProblemRef(s string) (string, error) {
	s = strings.TrimSpace(s)
	digits := s
	if len(s) > 4 && strings.EqualFold(s[:4], "PRB-") {
		digits = s[4:]
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 {
		return "", Errorf(EINVALID, "%q is not a problem record; name one such as PRB-12 (`problem show PRB-12`).", s)
	}
	return fmt.Sprintf("PRB-%d", n), nil
}

// problemTimers are the reminder and the overdue escalation of a problem due at due.
func problemTimers(ref string, due, now time.Time) []Timer {
	remind := due.Add(-rcaRemindBefore)
	if remind.Before(now) {
		remind = now
	}
	return []Timer{{Key: ProblemTimerKey(ref, false), Due: remind}, {Key: ProblemTimerKey(ref, true), Due: due}}
}

// workProblem runs fn on problem ref for actor, who must own it or be in the SMO,
// with the request's key; doing names the action in a refusal.
func (s *Service) workProblem(ctx context.Context, ref, actor, doing string, fn func(e *ProblemEdit, now time.Time) error) (*Problem, error) {
	key := requestKey(ctx)
	p, err := s.Store.UpdateProblem(ctx, ref, func(e *ProblemEdit) error {
		if actor != e.Problem.Owner && !s.Config.IsSMO(actor) {
			owner := e.Problem.Owner
			if owner == "" {
				owner = "none"
			}
			return Errorf(EFORBIDDEN, "Only the owner of %s (%s) or the SMO (%s) may %s; you are %s.", ref, owner,
				strings.Join(append(slices.Clone(s.Config.Rotation.Members), s.Config.Head...), ", "), doing, s.describe(nil, actor))
		}
		e.Change.Request = key
		return fn(e, s.Clock.Now())
	})
	if errors.Is(err, ErrSeen) {
		return s.Store.Problem(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return p, nil
}

// mustWork refuses to change a problem that is no longer being analysed.
func mustWork(p *Problem, doing string) error {
	switch p.State {
	case ProblemKnownError:
		return Errorf(ECONFLICT, "%s is published as known error %s: its root cause and workaround stay as published. `problem close %s change=<ref>` closes it once the fix is in.", p.Ref, p.KnownError, p.Ref)
	case ProblemClosed:
		return Errorf(ECONFLICT, "%s is closed: cannot %s.", p.Ref, doing)
	}
	return nil
}

// ProblemRCA records the root cause of problem ref.
func (s *Service) ProblemRCA(ctx context.Context, ref, actor, cause string) (*Problem, error) {
	cause = strings.TrimSpace(cause)
	if cause == "" {
		return nil, Errorf(EINVALID, "problem rca needs the root cause: problem rca %s Certificate expired: renewal was manual and missed", ref)
	}
	return s.workProblem(ctx, ref, actor, "record its root cause", func(e *ProblemEdit, now time.Time) error {
		if err := mustWork(e.Problem, "record a root cause"); err != nil {
			return err
		}
		e.Problem.RootCause = cause
		e.Change.Log(now, KindProblem, actor, fmt.Sprintf("%s root cause: %s", ref, cause))
		return nil
	})
}

// ProblemWorkaround records the workaround of problem ref.
func (s *Service) ProblemWorkaround(ctx context.Context, ref, actor, text string) (*Problem, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, Errorf(EINVALID, "problem workaround needs the workaround: problem workaround %s Fail over to the secondary provider", ref)
	}
	return s.workProblem(ctx, ref, actor, "record its workaround", func(e *ProblemEdit, now time.Time) error {
		if err := mustWork(e.Problem, "record a workaround"); err != nil {
			return err
		}
		e.Problem.Workaround = text
		e.Change.Log(now, KindProblem, actor, fmt.Sprintf("%s workaround: %s", ref, text))
		return nil
	})
}

// ProblemKnown publishes problem ref as a known error, which needs its root cause and
// its workaround; the RCA is then done, so its reminders stop.
func (s *Service) ProblemKnown(ctx context.Context, ref, actor string) (*Problem, error) {
	return s.workProblem(ctx, ref, actor, "publish it as a known error", func(e *ProblemEdit, now time.Time) error {
		p := e.Problem
		if err := mustWork(p, "publish it"); err != nil {
			return err
		}
		var missing, how []string
		if p.RootCause == "" {
			missing = append(missing, "no root cause")
			how = append(how, fmt.Sprintf("`problem rca %s <root cause>`", ref))
		}
		if p.Workaround == "" {
			missing = append(missing, "no workaround")
			how = append(how, fmt.Sprintf("`problem workaround %s <text>`", ref))
		}
		if len(missing) > 0 {
			return Errorf(EINVALID, "%s has %s yet; a known error needs both. Record it with %s, then `problem known %s`.",
				ref, strings.Join(missing, " and "), strings.Join(how, " and "), ref)
		}
		k := KnownError{Number: e.NextKnownError, Problem: ref, RootCause: p.RootCause, Workaround: p.Workaround, PublishedAt: now}
		if len(e.Incidents) > 0 {
			k.Title = e.Incidents[0].Title
		}
		e.Publish = &k
		p.State, p.KnownError = ProblemKnownError, k.Ref()
		e.Change.Cancel = append(e.Change.Cancel, ProblemTimerKey(ref, false), ProblemTimerKey(ref, true))
		e.Change.Log(now, KindProblem, actor, fmt.Sprintf("%s published as known error %s: %s (workaround: %s)", ref, k.Ref(), p.RootCause, p.Workaround))
		return nil
	})
}

// ProblemClose closes problem ref: the permanent fix is in, by change when given.
func (s *Service) ProblemClose(ctx context.Context, ref, actor, change string) (*Problem, error) {
	change = strings.TrimSpace(change)
	return s.workProblem(ctx, ref, actor, "close it", func(e *ProblemEdit, now time.Time) error {
		p := e.Problem
		if p.State == ProblemClosed {
			return Errorf(ECONFLICT, "%s is already closed (%s).", ref, s.fmtDate(p.ClosedAt))
		}
		p.State, p.Change, p.ClosedAt = ProblemClosed, change, now
		e.Change.Cancel = append(e.Change.Cancel, ProblemTimerKey(ref, false), ProblemTimerKey(ref, true))
		text := ref + " closed: the permanent fix is in"
		if change != "" {
			text += " (change " + change + ")"
		}
		e.Change.Log(now, KindProblem, actor, text)
		return nil
	})
}

// fireProblem runs a problem's reminder or overdue escalation, unless its root cause
// was recorded or it was published or closed meanwhile.
func (s *Service) fireProblem(ctx context.Context, t Timer, ref string, overdue bool) error {
	_, err := s.Store.UpdateProblem(ctx, ref, func(e *ProblemEdit) error {
		e.Change.Fired = &t
		p, now := e.Problem, s.Clock.Now()
		if p.State != ProblemOpen || p.RootCause != "" || len(e.Incidents) == 0 {
			return nil
		}
		inc, ch := e.Incidents[0], &e.Change
		if !overdue {
			ch.Log(now, KindReminder, Bot, fmt.Sprintf("Reminded %s: the RCA of %s is due %s", cmpOr(p.Owner, "nobody (no owner)"), ref, s.fmtDate(p.Due)))
			if p.Owner != "" {
				s.tell(inc, ch, p.Owner, KindReminder, fmt.Sprintf("Reminder: the RCA of %s (%s) is due %s. Record it with `/incident problem rca %s <root cause>`.", ref, s.headline(inc), s.fmtDate(p.Due), ref))
			}
			return nil
		}
		reason := fmt.Sprintf("the RCA of %s is overdue (was due %s; owner %s)", ref, s.fmtDate(p.Due), cmpOr(p.Owner, "none"))
		s.tellHead(inc, ch, now, Bot, reason)
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil
	}
	if ErrorCode(err) == ENOTFOUND {
		s.Log.Warn("timer of a problem that does not exist", "key", t.Key)
		return s.Store.CompleteTimer(ctx, t, nil, nil)
	}
	s.kick()
	return err
}

// fmtDate shows a due date in the configured zone: "Tue 3 Mar 2026 10:00 GMT".
func (s *Service) fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(s.Config.Location).Format("Mon 2 Jan 2006 15:04 MST")
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// Problem returns problem record ref.
func (s *Service) Problem(ctx context.Context, ref string) (*Problem, error) {
	return s.Store.Problem(ctx, ref)
}

// ProblemText renders a problem record for `problem show`.
func (s *Service) ProblemText(ctx context.Context, p *Problem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)", p.Ref, strings.ReplaceAll(string(p.State), "_", " "))
	if p.KnownError != "" {
		fmt.Fprintf(&b, ", published as %s", p.KnownError)
	}
	for _, n := range p.Incidents {
		if inc, err := s.Store.Incident(ctx, n); err == nil {
			fmt.Fprintf(&b, "\n    Incident %s %s (%s, %s)", inc.Ref(), inc.Title, inc.Priority, inc.State)
		} else {
			fmt.Fprintf(&b, "\n    Incident #%d", n)
		}
	}
	fmt.Fprintf(&b, "\n    Owner: %s · RCA due %s", cmpOr(p.Owner, "none"), s.fmtDate(p.Due))
	fmt.Fprintf(&b, "\n    Root cause: %s", cmpOr(p.RootCause, "not recorded yet (`problem rca "+p.Ref+" <root cause>`)"))
	fmt.Fprintf(&b, "\n    Workaround: %s", cmpOr(p.Workaround, "not recorded yet (`problem workaround "+p.Ref+" <text>`)"))
	if p.State == ProblemClosed {
		fmt.Fprintf(&b, "\n    Closed %s", s.fmtDate(p.ClosedAt))
		if p.Change != "" {
			fmt.Fprintf(&b, " by change %s", p.Change)
		}
	}
	return b.String()
}

// KnownErrorsText renders the known-error database, or what search finds in it.
func (s *Service) KnownErrorsText(ctx context.Context, search string) (string, error) {
	list, err := s.Store.KnownErrors(ctx, search)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		if search != "" {
			return fmt.Sprintf("No known error mentions %q. `known list` shows them all.", search), nil
		}
		return "No known errors yet. `problem known PRB-<n>` publishes one once its root cause and workaround are recorded.", nil
	}
	var b strings.Builder
	if search != "" {
		fmt.Fprintf(&b, "Known errors mentioning %q:", search)
	} else {
		fmt.Fprintf(&b, "%s:", plural(len(list), "known error", "known errors"))
	}
	for _, k := range list {
		fmt.Fprintf(&b, "\n%s (%s) %s\n    Root cause: %s\n    Workaround: %s", k.Ref(), k.Problem, k.Title, k.RootCause, k.Workaround)
	}
	return b.String(), nil
}

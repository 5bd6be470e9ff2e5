package mim

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Diagnose records the diagnosis and moves the incident to identified.
func (s *Service) Diagnose(ctx context.Context, number int, actor, text string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := s.advance(inc, Identified, "record a diagnosis"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "record the diagnosis", roleIM, roleMIT, roleSMO, roleOwner); err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			return Errorf(EINVALID, "diagnose needs the finding: diagnose Connection pool exhausted after the 14:02 deploy")
		}
		now := s.Clock.Now()
		inc.Diagnosis = text
		ch.Log(now, KindDiagnosis, actor, text)
		s.setState(inc, ch, now, Identified, actor)
		s.say(inc, ch, ToWarRoom, KindDiagnosis, fmt.Sprintf("Diagnosis by %s: %s (state identified)", Mention(actor), text))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Workaround records temporary relief and moves the incident to mitigated.
func (s *Service) Workaround(ctx context.Context, number int, actor, text string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := s.advance(inc, Mitigated, "record a workaround"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "record a workaround", roleIM, roleSMO, roleOwner); err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			return Errorf(EINVALID, "workaround needs what was done: workaround Traffic failed over to the secondary provider")
		}
		now := s.Clock.Now()
		inc.Workaround = text
		inc.MitigatedAt = now
		ch.Log(now, KindWorkaround, actor, text)
		s.setState(inc, ch, now, Mitigated, actor)
		s.say(inc, ch, ToWarRoom, KindWorkaround, fmt.Sprintf("Workaround in place (%s): %s (state mitigated)", Mention(actor), text))
		s.say(inc, ch, ToStakeholders, KindWorkaround, s.stakeholderPost(inc, "Service restored by a workaround", text, actor))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Resolve ends the incident's work: timers stop, stakeholders are told.
func (s *Service) Resolve(ctx context.Context, number int, actor, text string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "resolve"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "resolve", roleIM, roleSMO, roleOwner); err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			return Errorf(EINVALID, "resolve needs the fix, for example: resolve Rolled back release 2026.11.3; error rate normal for 15 minutes")
		}
		now := s.Clock.Now()
		inc.Resolution = text
		inc.ResolvedAt = now
		ch.Log(now, KindResolved, actor, text)
		s.setState(inc, ch, now, Resolved, actor)
		s.stopTimers(inc, ch)
		ch.Schedule = append(ch.Schedule, Timer{Incident: inc.Number, Key: TimerSummary, Due: now})
		s.askConfirmation(inc, ch, now)
		s.say(inc, ch, ToWarRoom, KindResolved, fmt.Sprintf("Resolved by %s after %s: %s. The reporter is asked to confirm; `close` closes it now.", Mention(actor), Duration(now.Sub(inc.DeclaredAt)), text))
		s.say(inc, ch, ToStakeholders, KindResolved, s.stakeholderPost(inc, "Resolved", text, actor))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Close closes a resolved incident.
func (s *Service) Close(ctx context.Context, number int, actor string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if inc.State != Resolved {
			return Errorf(ECONFLICT, "%s is %s: close works only on a resolved incident (resolve <fix> first).", inc.Ref(), inc.State)
		}
		if err := s.allow(inc, actor, "close", roleIM, roleSMO); err != nil {
			return err
		}
		s.close(inc, ch, s.Clock.Now(), actor, "Closed")
		return nil
	})
}

// close closes a resolved incident and hands it to problem management; text is the
// timeline entry's.
func (s *Service) close(inc *Incident, ch *Change, now time.Time, actor, text string) {
	inc.ClosedAt = now
	ch.Log(now, KindClosed, actor, text)
	s.setState(inc, ch, now, Closed, actor)
	ch.Cancel = append(ch.Cancel, TimerConfirm)
	by := "Closed by " + Mention(actor) + "."
	if actor == Bot {
		by = text + "."
	}
	s.say(inc, ch, ToWarRoom, KindClosed, by+" Thank you all.")
	s.say(inc, ch, ToStakeholders, KindClosed, s.stakeholderPost(inc, "Closed", "", ""))
	s.openProblem(inc, ch, now)
	ch.Schedule = append(ch.Schedule, Timer{Incident: inc.Number, Key: TimerSummary, Due: now})
	ch.Messages = append(ch.Messages, s.cards(inc, now)...)
}

// Cancel ends an incident that was declared in error.
func (s *Service) Cancel(ctx context.Context, number int, actor, reason string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "cancel"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "cancel", roleIM, roleSMO); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			return Errorf(EINVALID, "Say why: cancel reason=\"duplicate of #12\"")
		}
		now := s.Clock.Now()
		ch.Log(now, KindCancelled, actor, reason)
		s.setState(inc, ch, now, Cancelled, actor)
		inc.ClosedAt = now
		s.stopTimers(inc, ch)
		s.say(inc, ch, ToWarRoom, KindCancelled, fmt.Sprintf("Cancelled by %s: %s", Mention(actor), reason))
		s.say(inc, ch, ToStakeholders, KindCancelled, s.stakeholderPost(inc, "Cancelled: "+reason, "", ""))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Reopen takes a resolved incident back to investigating; the cadence and the resolve
// clock start again.
func (s *Service) Reopen(ctx context.Context, number int, actor, reason string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if inc.State != Resolved {
			return Errorf(ECONFLICT, "%s is %s: only a resolved incident can be reopened.", inc.Ref(), inc.State)
		}
		// The reporter is asked to confirm or reopen, so may reopen too.
		if actor != inc.DeclaredBy {
			if err := s.allow(inc, actor, "reopen", roleIM, roleSMO); err != nil {
				return err
			}
		}
		if strings.TrimSpace(reason) == "" {
			return Errorf(EINVALID, "Say why: reopen reason=\"errors are back since 15:10\"")
		}
		now := s.Clock.Now()
		ch.Log(now, KindReopened, actor, reason)
		s.setState(inc, ch, now, Investigating, actor)
		inc.ResolvedAt = time.Time{}
		ch.Cancel = append(ch.Cancel, TimerConfirm)
		s.scheduleSLA(inc, ch)
		s.startCadence(inc, ch, now)
		s.say(inc, ch, ToWarRoom, KindReopened, fmt.Sprintf("Reopened by %s: %s%s", Mention(actor), reason, s.nextDueSuffix(inc)))
		s.say(inc, ch, ToStakeholders, KindReopened, s.stakeholderPost(inc, "Reopened: "+reason, "", ""))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// advance checks that the incident may move forward to state to.
func (s *Service) advance(inc *Incident, to State, action string) error {
	if err := mustOpen(inc, action); err != nil {
		return err
	}
	if rank[to] < rank[inc.State] {
		return Errorf(ECONFLICT, "%s is already %s; the state moves forward only. Record findings with `note <text>`.", inc.Ref(), inc.State)
	}
	return nil
}

// stopTimers silences every timer of an incident that is no longer open, and resolves
// its pages on PagerDuty.
func (s *Service) stopTimers(inc *Incident, ch *Change) {
	inc.NextUpdateDue = time.Time{}
	ch.CancelAll = true
	seen := map[string]bool{}
	for _, p := range inc.Pages {
		if p.Tower != "" && !seen[p.Tower] {
			seen[p.Tower] = true
			s.pager(inc, ch, s.Config.Towers[p.Tower], KindResolved, p.Person)
		}
	}
}

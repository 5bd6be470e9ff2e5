package mim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Every incident gets an owner (ITIL step 4). A major incident has its incident
// manager instead; a non-major one is taken by, or assigned to, someone who works the
// queue of an impacted tower or the service desk.

// mayOwn tells whether key may own inc: a member or lead of an impacted tower, or the
// service desk. An incident with no tower may be owned by the service desk only.
func (s *Service) mayOwn(inc *Incident, key string) bool {
	if s.Config.InServiceDesk(key) {
		return true
	}
	return slices.ContainsFunc(inc.Towers, func(t string) bool { return s.Config.Works(key, t) })
}

// owners lists who may own inc, for refusals.
func (s *Service) owners(inc *Incident) string {
	var who []string
	for _, t := range inc.Towers {
		tw := s.Config.Towers[t]
		for _, k := range append(slices.Clone(tw.Leads), tw.Members...) {
			if !slices.Contains(who, k) {
				who = append(who, k)
			}
		}
	}
	for _, k := range s.Config.ServiceDesk {
		if !slices.Contains(who, k) {
			who = append(who, k)
		}
	}
	if len(who) == 0 {
		return "nobody is configured (add towers.<t>.members or service_desk)"
	}
	return strings.Join(who, ", ")
}

// Take makes the actor the owner of a non-major incident.
func (s *Service) Take(ctx context.Context, number int, actor string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := s.ownable(inc, "take"); err != nil {
			return err
		}
		if inc.Owner == actor {
			return Errorf(ECONFLICT, "You already own %s.", inc.Ref())
		}
		if !s.mayOwn(inc, actor) {
			return Errorf(EFORBIDDEN, "Only a member or lead of an impacted tower (%s) or the service desk may take %s: %s. Ask one of them, or `assign owner <person>`.",
				strings.Join(inc.Towers, ", "), inc.Ref(), s.owners(inc))
		}
		s.setOwner(inc, ch, actor, actor)
		return nil
	})
}

// AssignOwner makes person the owner of a non-major incident. The IM, the SMO, the
// service desk and the leads of an impacted tower may assign.
func (s *Service) AssignOwner(ctx context.Context, number int, actor, person string) (*Incident, error) {
	if err := s.person(person); err != nil {
		return nil, err
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := s.ownable(inc, "assign an owner"); err != nil {
			return err
		}
		leadsImpacted := slices.ContainsFunc(inc.Towers, func(t string) bool { return slices.Contains(s.Config.Towers[t].Leads, actor) })
		if !leadsImpacted && !s.Config.InServiceDesk(actor) && !s.plays(inc, actor, roleIM) && !s.plays(inc, actor, roleSMO) {
			return Errorf(EFORBIDDEN, "Only the SMO, the service desk or a lead of an impacted tower may assign the owner of %s; you are %s. Use `take` to own it yourself.", inc.Ref(), s.describe(inc, actor))
		}
		if !s.mayOwn(inc, person) {
			return Errorf(EFORBIDDEN, "%s may not own %s: the owner is a member or lead of an impacted tower (%s) or in the service desk: %s.",
				person, inc.Ref(), strings.Join(inc.Towers, ", "), s.owners(inc))
		}
		if inc.Owner == person {
			return Errorf(ECONFLICT, "%s already owns %s.", person, inc.Ref())
		}
		s.setOwner(inc, ch, person, actor)
		return nil
	})
}

// ownable refuses an owner for an incident that is closed or major.
func (s *Service) ownable(inc *Incident, action string) error {
	if err := mustOpen(inc, action); err != nil {
		return err
	}
	if inc.Major {
		return Errorf(ECONFLICT, "%s is a major incident: its incident manager owns it. Use `assign im <person>` to hand it over.", inc.Ref())
	}
	return nil
}

// setOwner records the owner; the respond clock stops (the incident has someone).
func (s *Service) setOwner(inc *Incident, ch *Change, owner, by string) {
	now := s.Clock.Now()
	prev := inc.Owner
	inc.Owner = owner
	text := owner + " owns it"
	if by != owner {
		text += " (assigned by " + by + ")"
	}
	if prev != "" {
		text += ", taking over from " + prev
	}
	ch.Log(now, KindAssigned, by, text)
	if inc.State == Declared {
		s.setState(inc, ch, now, Investigating, by)
	}
	s.responded(inc, ch, now, by, "an owner")
	if by != owner {
		s.tell(inc, ch, owner, KindAssigned, fmt.Sprintf("%s assigned %s to you. `queue mine` lists what you own.", by, s.headline(inc)))
	}
	ch.Messages = append(ch.Messages, s.cards(inc, now)...)
}

// askConfirmation asks the reporter to confirm the fix of a resolved incident, and
// schedules the close without confirmation.
func (s *Service) askConfirmation(inc *Incident, ch *Change, now time.Time) {
	within := s.Config.ConfirmDeadline()
	ch.Schedule = append(ch.Schedule, Timer{Incident: inc.Number, Key: TimerConfirm, Due: now.Add(within)})
	if _, ok := s.Config.People[inc.DeclaredBy]; !ok {
		return // reported by an address or a monitor: nobody to ask in chat
	}
	s.tell(inc, ch, inc.DeclaredBy, KindResolved, fmt.Sprintf("%s is resolved: %s. Does it work for you again? Answer `/incident confirm incident=%d`, or `/incident reopen incident=%d reason=<what is still wrong>`. Without an answer it closes in %s.",
		s.headline(inc), inc.Resolution, inc.Number, inc.Number, Duration(within)), ButtonConfirm, ButtonReopen)
}

// Confirm closes a resolved incident: the reporter (or the IM, the SMO) confirms the
// fix (ITIL step 9).
func (s *Service) Confirm(ctx context.Context, number int, actor string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if inc.State != Resolved {
			return Errorf(ECONFLICT, "%s is %s: confirm works only on a resolved incident.", inc.Ref(), inc.State)
		}
		if actor != inc.DeclaredBy && !s.plays(inc, actor, roleIM) && !s.plays(inc, actor, roleSMO) {
			return Errorf(EFORBIDDEN, "Only the reporter (%s), the incident manager or the SMO may confirm %s; you are %s.", inc.DeclaredBy, inc.Ref(), s.describe(inc, actor))
		}
		now := s.Clock.Now()
		inc.ConfirmedAt = now
		ch.Log(now, KindConfirmed, actor, "The fix is confirmed")
		s.close(inc, ch, now, actor, "Closed after "+actor+" confirmed the fix")
		return nil
	})
}

// closeUnconfirmed closes a resolved incident whose reporter did not answer.
func (s *Service) closeUnconfirmed(inc *Incident, ch *Change, now time.Time) {
	if inc.State != Resolved {
		return
	}
	s.close(inc, ch, now, Bot, fmt.Sprintf("Closed without confirmation: %s did not confirm or reopen within %s", inc.DeclaredBy, Duration(s.Config.ConfirmDeadline())))
}

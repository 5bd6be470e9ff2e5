package mim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Update posts a status update: it resets the cadence and is relayed to stakeholders.
func (s *Service) Update(ctx context.Context, number int, actor, text string) (*Incident, error) {
	text = strings.TrimSpace(text)
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "post an update"); err != nil {
			return err
		}
		roles := []role{roleIM, roleComms}
		if inc.IM == "" {
			roles = append(roles, roleSMO) // until an IM is assigned the SMO speaks
		}
		if err := s.allow(inc, actor, "post status updates", roles...); err != nil {
			return err
		}
		if text == "" {
			return Errorf(EINVALID, "update needs the text stakeholders should read, for example: update Failover to the secondary provider in progress; card payments degraded")
		}
		now := s.Clock.Now()
		if inc.FirstUpdateAt.IsZero() {
			inc.FirstUpdateAt = now
		}
		inc.LastUpdateAt = now
		inc.SnoozedUntil = time.Time{}
		switch {
		case inc.NextUpdateDue.IsZero():
		case now.After(inc.NextUpdateDue):
			inc.Updates.Late++
		default:
			inc.Updates.OnTime++
		}
		ch.Log(now, KindUpdate, actor, text)
		s.responded(inc, ch, now, actor, "status update")
		s.startCadence(inc, ch, now)
		s.say(inc, ch, ToWarRoom, KindUpdate, fmt.Sprintf("Status update from %s: %s%s", Mention(actor), text, s.nextDueSuffix(inc)))
		s.say(inc, ch, ToStakeholders, KindUpdate, s.stakeholderPost(inc, "Status update", text, actor))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

func (s *Service) nextDueSuffix(inc *Incident) string {
	if inc.NextUpdateDue.IsZero() {
		return ""
	}
	return fmt.Sprintf(" (next update due by %s)", s.fmtTime(inc.NextUpdateDue))
}

// Reprioritize is the input of SetPriority: an explicit priority, or a new impact
// and/or urgency looked up in the matrix.
type Reprioritize struct {
	Priority *Priority
	Impact   Level
	Urgency  Level
	Reason   string
}

// SetPriority re-prioritises; the cadence and SLA clocks follow, and raising a minor
// incident to a major priority starts the major-incident procedure now.
func (s *Service) SetPriority(ctx context.Context, number int, actor string, r Reprioritize) (*Incident, error) {
	held, err := s.held(ctx)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "change its priority"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "change the priority", roleIM, roleSMO); err != nil {
			return err
		}
		if r.Priority != nil && strings.TrimSpace(r.Reason) == "" {
			return Errorf(EINVALID, "Say why: priority %s reason=\"customer-facing payments failing\"", r.Priority)
		}
		now := s.Clock.Now()
		old, wasMajor := inc.Priority, inc.Major
		if r.Impact != "" {
			inc.Impact = r.Impact
		}
		if r.Urgency != "" {
			inc.Urgency = r.Urgency
		}
		inc.Priority = s.Config.Policy.Prioritize(inc.Impact, inc.Urgency)
		if r.Priority != nil {
			inc.Priority = *r.Priority
		}
		why := ""
		if r.Reason != "" {
			why = ": " + r.Reason
		}
		ch.Log(now, KindPriority, actor, fmt.Sprintf("%s -> %s (impact %s, urgency %s)%s", old, inc.Priority, inc.Impact, inc.Urgency, why))
		s.scheduleSLA(inc, ch)
		major := s.Config.Policy.IsMajor(inc.Priority)
		switch {
		case major && !wasMajor:
			ch.Log(now, KindNote, actor, "Became a major incident: the major-incident procedure starts now")
			return s.startMajor(inc, ch, now, held)
		case !major && wasMajor:
			inc.Major = false
			s.stopCadence(inc, ch)
			ch.Log(now, KindNote, actor, "No longer a major incident: the war room and IM stay, status updates are no longer enforced")
			s.say(inc, ch, ToWarRoom, KindPriority, fmt.Sprintf("Priority %s -> %s%s. This is no longer a major incident: updates are no longer enforced.", old, inc.Priority, why))
			s.say(inc, ch, ToStakeholders, KindPriority, s.stakeholderPost(inc, fmt.Sprintf("Downgraded from %s, no longer a major incident", old), "", ""))
		case major:
			base := inc.LastUpdateAt
			if base.IsZero() {
				base = inc.DeclaredAt
			}
			due := base.Add(s.target(inc).UpdateEvery)
			if due.Before(now) {
				due = now
			}
			s.scheduleUpdate(inc, ch, due)
			s.say(inc, ch, ToWarRoom, KindPriority, fmt.Sprintf("Priority %s -> %s%s%s.", old, inc.Priority, why, s.nextDueSuffix(inc)))
			s.say(inc, ch, ToStakeholders, KindPriority, s.stakeholderPost(inc, fmt.Sprintf("Priority changed from %s", old), "", ""))
		}
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Page pages a tower (its next lead not yet paged) or a person by key.
func (s *Service) Page(ctx context.Context, number int, actor, who string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "page"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "page responders", roleIM, roleSMO); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, ok := s.Config.Towers[who]; ok {
			level := 0
			for _, p := range inc.Pages {
				if p.Tower == who && p.Level+1 > level {
					level = p.Level + 1
				}
			}
			if !s.pageTower(inc, ch, now, who, level, actor) {
				return Errorf(ECONFLICT, "Every lead of the %s tower is already paged (%s). Page a person by key, or escalate hierarchical.", who, strings.Join(s.Config.Towers[who].Leads, ", "))
			}
			if !slices.Contains(inc.Towers, who) {
				inc.Towers = append(inc.Towers, who)
			}
			ch.Messages = append(ch.Messages, s.cards(inc, now)...)
			return nil
		}
		if _, ok := s.Config.People[who]; !ok {
			return Errorf(ENOTFOUND, "%q is neither a tower (%s) nor a person. Example: page database, or page frank.", who, strings.Join(s.Config.TowerNames(), ", "))
		}
		if slices.ContainsFunc(inc.Pages, func(p Page) bool { return p.Person == who && !p.Acked() && !p.Replaced }) {
			return Errorf(ECONFLICT, "%s is already paged and has not acknowledged yet.", who)
		}
		inc.Pages = append(inc.Pages, Page{Person: who, PagedAt: now})
		ch.Log(now, KindPaged, actor, fmt.Sprintf("Paged %s by name%s", who, s.undelivered(inc, false)))
		s.tell(inc, ch, who, KindPaged, fmt.Sprintf("%s pages you to %s. Acknowledge: `/incident ack incident=%d`.", actor, s.headline(inc), inc.Number), ButtonAck)
		s.say(inc, ch, ToWarRoom, KindPaged, fmt.Sprintf("%s paged %s.", Mention(actor), Mention(who)), ButtonAck)
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Ack acknowledges the actor's pages: the OLA clock stops, and the respond SLA if this
// is the first human response.
func (s *Service) Ack(ctx context.Context, number int, actor string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		now := s.Clock.Now()
		n := 0
		for i := range inc.Pages {
			p := &inc.Pages[i]
			if p.Person != actor || p.Acked() {
				continue
			}
			p.AckedAt = now
			n++
			tower := p.Tower
			if tower != "" {
				ch.Cancel = append(ch.Cancel, PageAckKey(tower))
				ack := s.Config.Towers[tower].AckWithin
				verdict := "within"
				if now.Sub(p.PagedAt) > ack {
					verdict = "outside"
				}
				e := ch.Log(now, KindPageAcked, actor, fmt.Sprintf("%s acknowledged the %s page after %s, %s the %s OLA", actor, tower, Duration(now.Sub(p.PagedAt)), verdict, Duration(ack)))
				e.Label, e.Took = tower, now.Sub(p.PagedAt)
				s.pager(inc, ch, s.Config.Towers[tower], KindPageAcked, actor)
			} else {
				ch.Log(now, KindPageAcked, actor, fmt.Sprintf("%s acknowledged the page after %s", actor, Duration(now.Sub(p.PagedAt)))).Took = now.Sub(p.PagedAt)
			}
		}
		if n == 0 {
			if inc.IsPaged(actor) {
				return Errorf(ECONFLICT, "You already acknowledged your page on %s.", inc.Ref())
			}
			var paged []string
			for _, p := range inc.ActivePages() {
				paged = append(paged, p.Person)
			}
			return Errorf(EFORBIDDEN, "You (%s) have no page on %s to acknowledge; only paged responders acknowledge (paged: %s).", actor, inc.Ref(), strings.Join(paged, ", "))
		}
		s.responded(inc, ch, now, actor, "page acknowledged")
		s.say(inc, ch, ToWarRoom, KindPageAcked, fmt.Sprintf("%s acknowledged the page.", Mention(actor)))
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Assign hands a role (im or comms) to person; neutrality is checked.
func (s *Service) Assign(ctx context.Context, number int, actor, roleName, person string) (*Incident, error) {
	if err := s.person(person); err != nil {
		return nil, err
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "assign roles"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "assign roles", roleIM, roleSMO); err != nil {
			return err
		}
		if led := leadsAny(s.Config, person, inc.Towers); led != "" {
			return Errorf(EFORBIDDEN, "%s leads the impacted %s tower and cannot be %s: the role must stay neutral. Choose someone from the SMO (%s).", person, led, roleName, strings.Join(s.Config.Rotation.Members, ", "))
		}
		now := s.Clock.Now()
		switch roleName {
		case "im":
			if !s.Config.IsSMO(person) {
				return Errorf(EFORBIDDEN, "The incident manager comes from the SMO (%s); %s is not in it.", strings.Join(append(slices.Clone(s.Config.Rotation.Members), s.Config.Head...), ", "), person)
			}
			if person == inc.IM {
				return Errorf(ECONFLICT, "%s is already the incident manager of %s.", person, inc.Ref())
			}
			s.setIM(inc, ch, now, person, actor, "assigned by "+actor)
			s.say(inc, ch, ToWarRoom, KindIMAssigned, fmt.Sprintf("%s is now the incident manager (assigned by %s).", Mention(person), Mention(actor)))
		case "comms":
			inc.Comms = person
			ch.Log(now, KindCommsAssign, actor, fmt.Sprintf("%s is comms", person))
			s.say(inc, ch, ToWarRoom, KindCommsAssign, fmt.Sprintf("%s now handles communications (assigned by %s).", Mention(person), Mention(actor)))
		default:
			return Errorf(EINVALID, "assign takes im or comms: assign im carol, assign comms bob")
		}
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// Escalate escalates functionally (the next lead of every impacted tower whose page is
// not acknowledged) or hierarchically (to the SMO head).
func (s *Service) Escalate(ctx context.Context, number int, actor, how, reason string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "escalate"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "escalate", roleIM, roleSMO); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			return Errorf(EINVALID, "Say why: escalate %s <reason>", how)
		}
		now := s.Clock.Now()
		switch how {
		case "functional":
			var paged []string
			for _, tower := range inc.Towers {
				level := -1
				for _, p := range inc.Pages {
					if p.Tower == tower && p.Level > level {
						level = p.Level
					}
				}
				if s.pageTower(inc, ch, now, tower, level+1, actor) {
					paged = append(paged, tower)
				}
			}
			if len(paged) == 0 {
				return Errorf(ECONFLICT, "Every lead of the impacted towers is already paged; escalate hierarchical <reason> to reach the SMO head.")
			}
			ch.Log(now, KindEscalated, actor, fmt.Sprintf("Functional escalation (%s): next lead paged for %s", reason, strings.Join(paged, ", "))).Label = EscalationFunctional
		case "hierarchical":
			s.escalateToHead(inc, ch, now, actor, reason)
		default:
			return Errorf(EINVALID, "escalate takes functional or hierarchical: escalate hierarchical SLA at risk, need a DBA")
		}
		return nil
	})
}

// escalateToHead tells the SMO head, on the timeline, in the war room and directly.
func (s *Service) escalateToHead(inc *Incident, ch *Change, now time.Time, actor, reason string) {
	s.tellHead(inc, ch, now, actor, reason)
	s.say(inc, ch, ToWarRoom, KindEscalated, fmt.Sprintf("Escalated to %s: %s", Mentions(s.Config.Head), reason))
}

// tellHead is a hierarchical escalation told to the SMO head only: on the timeline and
// by direct message, not in the war room (a follow-up of a closed incident, whose room
// is archived).
func (s *Service) tellHead(inc *Incident, ch *Change, now time.Time, actor, reason string) {
	ch.Log(now, KindEscalated, actor, fmt.Sprintf("Hierarchical escalation to %s: %s", strings.Join(s.Config.Head, ", "), reason)).Label = EscalationHierarchical
	for _, h := range s.Config.Head {
		s.tell(inc, ch, h, KindEscalated, fmt.Sprintf("Escalation on %s: %s", s.headline(inc), reason))
	}
}

// Note adds a timeline entry.
func (s *Service) Note(ctx context.Context, number int, actor, text string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := s.allow(inc, actor, "add notes", roleMIT, roleSMO, roleOwner); err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			return Errorf(EINVALID, "note needs text: note Error rate dropped after the config rollback")
		}
		ch.Log(s.Clock.Now(), KindNote, actor, text)
		return nil
	})
}

// Snooze delays the next reminder (and the overdue escalation) by d.
func (s *Service) Snooze(ctx context.Context, number int, actor string, d time.Duration, reason string) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "snooze"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "snooze reminders", roleIM); err != nil {
			return err
		}
		if inc.NextUpdateDue.IsZero() {
			return Errorf(ECONFLICT, "%s has no status-update cadence to snooze.", inc.Ref())
		}
		every := s.target(inc).UpdateEvery
		if d <= 0 || d > 4*every {
			return Errorf(EINVALID, "Snooze for a positive duration of at most 4 update cycles (%s), for example: snooze 10m reason=\"on the bridge with the vendor\"", Duration(4*every))
		}
		if strings.TrimSpace(reason) == "" {
			return Errorf(EINVALID, "Say why: snooze %s reason=\"on the bridge with the vendor\"", Duration(d))
		}
		now := s.Clock.Now()
		s.scheduleUpdate(inc, ch, inc.NextUpdateDue.Add(d))
		inc.SnoozedUntil = inc.NextUpdateDue
		ch.Log(now, KindSnoozed, actor, fmt.Sprintf("Next update pushed by %s to %s: %s", Duration(d), s.fmtTime(inc.NextUpdateDue), reason))
		s.say(inc, ch, ToWarRoom, KindSnoozed, fmt.Sprintf("%s snoozed the update reminder by %s: %s. Next update due by %s.", Mention(actor), Duration(d), reason, s.fmtTime(inc.NextUpdateDue)))
		return nil
	})
}

// Capture puts a chat message on the timeline: someone marked it (a :pushpin: reaction
// on Slack). author wrote the message; actor marked it. Anyone in the war room may.
func (s *Service) Capture(ctx context.Context, number int, actor, author, text string) (*Incident, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, Errorf(EINVALID, "the marked message has no text to capture")
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if author != "" && author != actor {
			text = fmt.Sprintf("%s (message by %s, pinned by %s)", text, author, actor)
		}
		ch.Log(s.Clock.Now(), KindNote, actor, text)
		return nil
	})
}

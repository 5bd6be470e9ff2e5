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

// Fire runs one claimed timer. The timer is completed in the same transaction as its
// effects; a timer that was moved or completed meanwhile is dropped (ErrStale), so each
// firing happens once even with several workers.
func (s *Service) Fire(ctx context.Context, t Timer) error {
	if t.Incident == 0 {
		return s.fireGlobal(ctx, t)
	}
	if t.Key == TimerSummary {
		_, err := s.WriteSummary(ctx, t.Incident, &t)
		return err
	}
	if t.Key == TimerSimilar {
		_, err := s.FindSimilar(ctx, t.Incident, &t)
		return err
	}
	_, err := s.update(ctx, t.Incident, func(inc *Incident, ch *Change) error {
		ch.Fired = &t
		now := s.Clock.Now()
		if t.Key == TimerConfirm {
			s.closeUnconfirmed(inc, ch, now)
			return nil
		}
		if !inc.State.Open() {
			return nil
		}
		switch t.Key {
		case TimerReminder:
			s.remind(inc, ch, now)
			return nil // nothing on the card changed
		case TimerUpdateOverdue:
			s.overdue(inc, ch, now)
		case TimerRespondWarning, TimerRespondBreach, TimerResolveWarning, TimerResolveBreach:
			s.slaEvent(inc, ch, now, t.Key)
		default:
			tower, ok := IsPageAck(t.Key)
			if !ok {
				s.Log.Warn("unknown timer", "incident", t.Incident, "key", t.Key)
				return nil
			}
			s.pageTimeout(inc, ch, now, tower)
		}
		ch.Messages = append(ch.Messages, s.cards(inc, now)...) // next due, pages, SLA
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil
	}
	return err
}

// remind tells the IM (or the head, while there is no IM) that an update falls due.
func (s *Service) remind(inc *Incident, ch *Change, now time.Time) {
	if inc.NextUpdateDue.IsZero() {
		return
	}
	who := []string{inc.IM}
	if inc.IM == "" {
		who = s.Config.Head
	}
	in := inc.NextUpdateDue.Sub(now)
	when := "due in " + Duration(in)
	if in <= 0 {
		when = "due now"
	}
	ch.Log(now, KindReminder, Bot, fmt.Sprintf("Reminded %s: status update %s (by %s)", strings.Join(who, ", "), when, s.fmtTime(inc.NextUpdateDue)))
	s.say(inc, ch, ToWarRoom, KindReminder, fmt.Sprintf("%s status update for %s %s (by %s). Post it with `/incident update <text>`.", Mentions(who), inc.Ref(), when, s.fmtTime(inc.NextUpdateDue)), ButtonUpdate)
}

// overdue escalates a missed update to the SMO head and rolls the cadence on, so that
// the next slot is reminded and escalated too.
func (s *Service) overdue(inc *Incident, ch *Change, now time.Time) {
	if inc.NextUpdateDue.IsZero() {
		return
	}
	late := now.Sub(inc.NextUpdateDue)
	inc.Updates.Missed++
	im := "no incident manager assigned"
	if inc.IM != "" {
		im = "incident manager " + inc.IM
	}
	s.escalateToHead(inc, ch, now, Bot, fmt.Sprintf("status update overdue by %s (was due %s; %s)", Duration(late), s.fmtTime(inc.NextUpdateDue), im))
	// The next slot is the first one still ahead: after an outage the missed slots are
	// not replayed one by one.
	every := s.target(inc).UpdateEvery
	next := inc.NextUpdateDue.Add(every)
	if every > 0 && !next.After(now) {
		next = next.Add(every * (now.Sub(next)/every + 1))
	}
	s.scheduleUpdate(inc, ch, next)
}

// slaEvent records an SLA warning (75%) or breach (100%) of the respond or resolve
// clock; a breach is escalated to the head.
func (s *Service) slaEvent(inc *Incident, ch *Change, now time.Time, key string) {
	t := s.target(inc)
	clock, target, stop := ClockResolve, t.Resolve, inc.ResolvedAt
	if key == TimerRespondWarning || key == TimerRespondBreach {
		clock, target, stop = ClockRespond, t.Respond, inc.RespondedAt
	}
	if !stop.IsZero() || target <= 0 {
		return
	}
	used := now.Sub(inc.DeclaredAt)
	breach := key == TimerRespondBreach || key == TimerResolveBreach
	if !breach && clock == ClockRespond && !inc.Major {
		s.unowned(inc, ch, now, used, target)
		return
	}
	if !breach {
		text := fmt.Sprintf("%s SLA at 75%%: %s of %s used", clock, Duration(used), Duration(target))
		ch.Log(now, KindSLAWarning, Bot, text).Label = clock
		s.say(inc, ch, ToWarRoom, KindSLAWarning, fmt.Sprintf("%s %s.", s.owner(inc), text))
		s.warnLeadsOfMinor(inc, ch, text)
		return
	}
	text := fmt.Sprintf("%s SLA breached: %s target (%s) passed", clock, Duration(target), inc.Priority)
	ch.Log(now, KindSLABreach, Bot, text).Label = clock
	s.say(inc, ch, ToWarRoom, KindSLABreach, fmt.Sprintf("%s %s.", s.owner(inc), text))
	s.warnLeadsOfMinor(inc, ch, text)
	s.escalateToHead(inc, ch, now, Bot, text)
}

// unowned escalates functionally a non-major incident that nobody owns at 75% of its
// respond target: every lead of the impacted towers is told (the service desk, when
// it has no tower), so that it does not wait for someone to notice it in the queue.
func (s *Service) unowned(inc *Incident, ch *Change, now time.Time, used, target time.Duration) {
	if inc.Owner != "" {
		return
	}
	var told []string
	for _, tower := range inc.Towers {
		for _, l := range s.Config.Towers[tower].Leads {
			if !slices.Contains(told, l) {
				told = append(told, l)
			}
		}
	}
	if len(told) == 0 {
		told = slices.Clone(s.Config.ServiceDesk)
	}
	if len(told) == 0 {
		told = slices.Clone(s.Config.Head)
	}
	ch.Log(now, KindEscalated, Bot, fmt.Sprintf("Functional escalation: nobody owns it after %s of the %s respond target (75%%); told %s", Duration(used), Duration(target), strings.Join(told, ", "))).Label = EscalationFunctional
	for _, k := range told {
		s.tell(inc, ch, k, KindEscalated, fmt.Sprintf("Nobody owns %s after %s of its %s respond target. Take it (`/incident take incident=%d`) or assign it (`/incident assign owner <person> incident=%d`).",
			s.headline(inc), Duration(used), Duration(target), inc.Number, inc.Number))
	}
}

// owner mentions whoever answers for the incident: the IM, else the head.
func (s *Service) owner(inc *Incident) string {
	if inc.IM != "" {
		return Mention(inc.IM)
	}
	return Mentions(s.Config.Head)
}

// warnLeadsOfMinor tells the owner and the first lead of each tower of a minor
// incident (which has no war room).
func (s *Service) warnLeadsOfMinor(inc *Incident, ch *Change, text string) {
	if inc.RoomName != "" {
		return
	}
	var told []string
	if inc.Owner != "" {
		told = append(told, inc.Owner)
	}
	for _, tower := range inc.Towers {
		if leads := s.Config.Towers[tower].Leads; len(leads) > 0 && !slices.Contains(told, leads[0]) {
			told = append(told, leads[0])
		}
	}
	for _, k := range told {
		s.tell(inc, ch, k, KindSLAWarning, fmt.Sprintf("%s: %s.", s.headline(inc), text))
	}
}

// pageTimeout escalates functionally when a tower's page was not acknowledged in
// time: the next lead is paged, or, with none left, the head is told.
func (s *Service) pageTimeout(inc *Incident, ch *Change, now time.Time, tower string) {
	idx := -1
	for i, p := range inc.Pages {
		if p.Tower == tower && !p.Replaced && (idx < 0 || p.Level > inc.Pages[idx].Level) {
			idx = i
		}
	}
	if idx < 0 {
		return
	}
	for _, p := range inc.Pages {
		if p.Tower == tower && p.Acked() {
			return // someone of the tower answered
		}
	}
	p := inc.Pages[idx]
	ack := s.Config.Towers[tower].AckWithin
	if len(s.Config.Towers[tower].Leads) > p.Level+1 {
		inc.Pages[idx].Replaced = true
		ch.Log(now, KindEscalated, Bot, fmt.Sprintf("Functional escalation: %s did not acknowledge the %s page within %s (OLA)", p.Person, tower, Duration(ack))).Label = EscalationFunctional
		s.pageTower(inc, ch, now, tower, p.Level+1, "")
		return
	}
	s.escalateToHead(inc, ch, now, Bot, fmt.Sprintf("no lead of the %s tower acknowledged the page (last: %s, %s ago)", tower, p.Person, Duration(now.Sub(p.PagedAt))))
}

// fireGlobal runs timers that belong to no incident: the digest, and the follow-ups
// of problems and actions.
func (s *Service) fireGlobal(ctx context.Context, t Timer) error {
	if rest, ok := strings.CutPrefix(t.Key, timerProblemPrefix); ok {
		if ref, ok := strings.CutSuffix(rest, timerRemindSuffix); ok {
			return s.fireProblem(ctx, t, ref, false)
		}
		if ref, ok := strings.CutSuffix(rest, timerOverdueSuffix); ok {
			return s.fireProblem(ctx, t, ref, true)
		}
	}
	if rest, ok := strings.CutPrefix(t.Key, timerActionPrefix); ok {
		overdue := strings.HasSuffix(rest, timerOverdueSuffix)
		num := strings.TrimSuffix(strings.TrimSuffix(rest, timerOverdueSuffix), timerRemindSuffix)
		if n, err := strconv.Atoi(num); err == nil {
			return s.fireAction(ctx, t, n, overdue)
		}
	}
	if t.Key != TimerDigest {
		s.Log.Warn("unknown global timer", "key", t.Key)
		return s.Store.CompleteTimer(ctx, t, nil, nil)
	}
	now := s.Clock.Now()
	open, err := s.Store.Incidents(ctx, Filter{Open: true, MajorOnly: true})
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	var msgs []Outgoing
	text := s.digest(open, now)
	for _, p := range s.Platforms {
		if len(open) > 0 && s.hasStakeholders(p) { // a quiet hour is not worth a post
			msgs = append(msgs, Outgoing{Platform: p, To: ToStakeholders, Kind: KindNote, Text: text, Created: now})
		}
	}
	var next *Timer
	if s.Config.Digest != nil {
		n := s.Config.Digest.Next(now)
		next = &Timer{Key: TimerDigest, Due: n}
	}
	err = s.Store.CompleteTimer(ctx, t, next, msgs)
	if errors.Is(err, ErrStale) {
		return nil
	}
	if err == nil {
		s.observe(nil, &Change{Fired: &t, Messages: msgs})
	}
	s.kick()
	return err
}

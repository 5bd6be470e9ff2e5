package mim

import (
	"fmt"
	"time"
)

// reminderLead is how long before an update falls due the IM is reminded: a sixth of
// the cadence, at most five minutes (15m cadence -> 2m30s before).
func reminderLead(every time.Duration) time.Duration {
	return min(every/6, 5*time.Minute)
}

// startCadence starts (or restarts) the status-update cadence: the next update is due
// update_every from now.
func (s *Service) startCadence(inc *Incident, ch *Change, now time.Time) {
	every := s.target(inc).UpdateEvery
	if !inc.Major || every <= 0 || !inc.State.Open() {
		s.stopCadence(inc, ch)
		return
	}
	s.scheduleUpdate(inc, ch, now.Add(every))
}

// scheduleUpdate sets when the next update is due and moves its reminder and overdue
// escalation accordingly.
func (s *Service) scheduleUpdate(inc *Incident, ch *Change, due time.Time) {
	every := s.target(inc).UpdateEvery
	inc.NextUpdateDue = due
	ch.Schedule = append(ch.Schedule,
		Timer{Incident: inc.Number, Key: TimerReminder, Due: due.Add(-reminderLead(every))},
		Timer{Incident: inc.Number, Key: TimerUpdateOverdue, Due: due.Add(every / 2)},
	)
}

// stopCadence stops reminders and overdue escalations.
func (s *Service) stopCadence(inc *Incident, ch *Change) {
	inc.NextUpdateDue = time.Time{}
	ch.Cancel = append(ch.Cancel, TimerReminder, TimerUpdateOverdue)
}

// scheduleSLA (re)schedules the SLA warnings and breaches that have not happened yet,
// measured from the declaration with the current priority's targets.
func (s *Service) scheduleSLA(inc *Incident, ch *Change) {
	t := s.target(inc)
	inc.ResolveDue = time.Time{}
	if t.Resolve > 0 {
		inc.ResolveDue = inc.DeclaredAt.Add(t.Resolve)
	}
	if inc.RespondedAt.IsZero() && t.Respond > 0 {
		ch.Schedule = append(ch.Schedule,
			Timer{Incident: inc.Number, Key: TimerRespondWarning, Due: inc.DeclaredAt.Add(t.Respond * 3 / 4)},
			Timer{Incident: inc.Number, Key: TimerRespondBreach, Due: inc.DeclaredAt.Add(t.Respond)})
	}
	if inc.ResolvedAt.IsZero() && t.Resolve > 0 {
		ch.Schedule = append(ch.Schedule,
			Timer{Incident: inc.Number, Key: TimerResolveWarning, Due: inc.DeclaredAt.Add(t.Resolve * 3 / 4)},
			Timer{Incident: inc.Number, Key: TimerResolveBreach, Due: inc.DeclaredAt.Add(t.Resolve)})
	}
}

// responded stops the respond clock at the first human response.
func (s *Service) responded(inc *Incident, ch *Change, now time.Time, by, how string) {
	if !inc.RespondedAt.IsZero() {
		return
	}
	inc.RespondedAt = now
	ch.Cancel = append(ch.Cancel, TimerRespondWarning, TimerRespondBreach)
	target := s.target(inc).Respond
	took := now.Sub(inc.DeclaredAt)
	verdict := "within"
	if target > 0 && took > target {
		verdict = "outside"
	}
	ch.Log(now, KindNote, by, fmt.Sprintf("First response (%s) after %s, %s the %s respond target", how, Duration(took), verdict, Duration(target)))
}

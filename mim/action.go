package mim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Action is a follow-up action agreed after an incident (monitor the certificate's
// expiry, add a runbook step): numbered across all incidents so that `action done 7`
// needs no incident, with an owner and a due date that mimbot keeps track of.
type Action struct {
	Number    int
	Incident  int
	Text      string
	Owner     string
	Due       time.Time
	DoneAt    time.Time
	DoneBy    string
	CreatedBy string
	CreatedAt time.Time
}

// Done tells whether the action is done.
func (a Action) Done() bool { return !a.DoneAt.IsZero() }

// ActionFilter selects actions to list.
type ActionFilter struct {
	Incident int    // 0: every incident
	Owner    string // "": every owner
	Open     bool   // only those not done
}

// Timers of actions are global (incident 0), keyed by the action's number, so that
// they outlive the incident's own timers: "action:7:remind" on the due date,
// "action:7:overdue" when it has passed.
const timerActionPrefix = "action:"

// ActionTimerKey is the key of action number's reminder (overdue false) or overdue
// notice to the head (overdue true).
func ActionTimerKey(number int, overdue bool) string {
	if overdue {
		return fmt.Sprintf("%s%d%s", timerActionPrefix, number, timerOverdueSuffix)
	}
	return fmt.Sprintf("%s%d%s", timerActionPrefix, number, timerRemindSuffix)
}

// actionRemindHour is the hour of the due date, in the configured zone, at which an
// action's owner is reminded: the start of a working day.
const actionRemindHour = 9

// ParseDue reads an action's due: a date (YYYY-MM-DD, in the configured zone: due by
// the end of that day) or a duration from now (90m, 72h).
func (s *Service) ParseDue(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, Errorf(EINVALID, "action add needs due=<YYYY-MM-DD or duration>: %s", actionExample)
	}
	if d, err := time.ParseInLocation("2006-01-02", v, s.Config.Location); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, Errorf(EINVALID, "due=%s is neither a date nor a duration; use due=2026-03-20 or due=72h.", v)
}

const actionExample = "action add Alert on certificate expiry owner=dave due=2026-03-20"

// actionTimers are the reminder (at actionRemindHour on the due date, or at the due
// time when that comes first) and the overdue notice of an action due at due.
func (s *Service) actionTimers(number int, due time.Time) []Timer {
	day := due.Add(-time.Millisecond).In(s.Config.Location)
	remind := time.Date(day.Year(), day.Month(), day.Day(), actionRemindHour, 0, 0, 0, s.Config.Location)
	if remind.After(due) {
		remind = due
	}
	return []Timer{{Key: ActionTimerKey(number, false), Due: remind}, {Key: ActionTimerKey(number, true), Due: due}}
}

// DueText shows an action's due: the date when it is the end of a day, else the time.
func (s *Service) DueText(due time.Time) string {
	l := due.In(s.Config.Location)
	if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		return l.Add(-time.Millisecond).Format("Mon 2 Jan 2006")
	}
	return l.Format("Mon 2 Jan 2006 15:04 MST")
}

// ActionAdd adds a follow-up action to incident n, on any state: actions are mostly
// agreed after the incident, in the post-incident review.
func (s *Service) ActionAdd(ctx context.Context, n int, actor, text, owner, due string) (*Action, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, Errorf(EINVALID, "action add needs the action: %s", actionExample)
	}
	if owner == "" {
		return nil, Errorf(EINVALID, "action add needs owner=<person>: %s", actionExample)
	}
	if err := s.person(owner); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	at, err := s.ParseDue(due, now)
	if err != nil {
		return nil, err
	}
	key := requestKey(ctx)
	a, err := s.Store.AddAction(ctx, n, func(e *ActionEdit) error {
		inc := e.Incident
		if err := s.allow(inc, actor, "add follow-up actions", roleMIT, roleSMO, roleOwner); err != nil {
			return err
		}
		a, ch := e.Action, &e.Change
		ch.Request = key
		a.Text, a.Owner, a.Due, a.CreatedBy, a.CreatedAt = text, owner, at, actor, now
		ch.Log(now, KindActionAdded, actor, fmt.Sprintf("Action %d: %s (owner %s, due %s)", a.Number, text, owner, s.DueText(at)))
		ch.Global = append(ch.Global, s.actionTimers(a.Number, at)...)
		if owner != actor {
			s.tell(inc, ch, owner, KindActionAdded, fmt.Sprintf("%s gave you follow-up action %d on %s: %s (due %s). `/incident action done %d` when it is done.", actor, a.Number, s.headline(inc), text, s.DueText(at), a.Number))
		}
		return nil
	})
	if errors.Is(err, ErrSeen) {
		return nil, Errorf(ECONFLICT, "This request was already carried out: `action list` shows the action.")
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return a, nil
}

// ActionDone marks action number done; its reminders stop.
func (s *Service) ActionDone(ctx context.Context, number int, actor string) (*Action, error) {
	key := requestKey(ctx)
	a, err := s.Store.UpdateAction(ctx, number, func(e *ActionEdit) error {
		a, inc, ch := e.Action, e.Incident, &e.Change
		if actor != a.Owner && !s.plays(inc, actor, roleIM) && !s.Config.IsSMO(actor) {
			return Errorf(EFORBIDDEN, "Only the owner of action %d (%s), the incident manager of %s or the SMO may mark it done; you are %s.", number, a.Owner, inc.Ref(), s.describe(inc, actor))
		}
		if a.Done() {
			return Errorf(ECONFLICT, "Action %d is already done (by %s, %s).", number, a.DoneBy, s.fmtDate(a.DoneAt))
		}
		now := s.Clock.Now()
		ch.Request = key
		a.DoneAt, a.DoneBy = now, actor
		ch.Cancel = append(ch.Cancel, ActionTimerKey(number, false), ActionTimerKey(number, true))
		ch.Log(now, KindActionDone, actor, fmt.Sprintf("Action %d done: %s", number, a.Text))
		return nil
	})
	if errors.Is(err, ErrSeen) {
		return nil, Errorf(ECONFLICT, "This request was already carried out: action %d is done.", number)
	}
	if err != nil {
		return nil, err
	}
	s.kick()
	return a, nil
}

// fireAction reminds an action's owner on its due date, or tells the head that it is
// overdue; neither once it is done.
func (s *Service) fireAction(ctx context.Context, t Timer, number int, overdue bool) error {
	_, err := s.Store.UpdateAction(ctx, number, func(e *ActionEdit) error {
		a, inc, ch := e.Action, e.Incident, &e.Change
		ch.Fired = &t
		if a.Done() {
			return nil
		}
		now := s.Clock.Now()
		if !overdue {
			ch.Log(now, KindReminder, Bot, fmt.Sprintf("Reminded %s: action %d is due %s", a.Owner, number, s.DueText(a.Due)))
			s.tell(inc, ch, a.Owner, KindReminder, fmt.Sprintf("Reminder: follow-up action %d on %s is due %s: %s. `/incident action done %d` when it is done.", number, s.headline(inc), s.DueText(a.Due), a.Text, number))
			return nil
		}
		reason := fmt.Sprintf("follow-up action %d is overdue (was due %s; owner %s): %s", number, s.DueText(a.Due), a.Owner, a.Text)
		s.tellHead(inc, ch, now, Bot, reason)
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil
	}
	if ErrorCode(err) == ENOTFOUND {
		s.Log.Warn("timer of an action that does not exist", "key", t.Key)
		return s.Store.CompleteTimer(ctx, t, nil, nil)
	}
	s.kick()
	return err
}

// ActionsText renders actions: those of incident n (all of them), or with n = 0 the
// open actions of every incident; owner keeps one person's.
func (s *Service) ActionsText(ctx context.Context, n int, owner string) (string, error) {
	f := ActionFilter{Incident: n, Owner: owner, Open: n == 0}
	list, err := s.Store.Actions(ctx, f)
	if err != nil {
		return "", err
	}
	what := "Open follow-up actions"
	if n != 0 {
		what = fmt.Sprintf("Follow-up actions of #%d", n)
	}
	if owner != "" {
		what += " owned by " + owner
	}
	if len(list) == 0 {
		return what + ": none. Add one: " + actionExample + " (in the incident's war room, or with incident=<n>).", nil
	}
	now := s.Clock.Now()
	var b strings.Builder
	b.WriteString(what + ":")
	for _, a := range list {
		mark := "[ ]"
		if a.Done() {
			mark = "[x]"
		}
		fmt.Fprintf(&b, "\n%s %d. %s (#%d; owner %s; due %s", mark, a.Number, a.Text, a.Incident, a.Owner, s.DueText(a.Due))
		switch {
		case a.Done():
			fmt.Fprintf(&b, "; done by %s %s", a.DoneBy, s.fmtDate(a.DoneAt))
		case !a.Due.After(now):
			b.WriteString("; OVERDUE")
		}
		b.WriteString(")")
	}
	return b.String(), nil
}

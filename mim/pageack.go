package mim

import (
	"context"
	"fmt"
	"strings"
)

// AckPage acknowledges a tower's page from the paging service the tower is paged on
// (PagerDuty): the lead answered there instead of in chat. The service follows one
// tower's page through its escalations on one of its incidents, and cannot say which
// of our people clicked, so every unacknowledged page of the tower is acknowledged:
// the OLA clock stops, and the respond SLA if this is the first human response. The
// timeline names by (the service) as the actor. Nothing is sent back to the service,
// which already knows.
func (s *Service) AckPage(ctx context.Context, number int, tower, by string) (*Incident, error) {
	if _, ok := s.Config.Towers[tower]; !ok {
		return nil, Errorf(ENOTFOUND, "There is no %q tower to acknowledge the page of on #%d (towers: %s).", tower, number, strings.Join(s.Config.TowerNames(), ", "))
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "acknowledge a page"); err != nil {
			return err
		}
		now := s.Clock.Now()
		ack := s.Config.Towers[tower].AckWithin
		var first string
		paged := false
		for i := range inc.Pages {
			p := &inc.Pages[i]
			if p.Tower != tower {
				continue
			}
			paged = true
			if p.Acked() || p.Replaced {
				continue
			}
			p.AckedAt = now
			if first == "" {
				first = p.Person
			}
			verdict := "within"
			if now.Sub(p.PagedAt) > ack {
				verdict = "outside"
			}
			ch.Log(now, KindPageAcked, by, fmt.Sprintf("%s acknowledged the %s page on %s after %s, %s the %s OLA", p.Person, tower, by, Duration(now.Sub(p.PagedAt)), verdict, Duration(ack)))
			s.say(inc, ch, ToWarRoom, KindPageAcked, fmt.Sprintf("%s acknowledged the %s page on %s.", Mention(p.Person), tower, by))
		}
		switch {
		case first != "":
		case paged:
			return Errorf(ECONFLICT, "The %s page of %s is already acknowledged.", tower, inc.Ref())
		default:
			return Errorf(ENOTFOUND, "The %s tower is not paged on %s.", tower, inc.Ref())
		}
		ch.Cancel = append(ch.Cancel, PageAckKey(tower))
		s.responded(inc, ch, now, first, "page acknowledged on "+by)
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

package mim

import (
	"cmp"
	"context"
	"fmt"
	"strings"
)

// Incident returns one incident with its timeline.
func (s *Service) Incident(ctx context.Context, number int) (*Incident, error) {
	return s.Store.Incident(ctx, number)
}

// ListText renders the active incidents.
func (s *Service) ListText(ctx context.Context) (string, error) {
	open, err := s.Store.Incidents(ctx, Filter{Open: true})
	if err != nil {
		return "", err
	}
	if len(open) == 0 {
		return "No active incidents.", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:", plural(len(open), "active incident", "active incidents"))
	for _, inc := range open {
		major := ""
		if inc.Major {
			major = " major"
		}
		who := "IM " + cmp.Or(inc.IM, "none")
		if !inc.Major {
			who = "owner " + cmp.Or(inc.Owner, "unassigned")
		}
		room := ""
		if inc.RoomName != "" {
			room = " #" + inc.RoomName
		}
		fmt.Fprintf(&b, "\n%s [%s%s · %s] %s · %s%s · via %s", inc.Ref(), inc.Priority, major, inc.State, inc.Title, who, room, inc.Intake())
	}
	return b.String(), nil
}

// OnCallText says who is on call in the SMO rotation now and who is next.
func (s *Service) OnCallText() string {
	now := s.Clock.Now()
	r := s.Config.Rotation
	sh := r.OnCall(now)
	if sh.Member == "" {
		return "The SMO rotation has no members."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "On call (SMO): %s", s.Config.Display(sh.Member))
	if !sh.End.IsZero() {
		next := r.OnCall(sh.End)
		fmt.Fprintf(&b, " until %s; next: %s", sh.End.In(s.Config.Location).Format("Mon 2 Jan 15:04 MST"), s.Config.Display(next.Member))
	}
	fmt.Fprintf(&b, ".\nEscalations go to %s.", strings.Join(s.Config.Head, ", "))
	return b.String()
}

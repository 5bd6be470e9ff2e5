package mim

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The queue beats first come, first served: open incidents ordered by priority (P0
// first), then by how soon the resolve SLA runs out (none last), then by number. The
// store sorts (IncidentReader.Queue), on an index of the open incidents.

// QueueFilter selects the incidents of a queue.
type QueueFilter struct {
	Tower  string // only incidents that impact this tower
	Person string // only incidents this person owns or manages (IM)
	Limit  int    // 0: no limit
}

// queueLines is how many incidents the chat answer lists.
const queueLines = 20

// Queue returns the open incidents f selects, in queue order, and how many there are
// in all.
func (s *Service) Queue(ctx context.Context, f QueueFilter) ([]*Incident, int, error) {
	if f.Tower != "" {
		if _, ok := s.Config.Towers[f.Tower]; !ok {
			return nil, 0, Errorf(ENOTFOUND, "Unknown tower %q. Towers: %s.", f.Tower, strings.Join(s.Config.TowerNames(), ", "))
		}
	}
	return s.Store.Queue(ctx, f)
}

// QueueText renders the queue for a chat answer.
func (s *Service) QueueText(ctx context.Context, f QueueFilter) (string, error) {
	f.Limit = queueLines
	list, total, err := s.Queue(ctx, f)
	if err != nil {
		return "", err
	}
	var scope []string
	if f.Tower != "" {
		scope = append(scope, "tower "+f.Tower)
	}
	if f.Person != "" {
		scope = append(scope, "owned or managed by "+f.Person)
	}
	what := "Open incidents"
	if len(scope) > 0 {
		what += " (" + strings.Join(scope, ", ") + ")"
	}
	if total == 0 {
		return what + ": none.", nil
	}
	now := s.Clock.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%s, by priority, then resolve SLA: %d", what, total)
	for _, inc := range list {
		who := "unassigned"
		switch {
		case inc.Major && inc.IM != "":
			who = "IM " + inc.IM
		case !inc.Major && inc.Owner != "":
			who = "owner " + inc.Owner
		}
		fmt.Fprintf(&b, "\n%s %s %s · %s · %s · %s", inc.Ref(), inc.Priority, inc.State, inc.Title, who, slaLeft(inc.ResolveDue, now))
	}
	if total > len(list) {
		fmt.Fprintf(&b, "\n... and %d more; narrow it with tower=<t> or mine.", total-len(list))
	}
	return b.String(), nil
}

// slaLeft says how long the resolve SLA has left.
func slaLeft(due, now time.Time) string {
	switch {
	case due.IsZero():
		return "no resolve SLA"
	case !due.After(now):
		return "resolve SLA breached"
	}
	return "resolve SLA " + Duration(due.Sub(now).Truncate(time.Minute)) + " left"
}

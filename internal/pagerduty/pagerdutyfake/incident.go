package pagerdutyfake

import (
	"slices"
	"time"
)

// State is an incident's state.
type State string

// Incident states.
const (
	Triggered    State = "triggered"
	Acknowledged State = "acknowledged"
	Resolved     State = "resolved"
)

// Incident groups the events sent for one routing key and dedup key, from
// the trigger that opened it until it is resolved.
type Incident struct {
	RoutingKey string
	DedupKey   string
	State      State
	// Summary, Source and Severity come from the trigger that opened it.
	Summary  string
	Source   string
	Severity string
	// Events are the accepted events applied to this incident, in order;
	// repeated triggers appear here as deduplicated events.
	Events         []Event
	TriggeredAt    time.Time
	AcknowledgedAt time.Time // zero until acknowledged
	ResolvedAt     time.Time // zero until resolved
}

func (in Incident) clone() Incident {
	in.Events = slices.Clone(in.Events)
	for i := range in.Events {
		in.Events[i] = in.Events[i].clone()
	}
	return in
}

// applyEvent updates incidents with an accepted event, the way PagerDuty
// deduplicates: a trigger joins the open incident with the same routing key
// and dedup key or opens a new one; acknowledge and resolve act on the open
// incident and are ignored when there is none. It returns the updated list.
func applyEvent(incidents []*Incident, ev Event) []*Incident {
	var open *Incident
	for _, in := range incidents {
		if in.RoutingKey == ev.RoutingKey && in.DedupKey == ev.DedupKey && in.State != Resolved {
			open = in
			break
		}
	}
	switch ev.Action {
	case ActionTrigger:
		if open == nil {
			open = &Incident{
				RoutingKey:  ev.RoutingKey,
				DedupKey:    ev.DedupKey,
				State:       Triggered,
				Summary:     ev.Payload.Summary,
				Source:      ev.Payload.Source,
				Severity:    ev.Payload.Severity,
				TriggeredAt: ev.Received,
			}
			incidents = append(incidents, open)
		}
	case ActionAcknowledge:
		if open == nil {
			return incidents
		}
		if open.State == Triggered {
			open.State = Acknowledged
			open.AcknowledgedAt = ev.Received
		}
	case ActionResolve:
		if open == nil {
			return incidents
		}
		open.State = Resolved
		open.ResolvedAt = ev.Received
	}
	open.Events = append(open.Events, ev)
	return incidents
}

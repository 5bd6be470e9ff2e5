package mim

// Observer learns what the service did once it is durable, so that what is counted
// (metrics) is what happened, once, and never a change that was rolled back. The
// service calls it from its single write path; an implementation must be quick and
// safe for concurrent use, and must not call the service back.
type Observer interface {
	// Committed is called once after each committed change: inc as saved (nil for a
	// change about no incident, such as the digest timer) and ch as it was applied.
	Committed(inc *Incident, ch *Change)
	// GaveUp is called when the relay stops trying to deliver m: the platform refused
	// it, or it failed for too long. reason is the last failure.
	GaveUp(m Outgoing, reason error)
}

// CallObserver learns of each HTTP request the adapters make to a platform's API:
// one attempt of an API method and its outcome, and each attempt made again after a
// failure. method is the API method (chat.postMessage) or route template
// (POST /channels/{channel}/messages), never an id or a token.
type CallObserver interface {
	// Called counts an attempt: code is its HTTP status, or 0 when no answer came.
	Called(platform, method string, code int)
	// Retried counts an attempt made again after reason: "429", "5xx" or "network".
	Retried(platform, reason string)
}

// Escalation kinds, the Label of an escalated entry.
const (
	EscalationFunctional   = "functional"   // the next lead of a tower, or its leads told
	EscalationHierarchical = "hierarchical" // the SMO head
)

// SLA clocks, the Label of sla_warning and sla_breach entries.
const (
	ClockRespond = "respond"
	ClockResolve = "resolve"
)

// observe tells the observer, if any, about a committed change.
func (s *Service) observe(inc *Incident, ch *Change) {
	s.logEvents(inc, ch)
	if s.Observer != nil {
		s.Observer.Committed(inc, ch)
	}
}

// logEvents writes one line per event an operator follows in the log: a declaration,
// an escalation, an SLA breach.
func (s *Service) logEvents(inc *Incident, ch *Change) {
	if inc == nil {
		return
	}
	for _, e := range ch.Entries {
		switch e.Kind {
		case KindDeclared:
			s.Log.Info("incident declared", "incident", inc.Number, "platform", inc.Source, "priority", inc.Priority.String(), "major", inc.Major, "by", e.Actor)
		case KindEscalated:
			s.Log.Warn("incident escalated", "incident", inc.Number, "platform", inc.Source, "kind", e.Label, "by", e.Actor)
		case KindSLABreach:
			s.Log.Warn("SLA breached", "incident", inc.Number, "platform", inc.Source, "clock", e.Label, "priority", inc.Priority.String())
		}
	}
}

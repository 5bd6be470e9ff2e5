package webhook

import (
	"encoding/json"
	"time"

	"mimbot/internal/api"
	"mimbot/mim"
)

// Body renders the bodies of outbound webhooks; it is the program's mim.HookBody.
type Body struct{}

var _ mim.HookBody = Body{}

// Message is the JSON body of an outbound webhook (schema.json).
type Message struct {
	Event    mim.HookEvent `json:"event"`
	At       time.Time     `json:"at"`
	Incident Incident      `json:"incident"`
}

// Incident is the incident as the API renders it, without the timeline: a receiver
// gets the events one by one, and the whole timeline in every body would grow without
// bound.
type Incident struct {
	api.Incident
	// Timeline hides the API's field of the same JSON name: a field of the outer
	// struct wins over the embedded one, and a nil pointer with omitempty is left out.
	Timeline *struct{} `json:"timeline,omitempty"`
}

// HookBody renders the body of event ev, which happened at at to inc.
func (Body) HookBody(ev mim.HookEvent, at time.Time, inc *mim.Incident) string {
	m := Message{Event: ev, At: at.UTC(), Incident: Incident{Incident: api.FromIncident(inc)}}
	b, err := json.Marshal(m)
	if err != nil {
		// Only a time outside years 0-9999 fails, which no clock gives; the event
		// still goes out, with what can be said.
		b, _ = json.Marshal(map[string]any{"event": ev, "at": at.UTC().Format(time.RFC3339), "incident": map[string]any{"number": inc.Number, "error": err.Error()}})
	}
	return string(b)
}

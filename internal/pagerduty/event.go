package pagerduty

import (
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"

	pdapi "github.com/PagerDuty/go-pagerduty"

	"mimbot/mim"
)

// Event actions of the Events API v2.
const (
	actionTrigger     = "trigger"
	actionAcknowledge = "acknowledge"
	actionResolve     = "resolve"
)

// maxSummary is the longest payload.summary PagerDuty accepts, in characters.
const maxSummary = 1024

// source names mimbot as what saw the problem.
const source = "mimbot"

// actionOf says which event tells PagerDuty what happened to a page.
func actionOf(k mim.Kind) (string, error) {
	switch k {
	case mim.KindPaged:
		return actionTrigger, nil
	case mim.KindPageAcked:
		return actionAcknowledge, nil
	case mim.KindResolved:
		return actionResolve, nil
	}
	return "", fmt.Errorf("pagerduty: %w", mim.Errorf(mim.EINVALID, "no PagerDuty event tells that a page was %q: only paged, page_acked and resolved are sent", k))
}

// DedupKey is the dedup key of a tower's page on an incident: every event about it, and
// every lead paged in turn, lands on one PagerDuty incident.
func DedupKey(number int, tower string) string {
	return fmt.Sprintf("mimbot-%d-%s", number, tower)
}

// event builds the event of one page message; only a trigger carries a payload.
func (a *Adapter) event(d mim.Delivery, action, tower, routingKey string) *pdapi.V2Event {
	inc := d.Incident
	ev := &pdapi.V2Event{
		RoutingKey: routingKey,
		Action:     action,
		DedupKey:   DedupKey(inc.Number, tower),
	}
	if action != actionTrigger {
		return ev
	}
	paged := a.conf.Display(d.Message.Person)
	ev.Client = source
	ev.Payload = &pdapi.V2Payload{
		Summary:   summary(inc, tower, paged),
		Source:    source,
		Severity:  severity(inc.Priority),
		Component: tower,
		Details:   a.details(inc, tower, paged),
	}
	if !d.Message.Created.IsZero() {
		ev.Payload.Timestamp = d.Message.Created.UTC().Format(time.RFC3339)
	}
	if isWebURL(inc.Bridge) {
		ev.Links = []any{link{Href: inc.Bridge, Text: "Bridge of " + inc.Ref()}}
	}
	return ev
}

// summary is the one line a responder reads on the phone: "#12 Payments down (P0):
// application tower paged, Dave Kowalski". A long title is cut, not the tower and the
// person, to fit PagerDuty's 1,024 characters.
func summary(inc *mim.Incident, tower, paged string) string {
	head := inc.Ref() + " "
	tail := fmt.Sprintf(" (%s): %s tower paged, %s", inc.Priority, tower, paged)
	room := maxSummary - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	if room >= 2 {
		return head + cut(inc.Title, room) + tail
	}
	return cut(head+inc.Title+tail, maxSummary)
}

// cut shortens s to at most n characters, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// severity tells PagerDuty how loud to be: P0 wakes people up, P1 is urgent, the rest
// can wait for working hours.
func severity(p mim.Priority) string {
	switch p {
	case mim.P0:
		return "critical"
	case mim.P1:
		return "error"
	}
	return "warning"
}

// details is what a responder sees of the incident on PagerDuty (custom_details).
type details struct {
	Incident        int    `json:"incident"`
	Title           string `json:"title"`
	Priority        string `json:"priority"`
	State           string `json:"state"`
	Tower           string `json:"tower"`
	Paged           string `json:"paged"`
	IncidentManager string `json:"incident_manager"`
	Bridge          string `json:"bridge,omitempty"`
	WarRooms        []room `json:"war_rooms,omitempty"`
}

// room is a war room in details.
type room struct {
	Platform string `json:"platform"`
	Name     string `json:"name"`
	ID       string `json:"id"`
}

// link is an entry of an event's links.
type link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

func (a *Adapter) details(inc *mim.Incident, tower, paged string) details {
	im := "not assigned yet"
	if inc.IM != "" {
		im = a.conf.Display(inc.IM)
	}
	out := details{
		Incident:        inc.Number,
		Title:           inc.Title,
		Priority:        inc.Priority.String(),
		State:           string(inc.State),
		Tower:           tower,
		Paged:           paged,
		IncidentManager: im,
		Bridge:          inc.Bridge,
	}
	for _, r := range inc.WarRooms {
		out.WarRooms = append(out.WarRooms, room{Platform: r.Platform, Name: r.Name, ID: r.ID})
	}
	return out
}

// isWebURL tells whether a bridge is a link a responder can open.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

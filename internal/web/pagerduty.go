package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"mimbot/internal/httpguard"
	"mimbot/internal/pagerduty"
	"mimbot/mim"
)

const (
	// maxPagerDutyBody bounds a PagerDuty webhook; real events are a few kilobytes.
	maxPagerDutyBody = 1 << 20
	// pagerDutyWindow is how far occurred_at may be from now: PagerDuty delivers
	// within seconds and retries for minutes, so an older (or future) event is a
	// captured request played again.
	pagerDutyWindow = 5 * time.Minute
	// pagerDutyActor is who the timeline says acknowledged.
	pagerDutyActor = "pagerduty"
)

// pagerDutyReply is the answer to a PagerDuty webhook: what was done with it, for
// PagerDuty's delivery log.
type pagerDutyReply struct {
	Status   string `json:"status"` // acknowledged, ignored
	Incident *int   `json:"incident,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// receivePagerDuty answers POST /webhooks/pagerduty: a webhooks v3 subscription's
// events. incident.acknowledged for one of mimbot's pages acknowledges that page;
// anything else is taken (200) and ignored, since PagerDuty disables a subscription
// that keeps failing. Only a request mimbot cannot trust is refused: a signature that
// does not match PAGERDUTY_WEBHOOK_SECRET, or an event that is not recent (401).
func (s *Server) receivePagerDuty(w http.ResponseWriter, r *http.Request) {
	if s.pdSecret == "" {
		s.fail(w, r, http.StatusNotFound, "Not found: the PagerDuty webhook is off on this mimbot (no PAGERDUTY_WEBHOOK_SECRET).")
		return
	}
	if !httpguard.Accepts(r, "application/json") {
		s.fail(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not JSON: PagerDuty sends its webhooks as application/json.", r.Header.Get("Content-Type")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPagerDutyBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is over %d bytes: a PagerDuty webhook event is a few kilobytes.", maxPagerDutyBody))
			return
		}
		s.fail(w, r, http.StatusBadRequest, "The body could not be read: send it again.")
		return
	}
	if !pagerduty.Verify(s.pdSecret, body, r.Header.Get(pagerduty.SignatureHeader)) {
		s.log.Warn("request refused", "route", r.Pattern, "platform", mim.PagerDuty, "reason", "signature")
		s.fail(w, r, http.StatusUnauthorized, "Unauthorized: "+pagerduty.SignatureHeader+" holds no v1= signature of this body with PAGERDUTY_WEBHOOK_SECRET.")
		return
	}
	ev, err := pagerduty.ParseWebhook(body)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	e := ev.Event
	now := s.svc.Clock.Now()
	if age := now.Sub(e.OccurredAt); age > pagerDutyWindow || age < -pagerDutyWindow {
		s.log.Warn("request refused", "route", r.Pattern, "platform", mim.PagerDuty, "reason", "stale", "event", e.ID, "occurred_at", e.OccurredAt)
		s.fail(w, r, http.StatusUnauthorized, fmt.Sprintf("Unauthorized: stale event: it occurred at %s, more than 5 minutes from now (%s); a replayed request is refused.", e.OccurredAt.UTC().Format("2006-01-02T15:04:05Z"), now.UTC().Format("2006-01-02T15:04:05Z")))
		return
	}
	log := s.log.With("platform", mim.PagerDuty, "event", e.ID, "event_type", e.EventType)
	ignore := func(number int, reason string) {
		log.Debug("pagerduty: event ignored", "incident_key", e.Data.IncidentKey, "reason", reason)
		reply := pagerDutyReply{Status: "ignored", Reason: reason}
		if number != 0 {
			reply.Incident = &number
		}
		s.writeJSON(w, r, http.StatusOK, reply)
	}
	if e.EventType != pagerduty.EventAcknowledged {
		ignore(0, "mimbot acts on "+pagerduty.EventAcknowledged+" only")
		return
	}
	number, tower, ok := pagerduty.ParseDedupKey(e.Data.IncidentKey)
	if !ok {
		ignore(0, "not a page of mimbot's (its incident_key is not mimbot-<incident>-<tower>)")
		return
	}
	// The event id is the request's identity: PagerDuty delivering the same event
	// again acknowledges once.
	ctx := mim.WithRequest(r.Context(), "pagerduty:"+e.ID)
	if _, err := s.svc.AckPage(ctx, number, tower, pagerDutyActor); err != nil {
		switch mim.ErrorCode(err) {
		case mim.ENOTFOUND, mim.ECONFLICT:
			ignore(number, mim.ErrorMessage(err))
		default:
			s.failService(w, r, number, err) // PagerDuty retries a 5xx
		}
		return
	}
	log.Info("pagerduty: page acknowledged", "incident", number, "tower", tower)
	s.writeJSON(w, r, http.StatusOK, pagerDutyReply{Status: "acknowledged", Incident: &number})
}

package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mimbot/internal/api"
	"mimbot/mim"
)

// List limits of GET /api/v1/incidents: newest first, defaultLimit unless ?limit=
// says otherwise, never more than maxLimit in one answer.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// authorized guards h with the bearer token. Without a configured token the route is
// off: 404, as if it did not exist.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.api {
			s.fail(w, r, http.StatusNotFound, "Not found: the API and the alert webhook are off on this mimbot (no MIMBOT_API_TOKEN).")
			return
		}
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(cred)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], s.token[:]) != 1 {
			reason := "wrong token"
			if cred == "" {
				reason = "no token"
			}
			s.log.Warn("request refused", "platform", source(r), "route", r.Pattern, "reason", reason)
			w.Header().Set("WWW-Authenticate", `Bearer realm="mimbot"`)
			s.fail(w, r, http.StatusUnauthorized, "Unauthorized: send the header Authorization: Bearer <MIMBOT_API_TOKEN>.")
			return
		}
		h(w, r)
	}
}

// listIncidents answers GET /api/v1/incidents[?state=open|all][&limit=N]: the
// incidents newest first, each in the contract's JSON, without its timeline (a list
// never loads it; GET /api/v1/incidents/{id} has it).
func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := mim.Filter{Limit: defaultLimit}
	switch st := q.Get("state"); st {
	case "", "all":
	case "open":
		f.Open = true
	default:
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("state=%s is not a filter: use state=open (declared to mitigated) or state=all.", st))
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("limit=%s is not valid: use a number from 1 to %d (default %d).", v, maxLimit, defaultLimit))
			return
		}
		f.Limit = n
	}
	list, err := s.svc.Store.Incidents(r.Context(), f)
	if err != nil {
		s.failService(w, r, 0, err)
		return
	}
	out := make([]api.Incident, 0, len(list))
	for _, inc := range list {
		out = append(out, api.FromIncident(inc))
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// showIncident answers GET /api/v1/incidents/{id}: one incident with its timeline.
func (s *Server) showIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n, err := strconv.Atoi(strings.TrimPrefix(id, "#"))
	if err != nil || n < 1 {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not an incident number: use a positive number, as in /api/v1/incidents/12.", id))
		return
	}
	inc, err := s.svc.Incident(r.Context(), n)
	if err != nil {
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			s.fail(w, r, http.StatusNotFound, fmt.Sprintf("There is no incident %d.", n))
			return
		}
		s.failService(w, r, n, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, api.FromIncident(inc))
}

// source names who calls a guarded route, for the log: Alertmanager on the alert
// webhook, the API's clients elsewhere.
func source(r *http.Request) string {
	if r.Pattern == "POST /api/v1/alerts" {
		return alertPlatform
	}
	return mim.SourceAPI
}

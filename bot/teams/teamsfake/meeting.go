package teamsfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Meeting is an online meeting created through Graph.
type Meeting struct {
	ID, Organizer, Subject, JoinURL string
	Start, End                      time.Time
}

// Meetings returns the online meetings created, in order.
func (s *Server) Meetings() []Meeting {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Meeting(nil), s.meetings...)
}

// createMeeting is POST /users/{organizer}/onlineMeetings; the organizer
// must be a user of the tenant, by AAD object id.
func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request, organizer string) {
	var b struct {
		Subject       string `json:"subject"`
		StartDateTime string `json:"startDateTime"`
		EndDateTime   string `json:"endDateTime"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&b); err != nil {
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
		return
	}
	now := s.now()
	start, end := now, now.Add(time.Hour)
	var err error
	if b.StartDateTime != "" {
		if start, err = time.Parse(time.RFC3339Nano, b.StartDateTime); err != nil {
			s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Invalid startDateTime: "+b.StartDateTime)
			return
		}
	}
	if b.EndDateTime != "" {
		if end, err = time.Parse(time.RFC3339Nano, b.EndDateTime); err != nil {
			s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Invalid endDateTime: "+b.EndDateTime)
			return
		}
	} else if b.StartDateTime != "" {
		end = start.Add(time.Hour)
	}
	if end.Before(start) {
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "endDateTime must not be before startDateTime.")
		return
	}
	s.mu.Lock()
	u, ok := s.userLocked(organizer)
	if !ok || u.AADObjectID != organizer {
		s.mu.Unlock()
		s.writeGraphError(w, http.StatusNotFound, "NotFound", "The organizer "+organizer+" was not found in the tenant.")
		return
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	thread := fmt.Sprintf("19:meeting_%s@thread.v2", base64.RawURLEncoding.EncodeToString(raw[:12]))
	m := Meeting{
		ID:        "MSo" + base64.RawURLEncoding.EncodeToString(raw),
		Organizer: organizer,
		Subject:   b.Subject,
		JoinURL: "https://teams.microsoft.com/l/meetup-join/" + url.PathEscape(thread) + "/0?context=" +
			url.QueryEscape(fmt.Sprintf(`{"Tid":"%s","Oid":"%s"}`, s.opts.TenantID, organizer)),
		Start: start,
		End:   end,
	}
	s.meetings = append(s.meetings, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, obj{
		"id":               m.ID,
		"creationDateTime": now.UTC().Format(time.RFC3339Nano),
		"startDateTime":    start.UTC().Format(time.RFC3339Nano),
		"endDateTime":      end.UTC().Format(time.RFC3339Nano),
		"joinWebUrl":       m.JoinURL,
		"subject":          m.Subject,
		"participants": obj{"organizer": obj{
			"upn":      u.UPN,
			"role":     "presenter",
			"identity": obj{"user": obj{"id": u.AADObjectID, "displayName": u.Name}},
		}},
	})
}

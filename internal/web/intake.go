package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"mimbot/internal/api"
	"mimbot/mim"
)

const (
	// maxIncidentBody bounds a declaration: a title and a description fit many times.
	maxIncidentBody = 1 << 20
	// maxIdempotencyKey bounds the Idempotency-Key header; a UUID is 36 characters.
	maxIdempotencyKey = 200
	// intakeFields lists what the body may hold, for the error that names a wrong one.
	intakeFields = "title, impact, urgency, towers, description, reporter, model"
)

// newIncident is the body of POST /api/v1/incidents.
type newIncident struct {
	Title       string   `json:"title"`
	Impact      string   `json:"impact"`
	Urgency     string   `json:"urgency"`
	Towers      []string `json:"towers"`
	Description string   `json:"description"`
	Reporter    string   `json:"reporter"`
	Model       string   `json:"model"`
}

// declareIncident answers POST /api/v1/incidents: it declares an incident from a web
// tool or a script. With an Idempotency-Key header, the same key returns the incident
// it declared the first time (200 instead of 201), so a client may retry safely.
func (s *Server) declareIncident(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("Content-Type %q is not JSON: send Content-Type: application/json with a body such as {\"title\": \"Payments down\"}.", r.Header.Get("Content-Type")))
		return
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > maxIdempotencyKey {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("Idempotency-Key is %d characters long: use at most %d, such as a UUID.", len(key), maxIdempotencyKey))
		return
	}
	body, code, msg := decodeIncident(w, r)
	if code != 0 {
		s.fail(w, r, code, msg)
		return
	}
	in, msg := s.declaration(body)
	if msg != "" {
		s.fail(w, r, http.StatusBadRequest, msg)
		return
	}
	if key != "" {
		in.RequestKey = "api:" + key
	}
	inc, created, err := s.svc.Declare(r.Context(), in)
	if err != nil {
		s.failService(w, r, 0, err)
		return
	}
	// The answer is the JSON of GET /api/v1/incidents/{id}, timeline included.
	if inc, err = s.svc.Incident(r.Context(), inc.Number); err != nil {
		s.failService(w, r, 0, err)
		return
	}
	code = http.StatusOK
	if created {
		code = http.StatusCreated
		s.log.Info("incident declared through the API", "incident", inc.Number, "priority", inc.Priority.String())
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/incidents/%d", inc.Number))
	s.writeJSON(w, r, code, api.FromIncident(inc))
}

// decodeIncident reads the body strictly: an unknown field is a mistake worth
// telling (a misspelt "urgncy" would otherwise be dropped without a word). code is 0
// on success, else the status and message to answer.
func decodeIncident(w http.ResponseWriter, r *http.Request) (newIncident, int, string) {
	var body newIncident
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxIncidentBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&body)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("data after the JSON object")
		}
	}
	var (
		tooBig  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return body, 0, ""
	case errors.As(err, &tooBig):
		return body, http.StatusRequestEntityTooLarge, "The body is over 1 MiB: shorten the description."
	case errors.As(err, &typeErr) && typeErr.Field != "":
		want := "a string"
		if strings.HasPrefix(typeErr.Field, "towers") {
			want = `a list of tower names, such as ["application"]`
		}
		return body, http.StatusBadRequest, fmt.Sprintf("%s must be %s, not a JSON %s.", typeErr.Field, want, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return body, http.StatusBadRequest, fmt.Sprintf("Unknown field %s: the fields are %s.", field, intakeFields)
	case errors.Is(err, io.EOF):
		return body, http.StatusBadRequest, `The body is empty: send a JSON object such as {"title": "Payments down", "impact": "high"}.`
	}
	return body, http.StatusBadRequest, fmt.Sprintf(`The body is not a valid JSON object (%v): send one such as {"title": "Payments down", "impact": "high"}.`, err)
}

// declaration checks the body against the configuration and makes the declaration;
// msg names the field that is wrong and what would work.
func (s *Server) declaration(b newIncident) (in mim.DeclareInput, msg string) {
	cfg := s.svc.Config
	in = mim.DeclareInput{Title: strings.TrimSpace(b.Title), Description: b.Description, Model: strings.TrimSpace(b.Model),
		Platform: mim.SourceAPI, Trusted: true}
	if in.Title == "" {
		return in, `title is required: a short line that says what is broken, such as "Payments down".`
	}
	if strings.ContainsAny(in.Title, "\r\n") {
		return in, "title must be one line: put the details in description."
	}
	for _, f := range []struct {
		name, value string
		dst         *mim.Level
	}{{"impact", b.Impact, &in.Impact}, {"urgency", b.Urgency, &in.Urgency}} {
		if strings.TrimSpace(f.value) == "" {
			continue // the model's, else medium
		}
		lv, err := mim.ParseLevel(f.name, f.value)
		if err != nil {
			return in, fmt.Sprintf("%s %q is not valid: use high, medium or low (or leave it out for the model's, else medium).", f.name, f.value)
		}
		*f.dst = lv
	}
	for i, t := range b.Towers {
		t = strings.TrimSpace(t)
		if _, ok := cfg.Towers[t]; !ok {
			return in, fmt.Sprintf("towers[%d]: unknown tower %q; the towers are %s.", i, t, strings.Join(cfg.TowerNames(), ", "))
		}
		in.Towers = append(in.Towers, t)
	}
	if in.Model != "" {
		if _, ok := cfg.Models[in.Model]; !ok {
			return in, fmt.Sprintf("model: unknown model %q; the models are %s.", in.Model, strings.Join(cfg.ModelNames(), ", "))
		}
	}
	in.By, in.From = mim.Bot, "an API client that named no reporter"
	if r := strings.TrimSpace(b.Reporter); r != "" {
		who, ok := cfg.Reporter(r)
		if !ok {
			return in, fmt.Sprintf("reporter %q is neither a person key (such as %s) nor an e-mail address.", r, firstPerson(cfg))
		}
		in.By, in.From = who, r
	}
	return in, ""
}

// firstPerson is an example person key for error messages.
func firstPerson(cfg *mim.Config) string {
	if keys := cfg.PersonKeys(); len(keys) > 0 {
		return keys[0]
	}
	return "alice"
}

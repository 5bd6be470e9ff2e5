package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/web"
	"mimbot/mim"
)

// post sends POST /api/v1/incidents with the bearer token, a JSON content type unless
// header says otherwise, and header's other fields.
func (f *fixture) post(body string, header map[string]string) response {
	f.t.Helper()
	req := httptest.NewRequestWithContext(f.ctx, http.MethodPost, "/api/v1/incidents", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{code: rec.Code, header: rec.Result().Header, body: string(b)}
}

// count is how many incidents the store holds.
func (f *fixture) count() int {
	f.t.Helper()
	list, err := f.svc.Store.Incidents(f.ctx, mim.Filter{})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(list)
}

func TestDeclareByAPIErrors(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	tests := []struct {
		name   string
		body   string
		header map[string]string
		code   int
		error  string // part of {"error": ...}
	}{
		{name: "no token", body: `{"title":"x"}`, header: map[string]string{"Authorization": ""}, code: http.StatusUnauthorized, error: "Authorization: Bearer"},
		{name: "wrong token", body: `{"title":"x"}`, header: map[string]string{"Authorization": "Bearer nope"}, code: http.StatusUnauthorized, error: "Unauthorized"},
		{name: "missing title", body: `{"impact":"high"}`, code: http.StatusBadRequest, error: "title is required"},
		{name: "blank title", body: `{"title":"  "}`, code: http.StatusBadRequest, error: "title is required"},
		{name: "title on two lines", body: `{"title":"a\nb"}`, code: http.StatusBadRequest, error: "title must be one line"},
		{name: "unknown field", body: `{"title":"x","urgncy":"high"}`, code: http.StatusBadRequest, error: `Unknown field "urgncy": the fields are title, impact, urgency, towers, description, reporter, model.`},
		{name: "bad impact", body: `{"title":"x","impact":"huge"}`, code: http.StatusBadRequest, error: `impact "huge" is not valid: use high, medium or low`},
		{name: "bad urgency", body: `{"title":"x","urgency":"now"}`, code: http.StatusBadRequest, error: `urgency "now" is not valid`},
		{name: "unknown tower", body: `{"title":"x","towers":["application","printers"]}`, code: http.StatusBadRequest, error: `towers[1]: unknown tower "printers"; the towers are application, cloud, database, network.`},
		{name: "towers not a list", body: `{"title":"x","towers":"application"}`, code: http.StatusBadRequest, error: `towers must be a list of tower names`},
		{name: "title not a string", body: `{"title":12}`, code: http.StatusBadRequest, error: `title must be a string, not a JSON number`},
		{name: "unknown model", body: `{"title":"x","model":"fire"}`, code: http.StatusBadRequest, error: `model: unknown model "fire"; the models are`},
		{name: "unknown reporter", body: `{"title":"x","reporter":"zed"}`, code: http.StatusBadRequest, error: `reporter "zed" is neither a person key`},
		{name: "invalid JSON", body: `{"title":`, code: http.StatusBadRequest, error: "not a valid JSON object"},
		{name: "two objects", body: `{"title":"x"} {"title":"y"}`, code: http.StatusBadRequest, error: "more than one JSON value"},
		{name: "empty body", body: ``, code: http.StatusBadRequest, error: "The body is empty"},
		{name: "form instead of JSON", body: `title=x`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, code: http.StatusBadRequest, error: "is not JSON: send Content-Type: application/json"},
		{name: "no content type", body: `{"title":"x"}`, header: map[string]string{"Content-Type": ""}, code: http.StatusBadRequest, error: "Content-Type"},
		{name: "over 1 MiB", body: `{"title":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`, code: http.StatusRequestEntityTooLarge, error: "over 1 MiB"},
		{name: "idempotency key too long", body: `{"title":"x"}`, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}, code: http.StatusBadRequest, error: "Idempotency-Key is 201 characters long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.post(tt.body, tt.header)
			if got.code != tt.code {
				t.Fatalf("POST = %d, want %d: %s", got.code, tt.code, got.body)
			}
			var p struct{ Error string }
			if err := json.Unmarshal([]byte(got.body), &p); err != nil || !strings.Contains(p.Error, tt.error) {
				t.Errorf("body %s: want {\"error\"} with %q (%v)", got.body, tt.error, err)
			}
		})
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d incidents after requests that were all refused, want 0", n)
	}
	off := newFixture(t, web.Config{})
	if got := off.post(`{"title":"x"}`, nil); got.code != http.StatusNotFound {
		t.Errorf("POST without MIMBOT_API_TOKEN configured = %d, want 404", got.code)
	}
}

// incidentJSON is what the tests read of the answer.
type incidentJSON struct {
	Number      int      `json:"number"`
	Title       string   `json:"title"`
	Priority    string   `json:"priority"`
	Major       bool     `json:"major"`
	Impact      string   `json:"impact"`
	Urgency     string   `json:"urgency"`
	Towers      []string `json:"towers"`
	DeclaredBy  string   `json:"declared_by"`
	Source      string   `json:"source"`
	Description string   `json:"description"`
	Timeline    []struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
		Text  string `json:"text"`
	} `json:"timeline"`
}

func decodeIncidentJSON(t *testing.T, body string) incidentJSON {
	t.Helper()
	var inc incidentJSON
	if err := json.Unmarshal([]byte(body), &inc); err != nil {
		t.Fatalf("answer is not an incident: %v\n%s", err, body)
	}
	return inc
}

func TestDeclareByAPI(t *testing.T) {
	tests := []struct {
		name string
		body string
		want incidentJSON // without the timeline
		note string       // a note the timeline must hold
	}{
		{
			name: "reporter's address becomes the person's key",
			body: `{"title":"Printer on floor 3 jams","impact":"low","urgency":"medium","towers":["application"],"description":"Every job since 9:00","reporter":"Sam@Example.com"}`,
			want: incidentJSON{Number: 1, Title: "Printer on floor 3 jams", Priority: "P3", Impact: "low", Urgency: "medium", Towers: []string{"application"},
				DeclaredBy: "sam", Source: "api", Description: "Every job since 9:00"},
			note: "Declared through the API, reported by Sam@Example.com",
		},
		{
			name: "an outside reporter stays an address; defaults medium",
			body: `{"title":"Website slow","reporter":"Customer <pat@partner.example.org>"}`,
			want: incidentJSON{Number: 1, Title: "Website slow", Priority: "P2", Impact: "medium", Urgency: "medium", Towers: []string{},
				DeclaredBy: "pat@partner.example.org", Source: "api"},
			note: "Declared through the API, reported by Customer <pat@partner.example.org>",
		},
		{
			name: "a model fills in, a major incident starts the procedure",
			body: `{"title":"Payments down","model":"payment-outage","reporter":"alice"}`,
			want: incidentJSON{Number: 1, Title: "Payments down", Priority: "P0", Major: true, Impact: "high", Urgency: "high",
				Towers: []string{"application", "database"}, DeclaredBy: "alice", Source: "api"},
			note: "Declared through the API, reported by alice",
		},
		{
			name: "no reporter",
			body: `{"title":"Disk almost full"}`,
			want: incidentJSON{Number: 1, Title: "Disk almost full", Priority: "P2", Impact: "medium", Urgency: "medium", Towers: []string{},
				DeclaredBy: mim.Bot, Source: "api"},
			note: "Declared through the API, reported by an API client that named no reporter",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, web.Config{Token: token})
			got := f.post(tt.body, nil)
			if got.code != http.StatusCreated {
				t.Fatalf("POST = %d, want 201: %s", got.code, got.body)
			}
			inc := decodeIncidentJSON(t, got.body)
			var notes []string
			for _, e := range inc.Timeline {
				if e.Kind == "note" {
					notes = append(notes, e.Text)
				}
			}
			inc.Timeline = nil
			if diff := cmp.Diff(tt.want, inc); diff != "" {
				t.Errorf("incident (-want +got):\n%s", diff)
			}
			if !strings.Contains(strings.Join(notes, "\n"), tt.note) {
				t.Errorf("notes %q, want one with %q", notes, tt.note)
			}
			if tt.want.Description != "" && !strings.Contains(strings.Join(notes, "\n"), tt.want.Description) {
				t.Errorf("notes %q do not hold the description", notes)
			}
			// The answer is what GET shows: the incident was committed before it.
			show := f.do(http.MethodGet, "/api/v1/incidents/1", "Bearer "+token, "")
			if show.code != http.StatusOK || show.body != got.body {
				t.Errorf("GET after POST = %d, and its body differs from the POST's answer:\n%s\nvs\n%s", show.code, show.body, got.body)
			}
			if loc := got.header.Get("Location"); loc != "/api/v1/incidents/1" {
				t.Errorf("Location = %q", loc)
			}
		})
	}
}

func TestDeclareByAPIIdempotent(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	body := `{"title":"VPN drops","towers":["network"]}`
	steps := []struct {
		key    string
		code   int
		number int
		count  int // incidents after the step
	}{
		{key: "k-1", code: http.StatusCreated, number: 1, count: 1},
		{key: "k-1", code: http.StatusOK, number: 1, count: 1},
		{key: "k-2", code: http.StatusCreated, number: 2, count: 2},
		{key: "k-1", code: http.StatusOK, number: 1, count: 2},
		{key: "", code: http.StatusCreated, number: 3, count: 3}, // no key, no idempotency
		{key: "", code: http.StatusCreated, number: 4, count: 4},
	}
	var first string
	for i, st := range steps {
		got := f.post(body, map[string]string{"Idempotency-Key": st.key})
		if got.code != st.code {
			t.Fatalf("step %d (key %q): POST = %d, want %d: %s", i, st.key, got.code, st.code, got.body)
		}
		if n := decodeIncidentJSON(t, got.body).Number; n != st.number {
			t.Errorf("step %d (key %q): incident %d, want %d", i, st.key, n, st.number)
		}
		if n := f.count(); n != st.count {
			t.Errorf("step %d (key %q): %d incidents, want %d", i, st.key, n, st.count)
		}
		if i == 0 {
			first = got.body
		}
		if i == 1 && got.body != first {
			t.Errorf("the repeat answered another JSON:\n%s\nvs\n%s", got.body, first)
		}
	}
}

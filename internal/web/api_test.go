package web_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/web"
	"mimbot/mim"
)

func TestAPI(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	f.declare("VPN drops for remote staff", mim.Medium, mim.Medium, "network")
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Resolve(f.ctx, 1, "hana", "The ISP fixed the route"); err != nil {
		t.Fatal(err)
	}
	f.declare("Payments down", mim.High, mim.High, "application")
	off := newFixture(t, web.Config{})
	bearer := "Bearer " + token
	tests := []struct {
		name    string
		f       *fixture
		path    string
		auth    string
		code    int
		numbers []int  // for a list: the incidents, in order
		error   string // for an error: part of {"error": ...}
	}{
		{name: "no token", path: "/api/v1/incidents", code: http.StatusUnauthorized, error: "Authorization: Bearer"},
		{name: "wrong token", path: "/api/v1/incidents", auth: "Bearer " + token + "x", code: http.StatusUnauthorized, error: "Unauthorized"},
		{name: "token in another scheme", path: "/api/v1/incidents", auth: "Basic " + token, code: http.StatusUnauthorized, error: "Unauthorized"},
		{name: "wrong token on one incident", path: "/api/v1/incidents/1", auth: "Bearer nope", code: http.StatusUnauthorized, error: "Unauthorized"},
		{name: "list, newest first", path: "/api/v1/incidents", auth: bearer, code: http.StatusOK, numbers: []int{2, 1}},
		{name: "scheme in any case", path: "/api/v1/incidents", auth: "bearer " + token, code: http.StatusOK, numbers: []int{2, 1}},
		{name: "open only", path: "/api/v1/incidents?state=open", auth: bearer, code: http.StatusOK, numbers: []int{2}},
		{name: "limit", path: "/api/v1/incidents?limit=1", auth: bearer, code: http.StatusOK, numbers: []int{2}},
		{name: "bad limit", path: "/api/v1/incidents?limit=0", auth: bearer, code: http.StatusBadRequest, error: "use a number from 1 to 1000"},
		{name: "bad state", path: "/api/v1/incidents?state=done", auth: bearer, code: http.StatusBadRequest, error: "use state=open"},
		{name: "unknown incident", path: "/api/v1/incidents/99", auth: bearer, code: http.StatusNotFound, error: "There is no incident 99."},
		{name: "not a number", path: "/api/v1/incidents/abc", auth: bearer, code: http.StatusBadRequest, error: `"abc" is not an incident number`},
		{name: "API off without a token", f: off, path: "/api/v1/incidents", auth: bearer, code: http.StatusNotFound, error: "MIMBOT_API_TOKEN"},
		{name: "API off, even with an empty bearer", f: off, path: "/api/v1/incidents/1", auth: "Bearer ", code: http.StatusNotFound, error: "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := f
			if tt.f != nil {
				g = tt.f
			}
			got := g.do(http.MethodGet, tt.path, tt.auth, "")
			if got.code != tt.code {
				t.Fatalf("GET %s = %d, want %d: %s", tt.path, got.code, tt.code, got.body)
			}
			if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.code == http.StatusUnauthorized && got.header.Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if tt.error != "" {
				var p struct{ Error string }
				if err := json.Unmarshal([]byte(got.body), &p); err != nil || !strings.Contains(p.Error, tt.error) {
					t.Errorf("body %s: want {\"error\"} with %q (%v)", got.body, tt.error, err)
				}
				return
			}
			var list []struct{ Number int }
			if err := json.Unmarshal([]byte(got.body), &list); err != nil {
				t.Fatal(err)
			}
			var numbers []int
			for _, inc := range list {
				numbers = append(numbers, inc.Number)
			}
			if diff := cmp.Diff(tt.numbers, numbers); diff != "" {
				t.Errorf("incidents (-want +got):\n%s", diff)
			}
		})
	}
}

// The JSON of one incident is the contract's: the keys scripts rely on, with values
// that say what happened.
func TestAPIIncidentShape(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	inc := f.declare("Payments down", mim.High, mim.High, "application")
	got := f.do(http.MethodGet, "/api/v1/incidents/1", "Bearer "+token, "")
	if got.code != http.StatusOK {
		t.Fatalf("GET = %d %s", got.code, got.body)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(got.body), &doc); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, k := range []string{"number", "title", "priority", "major", "state", "impact", "urgency", "towers", "incident_manager",
		"comms", "paged", "war_rooms", "bridge", "declared_at", "resolved_at", "closed_at", "timeline"} {
		if _, ok := doc[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("keys missing: %v in %s", missing, got.body)
	}
	want := map[string]any{"number": 1.0, "title": "Payments down", "priority": "P0", "major": true, "state": "investigating",
		"incident_manager": inc.IM, "comms": "", "declared_at": "2026-03-02T10:00:00Z", "resolved_at": nil}
	for k, v := range want {
		if diff := cmp.Diff(v, doc[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	paged, _ := doc["paged"].([]any)
	if len(paged) != 1 || paged[0].(map[string]any)["person"] != "dave" {
		t.Errorf("paged = %v, want dave for the application tower", doc["paged"])
	}
	timeline, _ := doc["timeline"].([]any)
	var kinds []string
	for _, e := range timeline {
		entry := e.(map[string]any)
		for _, k := range []string{"at", "kind", "actor", "text"} {
			if _, ok := entry[k]; !ok {
				t.Errorf("timeline entry without %q: %v", k, entry)
			}
		}
		kinds = append(kinds, entry["kind"].(string))
	}
	if !slices.Contains(kinds, "declared") || !slices.Contains(kinds, "paged") {
		t.Errorf("timeline kinds %v, want declared and paged", kinds)
	}
}

// TestRefusalsLogged: a request refused for its token leaves one log line with the
// caller's platform and why, and never the token it sent or the one configured.
func TestRefusalsLogged(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, web.Config{Token: token, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	tests := []struct {
		name, method, path, auth, body, want string
	}{
		{"API, no token", http.MethodGet, "/api/v1/incidents", "", "", `msg="request refused" platform=api route="GET /api/v1/incidents" reason="no token"`},
		{"API, wrong token", http.MethodGet, "/api/v1/incidents/1", "Bearer " + token + "x", "", `msg="request refused" platform=api route="GET /api/v1/incidents/{id}" reason="wrong token"`},
		{"alert webhook, wrong token", http.MethodPost, "/api/v1/alerts", "Bearer nope-" + token, "{}", `msg="request refused" platform=alertmanager route="POST /api/v1/alerts" reason="wrong token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			if got := f.do(tt.method, tt.path, tt.auth, tt.body); got.code != http.StatusUnauthorized {
				t.Fatalf("%s %s = %d, want 401", tt.method, tt.path, got.code)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("log:\n%s\nwant one line with %s", logs.String(), tt.want)
			}
			if strings.Contains(logs.String(), token) {
				t.Errorf("a token in the log: %s", logs.String())
			}
		})
	}
}

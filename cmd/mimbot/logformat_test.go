package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestLogFormatJSON runs serve with MIMBOT_LOG_FORMAT=json through a declare, a
// refused request and a shutdown: every line on stderr is one JSON object with a
// level and a message, as a log collector parses it.
func TestLogFormatJSON(t *testing.T) {
	e := newEnv(t)
	e.vars["MIMBOT_LOG_FORMAT"] = "json"
	e.vars["MIMBOT_LOG"] = "debug"
	e.vars["MIMBOT_API_TOKEN"] = "s3cret-api-token"
	srv := e.serve(t)
	for _, c := range []struct {
		token string
		want  int
	}{{"s3cret-api-token", http.StatusCreated}, {"wrong", http.StatusUnauthorized}} {
		req, _ := http.NewRequest(http.MethodPost, srv.url+"/api/v1/incidents",
			strings.NewReader(`{"title":"Payments down","impact":"high","urgency":"high","towers":["application"]}`))
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("POST /api/v1/incidents with token %q = %d, want %d", c.token, resp.StatusCode, c.want)
		}
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	logs := strings.TrimSpace(srv.stderr.String())
	msgs := map[string]bool{}
	aboutIncident := false // a line with the declared incident's number under "incident"
	for _, l := range strings.Split(logs, "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not a JSON object: %v: %s", err, l)
			continue
		}
		level, _ := rec["level"].(string)
		msg, _ := rec["msg"].(string)
		if level == "" || msg == "" {
			t.Errorf("no level or no msg: %s", l)
		}
		msgs[msg] = true
		if n, ok := rec["incident"].(float64); ok && n == 1 {
			aboutIncident = true
		}
	}
	for _, want := range []string{"mimbot serving", "mimbot stopping"} {
		if !msgs[want] {
			t.Errorf("no %q line in the log:\n%s", want, logs)
		}
	}
	if !aboutIncident {
		t.Errorf("no line about incident 1 (key incident) in the log:\n%s", logs)
	}
}

// TestLogFormatUnknown: a format mimbot does not know is a configuration error that
// names what would work, before anything starts.
func TestLogFormatUnknown(t *testing.T) {
	e := newEnv(t)
	e.vars["MIMBOT_LOG_FORMAT"] = "xml"
	code, _, errOut := e.run("", "serve")
	if code != exitUsage || !strings.Contains(errOut, "MIMBOT_LOG_FORMAT=xml: use json") {
		t.Errorf("exit %d, stderr %q; want %d and what would work", code, errOut, exitUsage)
	}
}

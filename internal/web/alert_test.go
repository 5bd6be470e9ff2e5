package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/web"
	"mimbot/mim"
)

// webhook is an Alertmanager payload (version 4) for one group, whose one alert
// started at 2026-03-02T09:58:00Z.
func webhook(groupKey, status string, labels map[string]string, summary string) string {
	return webhookAt(groupKey, status, labels, summary, "2026-03-02T09:58:00Z")
}

// webhookAt is webhook with the alert started at startsAt.
func webhookAt(groupKey, status string, labels map[string]string, summary, startsAt string) string {
	common := map[string]string{"alertname": "PaymentsErrorRate"}
	for k, v := range labels {
		common[k] = v
	}
	annotations := map[string]string{}
	if summary != "" {
		annotations["summary"] = summary
	}
	b, err := json.Marshal(map[string]any{
		"version": "4", "groupKey": groupKey, "status": status, "receiver": "mimbot",
		"groupLabels":  map[string]string{"alertname": "PaymentsErrorRate"},
		"commonLabels": common, "commonAnnotations": annotations, "externalURL": "http://alertmanager:9093",
		"alerts": []map[string]any{{
			"status": status, "labels": common, "annotations": annotations,
			"startsAt": startsAt, "endsAt": "0001-01-01T00:00:00Z",
			"generatorURL": "http://prometheus:9090/graph", "fingerprint": "c0ffee",
		}},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// reply is the webhook's answer.
type reply struct {
	Incident *int
	Created  bool
	Notes    []string
	Error    string
}

func (f *fixture) alert(body string) (int, reply) {
	f.t.Helper()
	got := f.do(http.MethodPost, "/api/v1/alerts", "Bearer "+token, body)
	var r reply
	if err := json.Unmarshal([]byte(got.body), &r); err != nil {
		f.t.Fatalf("POST /api/v1/alerts = %d %q: %v", got.code, got.body, err)
	}
	return got.code, r
}

func number(r reply) int {
	if r.Incident == nil {
		return 0
	}
	return *r.Incident
}

// One alert group is one incident: declared when it fires, found again when
// Alertmanager re-sends it, only noted when it resolves.
func TestAlertGroupLifecycle(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	const group = `{}/{severity="critical"}:{alertname="PaymentsErrorRate"}`
	firingBody := webhook(group, "firing", map[string]string{"severity": "critical", "mimbot_towers": "application, mainframe"}, "Card payments failing at 30%")

	code, r := f.alert(firingBody)
	if code != http.StatusOK || number(r) != 1 || !r.Created {
		t.Fatalf("first firing = %d %+v, want incident 1 created", code, r)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], `Unknown tower "mainframe" dropped`) {
		t.Errorf("notes %q, want the unknown tower reported", r.Notes)
	}
	inc := f.incident(1)
	if inc.Title != "Card payments failing at 30%" || inc.Priority != mim.P0 || !inc.Major || inc.Source != "alertmanager" {
		t.Errorf("declared %q %s major=%v from %q, want the summary as title, a major P0 from alertmanager", inc.Title, inc.Priority, inc.Major, inc.Source)
	}
	if diff := cmp.Diff([]string{"application"}, inc.Towers); diff != "" {
		t.Errorf("towers (-want +got):\n%s", diff)
	}
	if inc.IM == "" || len(inc.Pages) != 1 {
		t.Errorf("IM %q, pages %v: the major-incident procedure should have started", inc.IM, inc.Pages)
	}

	f.clock.Advance(5 * time.Minute)
	code, r = f.alert(firingBody)
	if code != http.StatusOK || number(r) != 1 || r.Created {
		t.Fatalf("re-sent firing = %d %+v, want incident 1, created=false", code, r)
	}
	if list, _ := f.svc.Store.Incidents(f.ctx, mim.Filter{}); len(list) != 1 {
		t.Errorf("%d incidents after a re-send, want 1", len(list))
	}

	f.clock.Advance(10 * time.Minute)
	code, r = f.alert(webhook(group, "resolved", map[string]string{"severity": "critical"}, "Card payments failing at 30%"))
	if code != http.StatusOK || number(r) != 1 || r.Created {
		t.Fatalf("resolved = %d %+v, want incident 1 noted", code, r)
	}
	inc = f.incident(1)
	if inc.State != mim.Investigating || !inc.ResolvedAt.IsZero() {
		t.Errorf("state %s after Alertmanager resolved the alerts: only a person resolves an incident", inc.State)
	}
	last := inc.Timeline[len(inc.Timeline)-1]
	if last.Kind != mim.KindNote || !strings.Contains(last.Text, "Alertmanager reports the alerts of this group resolved") || last.Actor != inc.IM {
		t.Errorf("last timeline entry %+v, want the IM's note that the alerts resolved", last)
	}

	before := len(f.incident(1).Timeline)
	if _, r = f.alert(webhook(group, "resolved", map[string]string{"severity": "critical"}, "")); number(r) != 1 || len(f.incident(1).Timeline) != before {
		t.Errorf("a retried resolved = %+v added %d timeline entries, want none", r, len(f.incident(1).Timeline)-before)
	}

	f.clock.Advance(time.Minute)
	if _, r = f.alert(firingBody); r.Created || number(r) != 1 {
		t.Fatalf("firing again = %+v, want incident 1", r)
	}
	last = f.incident(1).Timeline[len(f.incident(1).Timeline)-1]
	if !strings.Contains(last.Text, "firing again") {
		t.Errorf("last timeline entry %+v, want a note that the alerts fire again", last)
	}
}

// Weeks later the same group is a new outage: once its incident is closed, an alert
// of the group that starts again declares the next incident, which says which one it
// follows, and re-sends find that one. An alert still firing from before the close
// opens nothing.
func TestAlertGroupNextEpisode(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	const group = "{}:{alertname=\"DiskFull\"}"
	labels := map[string]string{"severity": "warning"}
	body := webhook(group, "firing", labels, "")
	if _, r := f.alert(body); number(r) != 1 {
		t.Fatalf("first firing: %+v", r)
	}
	for _, step := range []func() (*mim.Incident, error){
		func() (*mim.Incident, error) { return f.svc.Resolve(f.ctx, 1, "hana", "Disk cleaned") },
		func() (*mim.Incident, error) { return f.svc.Close(f.ctx, 1, "hana") },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	// Alertmanager re-sends the group while the same alert is still firing.
	_, r := f.alert(body)
	if number(r) != 1 || r.Created {
		t.Errorf("the same alert after the close = %+v, want incident 1 found, nothing created", r)
	}
	if list, err := f.svc.Store.Incidents(f.ctx, mim.Filter{}); err != nil || len(list) != 1 {
		t.Fatalf("incidents after the re-send: %d, %v; want only #1", len(list), err)
	}

	f.clock.Advance(7 * 24 * time.Hour)
	again := webhookAt(group, "firing", labels, "", "2026-03-09T10:00:00Z")
	for i, want := range []reply{{Created: true}, {Created: false}} {
		_, r := f.alert(again)
		if number(r) != 2 || r.Created != want.Created {
			t.Errorf("send %d of the new firing = %+v, want incident 2 created=%v", i+1, r, want.Created)
		}
	}
	follows := false
	for _, e := range f.incident(2).Timeline {
		follows = follows || strings.Contains(e.Text, "Follows #1")
	}
	if !follows {
		t.Errorf("incident 2's timeline does not link incident 1: %+v", f.incident(2).Timeline)
	}
	code, r := f.alert(webhookAt(group, "resolved", labels, "", "2026-03-09T10:00:00Z"))
	if code != http.StatusOK || number(r) != 2 {
		t.Errorf("resolved = %d %+v, want the note on incident 2", code, r)
	}
	if tl := f.incident(2).Timeline; !strings.Contains(tl[len(tl)-1].Text, "resolved") {
		t.Errorf("incident 2 ends with %+v, want the note that the alerts resolved", tl[len(tl)-1])
	}
}

// Severity and the mimbot_* labels decide the priority.
func TestAlertPriority(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	tests := []struct {
		name   string
		labels map[string]string
		want   mim.Priority
		note   string
	}{
		{name: "critical", labels: map[string]string{"severity": "critical"}, want: mim.P0},
		{name: "error", labels: map[string]string{"severity": "error"}, want: mim.P1},
		{name: "major", labels: map[string]string{"severity": "major"}, want: mim.P1},
		{name: "warning", labels: map[string]string{"severity": "warning"}, want: mim.P2},
		{name: "info", labels: map[string]string{"severity": "info"}, want: mim.P4},
		{name: "no severity", labels: nil, want: mim.P2},
		{name: "labels win over severity", labels: map[string]string{"severity": "info", "mimbot_impact": "high", "mimbot_urgency": "medium"}, want: mim.P1},
		{name: "a bad label falls back to severity", labels: map[string]string{"severity": "critical", "mimbot_impact": "huge"}, want: mim.P0, note: "mimbot_impact=huge is not valid"},
		{name: "the model decides without labels", labels: map[string]string{"severity": "info", "mimbot_model": "network-partition"}, want: mim.P1},
		{name: "an unknown model is dropped", labels: map[string]string{"severity": "critical", "mimbot_model": "nope"}, want: mim.P0, note: `Unknown model "nope"`},
		{name: "an unknown declarer is replaced", labels: map[string]string{"mimbot_declarer": "mallory"}, want: mim.P2, note: "mimbot_declarer=mallory is not a configured person"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, r := f.alert(webhook(fmt.Sprintf("group-%d", i), "firing", tt.labels, ""))
			if code != http.StatusOK || !r.Created {
				t.Fatalf("POST = %d %+v", code, r)
			}
			if got := f.incident(number(r)).Priority; got != tt.want {
				t.Errorf("priority %s, want %s", got, tt.want)
			}
			if tt.note != "" && (len(r.Notes) == 0 || !strings.Contains(strings.Join(r.Notes, " "), tt.note)) {
				t.Errorf("notes %q, want %q", r.Notes, tt.note)
			}
		})
	}
}

// A webhook that cannot be read changes nothing and says what would work.
func TestAlertRefused(t *testing.T) {
	f := newFixture(t, web.Config{Token: token})
	off := newFixture(t, web.Config{})
	good := webhook("g", "firing", map[string]string{"severity": "critical"}, "")
	tests := []struct {
		name  string
		f     *fixture
		auth  string
		ctype string // Content-Type; "" sends none
		body  string
		code  int
		error string
	}{
		{name: "no token", body: good, code: http.StatusUnauthorized, error: "Authorization: Bearer"},
		{name: "wrong token", auth: "Bearer wrong", body: good, code: http.StatusUnauthorized, error: "Unauthorized"},
		{name: "bad JSON", auth: "Bearer " + token, body: `{"status": "firing",`, code: http.StatusBadRequest, error: "not valid JSON"},
		{name: "no groupKey", auth: "Bearer " + token, body: `{"version": "4", "status": "firing", "alerts": []}`, code: http.StatusBadRequest, error: "groupKey is missing"},
		{name: "bad status", auth: "Bearer " + token, body: `{"version": "4", "groupKey": "g", "status": "pending"}`, code: http.StatusBadRequest, error: `use "firing" or "resolved"`},
		{name: "other version", auth: "Bearer " + token, body: `{"version": "3", "groupKey": "g", "status": "firing"}`, code: http.StatusBadRequest, error: "version 4"},
		{name: "too big", auth: "Bearer " + token, body: `{"groupKey": "` + strings.Repeat("x", 1<<20) + `"}`, code: http.StatusRequestEntityTooLarge, error: "over 1 MiB"},
		{name: "form content type", auth: "Bearer " + token, ctype: "application/x-www-form-urlencoded", body: good, code: http.StatusUnsupportedMediaType, error: "not JSON"},
		{name: "webhook off without a token", f: off, auth: "Bearer " + token, body: good, code: http.StatusNotFound, error: "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := f
			if tt.f != nil {
				g = tt.f
			}
			h := http.Header{}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			if tt.ctype != "" {
				h.Set("Content-Type", tt.ctype)
			}
			got := g.doWith(http.MethodPost, "/api/v1/alerts", h, tt.body)
			var r reply
			if err := json.Unmarshal([]byte(got.body), &r); err != nil || got.code != tt.code || !strings.Contains(r.Error, tt.error) {
				t.Errorf("POST = %d %s, want %d with an error saying %q", got.code, got.body, tt.code, tt.error)
			}
			if list, _ := g.svc.Store.Incidents(g.ctx, mim.Filter{}); len(list) != 0 {
				t.Errorf("%d incidents declared by a refused webhook", len(list))
			}
		})
	}
	// Resolved for a group that never fired: nothing to note, and no incident either.
	code, r := f.alert(webhook("never-fired", "resolved", nil, ""))
	if code != http.StatusOK || r.Incident != nil || len(r.Notes) == 0 {
		t.Errorf("resolved for an unknown group = %d %+v", code, r)
	}
}

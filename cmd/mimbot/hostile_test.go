package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
	"mimbot/bot/slack/slackfake"
	"mimbot/bot/teams/teamsfake"
	"mimbot/internal/pagerduty/pagerdutyfake"
)

// Distinctive secrets, so that a test can look for them (and their encodings) in logs.
const (
	hostileAPIToken   = "mimbot-api-tok-Q7ZK4WX2"
	hostileRoutingKey = "pd-routing-key-R0UT1NGK3Y9"
	hostileOpenAIKey  = "sk-openai-test-K3Y-5UP3R53CR3T"
	hostilePDSecret   = "pd-hook-S3CR3T-never-logged-01"
)

// hostile is `mimbot serve` with Slack over HTTP, Discord over HTTP interactions (the
// public key of discordKey), Teams, PagerDuty and the API on, each platform a fake.
type hostile struct {
	*slackEnv
	discord    *discordfake.Server
	teams      *teamsfake.Server
	tgeneral   string // the Teams team's General channel
	pd         *pagerdutyfake.Server
	srv        *serving
	discordKey ed25519.PrivateKey
	samDiscord string
	dgeneral   string
}

// newHostile starts it; with socket, Slack's Socket Mode runs too (SLACK_APP_TOKEN).
// vars ("KEY=value") are set last, before serve starts.
func newHostile(t *testing.T, socket bool, vars ...string) *hostile {
	t.Helper()
	e := newSlackEnv(t)
	dfake, dgeneral := withDiscord(t, e.env)
	tfake := withTeams(t, e.env)
	tgeneral, _ := tfake.ChannelByName("General")
	pd := pagerdutyfake.New(pagerdutyfake.Options{})
	pd.Start()
	t.Cleanup(pd.Close)
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize))
	e.vars["DISCORD_PUBLIC_KEY"] = hex.EncodeToString(key.Public().(ed25519.PublicKey))
	e.vars["MIMBOT_API_TOKEN"] = hostileAPIToken
	e.vars["PAGERDUTY_EVENTS_URL"] = pd.EnqueueURL()
	e.vars["OPENAI_API_KEY"] = hostileOpenAIKey
	e.vars["PAGERDUTY_WEBHOOK_SECRET"] = hostilePDSecret
	e.vars["OPENAI_BASE_URL"] = "http://127.0.0.1:1/v1"
	e.vars["MIMBOT_LLM_MODEL"] = "gpt-test"
	e.vars["MIMBOT_LOG"] = "debug"
	if !socket {
		delete(e.vars, "SLACK_APP_TOKEN") // HTTP only: no Socket Mode traffic to count
	}
	yaml, err := os.ReadFile(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	keyed := strings.Replace(string(yaml), `pagerduty_routing_key: ""`, `pagerduty_routing_key: "`+hostileRoutingKey+`"`, 1)
	// No reminder falls due during the test: every call to a fake is then one a
	// request caused.
	keyed = strings.ReplaceAll(keyed, "update_every: 3s", "update_every: 4h")
	if keyed == string(yaml) {
		t.Fatal("the demo configuration has no pagerduty_routing_key to set")
	}
	if err := os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(keyed), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		e.vars[k] = v
	}
	h := &hostile{slackEnv: e, discord: dfake, teams: tfake, tgeneral: tgeneral.ID, pd: pd, discordKey: key, dgeneral: dgeneral}
	h.samDiscord = "100000000000000012"
	h.srv = e.serve(t)
	return h
}

// effects counts what a request could have changed: incidents, and calls to Slack,
// Discord, Teams and PagerDuty.
type effects struct{ incidents, slack, discord, teams, pagerduty int }

func (h *hostile) effects(t *testing.T) effects {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.url+"/api/v1/incidents", nil)
	req.Header.Set("Authorization", "Bearer "+hostileAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("GET /api/v1/incidents: %v", err)
	}
	return effects{len(list), len(h.fake.Calls()), len(h.discord.Calls()), len(h.teams.Calls()), h.pd.Attempts()}
}

// settled waits until the effects have not changed for a while (work a request
// started goes on after its answer), and returns them.
func (h *hostile) settled(t *testing.T) effects {
	t.Helper()
	return h.stillFor(t, 400*time.Millisecond)
}

// quiet is settled for work paced at one message a second per channel: what a
// declare or a reply to a mention starts.
func (h *hostile) quiet(t *testing.T) effects {
	t.Helper()
	return h.stillFor(t, 1500*time.Millisecond)
}

func (h *hostile) stillFor(t *testing.T, still time.Duration) effects {
	t.Helper()
	last, since := h.effects(t), time.Now()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		if now := h.effects(t); now != last {
			last, since = now, time.Now()
		} else if time.Since(since) > still {
			return last
		}
	}
	t.Fatalf("effects never settled: %+v", last)
	return last
}

// signing is how a hostile request is signed.
type signing int

const (
	signed signing = iota
	unsigned
	wrongSecret
	stale
)

// route is one POST route that changes something, with how to sign for it.
type route struct {
	path, contentType string
	sign              func(h *hostile, req *http.Request, body []byte, s signing, at time.Time)
	valid             func(h *hostile, n int) []byte // an accepted request, different for each n
	malformed         string
}

func signSlack(_ *hostile, req *http.Request, body []byte, s signing, at time.Time) {
	secret := slackSecret
	switch s {
	case unsigned:
		return
	case wrongSecret:
		secret = "not-" + slackSecret
	case stale:
		at = at.Add(-6 * time.Minute)
	}
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("X-Slack-Signature", slackfake.Sign(secret, at.Unix(), body))
}

func signDiscord(h *hostile, req *http.Request, body []byte, s signing, at time.Time) {
	key := h.discordKey
	switch s {
	case unsigned:
		return
	case wrongSecret:
		key = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	case stale:
		at = at.Add(-6 * time.Minute)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(ts), body...))))
}

// signBearer is the alert webhook's only credential: it has no timestamp, so stale is
// the right token (a replay is answered by the group's idempotence instead).
func signBearer(_ *hostile, req *http.Request, _ []byte, s signing, _ time.Time) {
	switch s {
	case unsigned:
	case wrongSecret:
		req.Header.Set("Authorization", "Bearer not-"+hostileAPIToken)
	default:
		req.Header.Set("Authorization", "Bearer "+hostileAPIToken)
	}
}

// signTeams signs as the Bot Framework does: a token of the fake's keys for the
// activity's Connector; wrong secret is a token signed by a key the Bot Framework
// never published, stale one that expired.
func signTeams(h *hostile, req *http.Request, _ []byte, s signing, _ time.Time) {
	var opts []teamsfake.SignOption
	switch s {
	case unsigned:
		return
	case wrongSecret:
		opts = append(opts, teamsfake.Forged())
	case stale:
		opts = append(opts, teamsfake.Expired())
	}
	req.Header.Set("Authorization", "Bearer "+h.teams.SignToken(h.teams.ServiceURL(), opts...))
}

var hostileRoutes = []route{
	{path: "/slack/commands", contentType: "application/x-www-form-urlencoded", sign: signSlack, malformed: "text=%zz&user_id=U01SAM",
		valid: func(h *hostile, n int) []byte {
			return []byte(url.Values{"command": {"/incident"}, "text": {"declare Replayed declare " + strconv.Itoa(n) + " impact=high urgency=high towers=application"},
				"user_id": {"U01SAM"}, "team_id": {"T0001"}, "channel_id": {h.general}, "trigger_id": {"trig-" + strconv.Itoa(n)}, "response_url": {h.fake.URL() + "/commands/replay"}}.Encode())
		}},
	{path: "/slack/interactions", contentType: "application/x-www-form-urlencoded", sign: signSlack, malformed: "payload=%7Bnot-json",
		valid: func(h *hostile, n int) []byte {
			return []byte(url.Values{"payload": {`{"type":"block_actions","trigger_id":"t` + strconv.Itoa(n) + `","team":{"id":"T0001"},"user":{"id":"U01SAM"},"channel":{"id":"` + h.general + `"},"actions":[]}`}}.Encode())
		}},
	{path: "/slack/events", contentType: "application/json", sign: signSlack, malformed: `{"type":`,
		valid: func(h *hostile, n int) []byte {
			return []byte(`{"type":"event_callback","team_id":"T0001","event_id":"Ev` + strconv.Itoa(n) + `","event":{"type":"app_mention","user":"U01SAM","text":"<@UBOT> list","channel":"` + h.general + `","ts":"` + strconv.Itoa(n) + `.0001"}}`)
		}},
	{path: "/discord/interactions", contentType: "application/json", sign: signDiscord, malformed: `{"type":`,
		valid: func(h *hostile, n int) []byte {
			return []byte(`{"type":1,"id":"` + strconv.Itoa(1500000000000000000+n) + `","application_id":"1","token":"tok","version":1}`)
		}},
	{path: "/teams/messages", contentType: "application/json", sign: signTeams, malformed: `{"type":`,
		valid: func(h *hostile, n int) []byte {
			b, _ := json.Marshal(h.teams.Message(h.tgeneral, "00000000-0000-4000-8000-000000000012", "incident list"))
			return b
		}},
	{path: "/api/v1/alerts", contentType: "application/json", sign: signBearer, malformed: `{"groupKey":`,
		valid: func(h *hostile, n int) []byte {
			return []byte(`{"version":"4","groupKey":"{}:{alertname=\"Replayed` + strconv.Itoa(n) + `\"}","status":"firing","receiver":"mimbot",` +
				`"commonLabels":{"alertname":"Replayed` + strconv.Itoa(n) + `","severity":"info"},"alerts":[]}`)
		}},
}

// send posts body to path; it returns the status.
func (h *hostile) send(t *testing.T, r route, method, contentType string, body []byte, s signing, at time.Time) int {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.url+r.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	r.sign(h, req, body, s, at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// hostileCases is what is sent to every route, and the status expected.
var hostileCases = []struct {
	name   string
	method string
	sign   signing
	body   func(h *hostile, r route, n int) []byte
	ctype  func(r route) string
	want   int
}{
	{"unsigned", http.MethodPost, unsigned, validBody, rightType, http.StatusUnauthorized},
	{"wrong secret", http.MethodPost, wrongSecret, validBody, rightType, http.StatusUnauthorized},
	{"stale (6 min)", http.MethodPost, stale, validBody, rightType, http.StatusUnauthorized},
	{"oversized (1 MiB + 1)", http.MethodPost, signed, func(*hostile, route, int) []byte {
		return append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	}, rightType, http.StatusRequestEntityTooLarge},
	{"malformed body", http.MethodPost, signed, func(_ *hostile, r route, _ int) []byte { return []byte(r.malformed) }, rightType, http.StatusBadRequest},
	{"wrong content type", http.MethodPost, signed, validBody, func(route) string { return "text/plain" }, http.StatusUnsupportedMediaType},
	{"wrong method", http.MethodGet, signed, validBody, rightType, http.StatusMethodNotAllowed},
}

func validBody(h *hostile, r route, n int) []byte { return r.valid(h, n) }
func rightType(r route) string                    { return r.contentType }

// TestHostileRequests sends every route that changes something requests it must
// refuse, each answered with its 4xx and changing nothing, and a valid request sent
// twice, which takes effect once. The server still answers /healthz afterwards.
//
// Alerts: the stale case has no meaning (a bearer token carries no time, so it is the
// right token and a valid body: a replay), and a replay is answered 200 with the same
// incident, because Alertmanager re-sends a group it is unsure was delivered.
func TestHostileRequests(t *testing.T) {
	h := newHostile(t, false)
	runHostile(t, h, true)
	resp, err := http.Get(h.srv.url + "/healthz")
	if err != nil {
		t.Fatalf("/healthz after the hostile requests: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz after the hostile requests = %d", resp.StatusCode)
	}
}

// runHostile sends the hostile cases and the replays to every route; with check, it
// fails the test on a wrong status or an effect.
func runHostile(t *testing.T, h *hostile, check bool) {
	t.Helper()
	n := 0
	for _, r := range hostileRoutes {
		if check {
			h.quiet(t)
		}
		for _, c := range hostileCases {
			want := c.want
			if r.path == "/api/v1/alerts" && c.sign == stale {
				continue // no timestamp: see the test's comment
			}
			n++
			if !check {
				h.send(t, r, c.method, c.ctype(r), c.body(h, r, n), c.sign, time.Now())
				continue
			}
			before := h.settled(t)
			got := h.send(t, r, c.method, c.ctype(r), c.body(h, r, n), c.sign, time.Now())
			after := h.settled(t)
			t.Logf("%-22s %-22s %d", r.path, c.name, got)
			if got != want {
				t.Errorf("%s %s: status %d, want %d", r.path, c.name, got, want)
			}
			if after != before {
				t.Errorf("%s %s: effects %+v -> %+v, want none", r.path, c.name, before, after)
			}
		}
		// Replayed: the same signed request (same timestamp and body) twice.
		n++
		body, at := r.valid(h, n), time.Now()
		if !check {
			h.send(t, r, http.MethodPost, r.contentType, body, signed, at)
			h.send(t, r, http.MethodPost, r.contentType, body, signed, at)
			continue
		}
		before := h.settled(t)
		first := h.send(t, r, http.MethodPost, r.contentType, body, signed, at)
		if r.path == "/slack/commands" {
			h.roomReady(t, fmt.Sprintf("mi-%d-replayed-declare-%d", before.incidents+1, n))
		}
		once := h.quiet(t)
		second := h.send(t, r, http.MethodPost, r.contentType, body, signed, at)
		twice := h.quiet(t)
		t.Logf("%-22s %-22s %d then %d", r.path, "replayed", first, second)
		wantSecond := http.StatusConflict
		if r.path == "/api/v1/alerts" || r.path == "/teams/messages" {
			// Alertmanager re-sends a group, the Bot Framework an activity, when unsure
			// it was delivered: the copy is answered as the first was, and does nothing.
			wantSecond = http.StatusOK
		}
		if first != http.StatusOK || second != wantSecond {
			t.Errorf("%s replayed: statuses %d then %d, want 200 then %d", r.path, first, second, wantSecond)
		}
		if r.path == "/slack/commands" || r.path == "/api/v1/alerts" {
			if once.incidents != before.incidents+1 {
				t.Errorf("%s: the first of two copies made %d incidents, want 1", r.path, once.incidents-before.incidents)
			}
		}
		if twice != once {
			t.Errorf("%s replayed: the second copy changed %+v -> %+v", r.path, once, twice)
		}
	}
}

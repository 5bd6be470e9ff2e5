package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mimbot/bot/slack/slackfake"
	mimpd "mimbot/internal/pagerduty"
	"mimbot/internal/pagerduty/pagerdutyfake"
)

// encodings are the forms a secret could take in a log line besides itself.
func encodings(secret string) map[string]string {
	js, _ := json.Marshal(secret)
	return map[string]string{
		"raw":         secret,
		"lower case":  strings.ToLower(secret),
		"query":       url.QueryEscape(secret),
		"path":        url.PathEscape(secret),
		"json":        strings.Trim(string(js), `"`),
		"base64":      base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 raw":  base64.RawStdEncoding.EncodeToString([]byte(secret)),
		"base64 url":  base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"hex":         hex.EncodeToString([]byte(secret)),
		"first half":  secret[:len(secret)/2+1], // a token cut short is still most of it
		"second half": secret[len(secret)/2:],
	}
}

// TestNoSecretInLogs runs `mimbot serve` at debug level with every secret set,
// through declares (Slack over HTTP and Socket Mode, Alertmanager), the hostile
// requests of every route and failures (Slack and PagerDuty answering 500, PagerDuty
// refusing the routing key), and fails if any log line holds a secret or an obvious
// encoding of one. It runs once per log format (MIMBOT_LOG_FORMAT): a JSON handler
// quotes and escapes values differently from the text one.
func TestNoSecretInLogs(t *testing.T) {
	for _, c := range []struct {
		format string
		level  func(string) string // how a line shows its level
	}{
		{"text", func(l string) string { return "level=" + l }},
		{"json", func(l string) string { return `"level":"` + l + `"` }},
	} {
		t.Run(c.format, func(t *testing.T) {
			logs, secrets := secretRun(t, c.format)
			if !strings.Contains(logs, c.level("DEBUG")) || !strings.Contains(logs, "request refused") ||
				!strings.Contains(logs, c.level("ERROR")) && !strings.Contains(logs, c.level("WARN")) {
				t.Fatalf("the run did not log what it should have (debug lines, refusals, failures):\n%s", logs)
			}
			lines := strings.Split(strings.TrimSpace(logs), "\n")
			if c.format == "json" {
				for _, l := range lines {
					if !json.Valid([]byte(l)) {
						t.Errorf("not a JSON line: %s", l)
					}
				}
			}
			for name, s := range secrets {
				for enc, v := range encodings(s) {
					for _, l := range lines {
						if strings.Contains(l, v) {
							t.Errorf("%s (%s) in a log line: %s", name, enc, l)
							break
						}
					}
				}
			}
			t.Logf("%d log lines checked", len(lines))
		})
	}
}

// secretRun drives the hostile run with MIMBOT_LOG_FORMAT=format and returns serve's
// log and the secrets it was given, by name.
func secretRun(t *testing.T, format string) (string, map[string]string) {
	t.Helper()
	h := newHostile(t, true, "MIMBOT_LOG_FORMAT="+format)
	h.connected(t)
	secrets := map[string]string{
		"SLACK_BOT_TOKEN":          h.vars["SLACK_BOT_TOKEN"],
		"SLACK_APP_TOKEN":          h.vars["SLACK_APP_TOKEN"],
		"SLACK_SIGNING_SECRET":     h.vars["SLACK_SIGNING_SECRET"],
		"DISCORD_BOT_TOKEN":        h.vars["DISCORD_BOT_TOKEN"],
		"TEAMS_APP_PASSWORD":       h.vars["TEAMS_APP_PASSWORD"],
		"MIMBOT_API_TOKEN":         h.vars["MIMBOT_API_TOKEN"],
		"OPENAI_API_KEY":           h.vars["OPENAI_API_KEY"],
		"pagerduty_routing_key":    hostileRoutingKey,
		"PAGERDUTY_WEBHOOK_SECRET": h.vars["PAGERDUTY_WEBHOOK_SECRET"],
	}
	for name, s := range secrets {
		if len(s) < 12 {
			t.Fatalf("%s=%q is too short to look for", name, s)
		}
	}
	h.fake.InjectFault("chat.postMessage", slackfake.Fault{Status: http.StatusInternalServerError, Times: 2})
	h.fake.InjectFault("conversations.create", slackfake.Fault{Error: "invalid_auth"})
	h.pd.InjectFault(pagerdutyfake.Fault{Status: http.StatusInternalServerError})
	ctx := context.Background()
	if _, _, err := h.fake.PostSlashCommand(ctx, h.srv.url+"/slack/commands", slackSecret, slackfake.SlashCommand{Command: "/incident",
		Text: "declare Card payments failing impact=high urgency=high towers=application", UserID: "U01SAM", ChannelID: h.general}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.SendSlashCommand(ctx, slackfake.SlashCommand{Command: "/incident",
		Text: "declare Checkout slow impact=high urgency=medium towers=application,database", UserID: "U01SAM", ChannelID: h.general}); err != nil {
		t.Fatal(err)
	}
	runHostile(t, h, false)
	forged := []byte(`{"event":{"id":"E1","event_type":"incident.acknowledged","occurred_at":"` + time.Now().UTC().Format(time.RFC3339) + `","data":{"incident_key":"mimbot-1-application"}}}`)
	for _, secret := range []string{"not-the-secret", hostilePDSecret} {
		req, _ := http.NewRequest(http.MethodPost, h.srv.url+"/webhooks/pagerduty", bytes.NewReader(forged))
		req.Header.Set(mimpd.SignatureHeader, mimpd.Signature(secret, forged))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	eventually(t, "both declares posted to stakeholders through the failures", func() bool { return len(h.fake.Messages("C01STAKE")) >= 2 })
	h.settled(t)
	if code := h.srv.stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	return h.srv.stderr.String(), secrets
}

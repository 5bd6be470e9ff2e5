package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"mimbot/bot/slack/slackfake"
)

// scrape reads GET /metrics.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d %v", resp.StatusCode, err)
	}
	return string(body)
}

// sample is the value of series (name{labels} as exposed) in a scrape; 0 when absent.
func sample(text, series string) float64 {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return 0
}

// TestMetricsAndLogsOfAnIncident runs `mimbot serve` against the fake Slack on a test
// clock: a declare (whose channel creation is answered 429 once, and whose first
// direct message Slack refuses), an escalation from chat, then the clock moved past
// the P0 respond target. Each moves its metric on GET /metrics, each has its log
// line, and the exposition passes Prometheus's lint.
func TestMetricsAndLogsOfAnIncident(t *testing.T) {
	e := newSlackEnv(t)
	e.fake.InjectFault("conversations.create", slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	e.fake.InjectFault("conversations.open", slackfake.Fault{Error: "user_not_found"})
	reg := prometheus.NewRegistry()
	srv := e.serveOn(t, e.clock, reg)
	e.connected(t)
	ctx := context.Background()
	before := scrape(t, srv.url)

	// A forged request is refused and logged.
	declare := slackfake.SlashCommand{Command: "/incident", Text: "declare Payments down impact=high urgency=high towers=application,database", UserID: "U01SAM", ChannelID: e.general}
	resp, _, err := e.fake.PostSlashCommand(ctx, srv.url+"/slack/commands", "not-the-secret", declare)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	resp, _, err = e.fake.PostSlashCommand(ctx, srv.url+"/slack/commands", slackSecret, declare)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.roomReady(t, "mi-1-payments-down")
	var text string
	eventually(t, "the war room ready and a direct message given up, on /metrics", func() bool {
		text = scrape(t, srv.url)
		return sample(text, `mimbot_declare_to_ready_seconds_count{platform="slack"}`) == 1 &&
			sample(text, `mimbot_messages_given_up_total{platform="slack"}`) == 1
	})
	checks := []struct {
		name, series string
		want         float64
	}{
		{"the declare", `mimbot_incidents_declared_total{priority="P0",source="slack"}`, 1},
		{"the 429 answered to conversations.create", `mimbot_outbound_calls_total{code="429",method="conversations.create",platform="slack"}`, 1},
		{"the channel created on the second attempt", `mimbot_outbound_calls_total{code="200",method="conversations.create",platform="slack"}`, 1},
		{"the retry after the 429", `mimbot_outbound_retries_total{platform="slack",reason="429"}`, 1},
		{"no escalation yet", `mimbot_escalations_total{kind="hierarchical"}`, 0},
		{"no SLA breach yet", `mimbot_sla_events_total{clock="respond",event="breach"}`, 0},
		{"the clock has not moved: the declare's timers are not due", `mimbot_timers_due`, 0},
	}
	for _, c := range checks {
		if got := sample(text, c.series); got != c.want {
			t.Errorf("after the declare, %s: %s = %v, want %v", c.name, c.series, got, c.want)
		}
	}
	if got := sample(before, `mimbot_incidents_declared_total{priority="P0",source="slack"}`); got != 0 {
		t.Errorf("before any declare: %v declares", got)
	}

	// hana, the SMO head, escalates from chat.
	esc := slackfake.SlashCommand{Command: "/incident", Text: "escalate hierarchical need a DBA incident=1", UserID: "U01HANA", ChannelID: e.general}
	resp, _, err = e.fake.PostSlashCommand(ctx, srv.url+"/slack/commands", slackSecret, esc)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	eventually(t, "the escalation on /metrics", func() bool {
		text = scrape(t, srv.url)
		return sample(text, `mimbot_escalations_total{kind="hierarchical"}`) == 1
	})
	if got := sample(text, `mimbot_sla_events_total{clock="respond",event="breach"}`); got != 0 {
		t.Errorf("an escalation from chat counted %v SLA breaches", got)
	}

	// Nobody responds: past the P0 respond target of 5 minutes, the breach fires.
	e.clock.Advance(5*time.Minute + time.Second)
	eventually(t, "the respond SLA breach on /metrics", func() bool {
		text = scrape(t, srv.url)
		return sample(text, `mimbot_sla_events_total{clock="respond",event="breach"}`) == 1
	})
	for _, c := range []struct{ name, series string }{
		{"the 75% warning before it", `mimbot_sla_events_total{clock="respond",event="warning"}`},
		{"the breach and missed updates escalated to the head", `mimbot_escalations_total{kind="hierarchical"}`},
		{"reminders of the 3s cadence", `mimbot_reminders_total`},
		{"timers fired, and how late", `mimbot_timer_lateness_seconds_count`},
	} {
		if got := sample(text, c.series); got < 1 {
			t.Errorf("after the clock moved, %s: %s = %v, want at least 1", c.name, c.series, got)
		}
	}
	if got := sample(text, `mimbot_escalations_total{kind="hierarchical"}`); got < 2 {
		t.Errorf("escalations after the breach: %v, want the chat one and the breach's", got)
	}

	// Lint what the registry holds, and what GET /metrics served (the store gauges
	// too), as promtool check metrics would.
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	served, err := promlint.New(strings.NewReader(text)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(problems, served...) {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	if got := testutil.CollectAndCount(reg, "mimbot_incidents_declared_total"); got != 1 {
		t.Errorf("the registry serve was given holds %d declare series, want 1: serve did not use it", got)
	}

	logs := srv.logs.String()
	for _, want := range []struct{ name, msg, keys string }{
		{"the refused request", `msg="slack: request refused"`, "platform=slack"},
		{"the declare", `msg="incident declared"`, "incident=1 platform=slack"},
		{"the escalation", `msg="incident escalated"`, "incident=1 platform=slack kind=hierarchical"},
		{"the SLA breach", `msg="SLA breached"`, "incident=1 platform=slack clock=respond"},
		{"the message given up", `msg="relay: giving up on message"`, "platform=slack incident=1"},
	} {
		found := false
		for _, l := range strings.Split(logs, "\n") {
			found = found || strings.Contains(l, want.msg) && strings.Contains(l, want.keys)
		}
		if !found {
			t.Errorf("no log line for %s (%s with %s) in:\n%s", want.name, want.msg, want.keys, logs)
		}
	}
}

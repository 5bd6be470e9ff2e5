package metrics_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"mimbot/internal/metrics"
	"mimbot/mim"
	"mimbot/mim/mimtest"
)

var declared = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func incident() *mim.Incident {
	return &mim.Incident{Number: 7, Priority: mim.P1, Source: "slack", DeclaredAt: declared, Major: true}
}

// TestCommitted maps each committed change to the metrics it moves, and nothing else.
func TestCommitted(t *testing.T) {
	now := declared.Add(90 * time.Second)
	tests := []struct {
		name string
		inc  *mim.Incident
		ch   mim.Change
		want map[string]float64 // non-zero samples; histograms as _count and _sum
	}{
		{
			name: "declared, with its notes",
			inc:  incident(),
			ch:   mim.Change{Entries: []mim.Entry{{Kind: mim.KindDeclared}, {Kind: mim.KindNote}, {Kind: mim.KindPaged}}},
			want: map[string]float64{`mimbot_incidents_declared_total{priority="P1",source="slack"}`: 1},
		},
		{
			name: "declared from a source that was not recorded",
			inc:  &mim.Incident{Number: 1, Priority: mim.P3},
			ch:   mim.Change{Entries: []mim.Entry{{Kind: mim.KindDeclared}}},
			want: map[string]float64{`mimbot_incidents_declared_total{priority="P3",source="unknown"}`: 1},
		},
		{
			name: "resolved",
			inc:  incident(),
			ch:   mim.Change{Entries: []mim.Entry{{Kind: mim.KindResolved}, {Kind: mim.KindStateChanged}}},
			want: map[string]float64{`mimbot_incidents_resolved_total{priority="P1"}`: 1},
		},
		{
			name: "a reminder timer fired 2s late",
			inc:  incident(),
			ch:   mim.Change{Fired: &mim.Timer{Key: mim.TimerReminder, Due: now.Add(-2 * time.Second)}, Entries: []mim.Entry{{Kind: mim.KindReminder}}},
			want: map[string]float64{
				`mimbot_reminders_total`:              1,
				`mimbot_timer_lateness_seconds_count`: 1,
				`mimbot_timer_lateness_seconds_sum`:   2,
			},
		},
		{
			name: "a timer claimed before its due time is not early by a negative amount",
			ch:   mim.Change{Fired: &mim.Timer{Key: mim.TimerDigest, Due: now.Add(time.Second)}},
			want: map[string]float64{`mimbot_timer_lateness_seconds_count`: 1},
		},
		{
			name: "an SLA breach escalated to the head",
			inc:  incident(),
			ch: mim.Change{Entries: []mim.Entry{
				{Kind: mim.KindSLABreach, Label: mim.ClockRespond},
				{Kind: mim.KindEscalated, Label: mim.EscalationHierarchical},
			}},
			want: map[string]float64{
				`mimbot_sla_events_total{clock="respond",event="breach"}`: 1,
				`mimbot_escalations_total{kind="hierarchical"}`:           1,
			},
		},
		{
			name: "an SLA warning",
			inc:  incident(),
			ch:   mim.Change{Entries: []mim.Entry{{Kind: mim.KindSLAWarning, Label: mim.ClockResolve}}},
			want: map[string]float64{`mimbot_sla_events_total{clock="resolve",event="warning"}`: 1},
		},
		{
			name: "a page timed out: functional escalation",
			inc:  incident(),
			ch:   mim.Change{Entries: []mim.Entry{{Kind: mim.KindEscalated, Label: mim.EscalationFunctional}, {Kind: mim.KindPaged}}},
			want: map[string]float64{`mimbot_escalations_total{kind="functional"}`: 1},
		},
		{
			name: "pages acknowledged: a tower's is timed, one by name is not",
			inc:  incident(),
			ch: mim.Change{Entries: []mim.Entry{
				{Kind: mim.KindPageAcked, Label: "database", Took: 4 * time.Minute},
				{Kind: mim.KindPageAcked, Took: time.Minute},
			}},
			want: map[string]float64{
				`mimbot_page_ack_seconds_count{tower="database"}`: 1,
				`mimbot_page_ack_seconds_sum{tower="database"}`:   240,
			},
		},
		{
			name: "the war room on slack is ready 90s after the declaration",
			inc:  incident(),
			ch:   mim.Change{RoomReady: "slack", Entries: []mim.Entry{{Kind: mim.KindWarRoom}}},
			want: map[string]float64{
				`mimbot_declare_to_ready_seconds_count{platform="slack"}`: 1,
				`mimbot_declare_to_ready_seconds_sum{platform="slack"}`:   90,
			},
		},
		{
			name: "an update moves nothing",
			inc:  incident(),
			ch:   mim.Change{Entries: []mim.Entry{{Kind: mim.KindUpdate}}, Messages: []mim.Outgoing{{Platform: "slack"}}},
			want: map[string]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m := metrics.New(reg, mimtest.NewClock(now))
			m.Committed(tt.inc, &tt.ch)
			if diff := cmp.Diff(tt.want, samples(t, reg)); diff != "" {
				t.Errorf("metrics after the change (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCallsAndGivenUp(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, nil)
	m.Called("slack", "chat.postMessage", 429)
	m.Retried("slack", "429")
	m.Called("slack", "chat.postMessage", 200)
	m.Called("discord", "POST /channels/{channel}/messages", 0)
	m.GaveUp(mim.Outgoing{Platform: "discord"}, errors.New("HTTP 403 Missing Access"))
	want := map[string]float64{
		`mimbot_outbound_calls_total{code="429",method="chat.postMessage",platform="slack"}`:                  1,
		`mimbot_outbound_calls_total{code="200",method="chat.postMessage",platform="slack"}`:                  1,
		`mimbot_outbound_calls_total{code="0",method="POST /channels/{channel}/messages",platform="discord"}`: 1,
		`mimbot_outbound_retries_total{platform="slack",reason="429"}`:                                        1,
		`mimbot_messages_given_up_total{platform="discord"}`:                                                  1,
	}
	if diff := cmp.Diff(want, samples(t, reg)); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

// TestLint runs Prometheus's metric lint (what promtool check metrics checks) over
// every metric, each with a sample.
func TestLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, mimtest.NewClock(declared))
	m.Committed(incident(), &mim.Change{RoomReady: "slack", Fired: &mim.Timer{Due: declared}, Entries: []mim.Entry{
		{Kind: mim.KindDeclared}, {Kind: mim.KindResolved}, {Kind: mim.KindReminder},
		{Kind: mim.KindPageAcked, Label: "database", Took: time.Minute},
	}})
	m.Called("slack", "chat.postMessage", 200)
	m.Retried("slack", "5xx")
	m.GaveUp(mim.Outgoing{Platform: "slack"}, nil)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// samples gathers reg into name{labels} -> value, leaving out zeros (the series made
// at start) and histogram buckets.
func samples(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			var labels []string
			for _, l := range mt.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			suffix := ""
			if len(labels) > 0 {
				suffix = "{" + strings.Join(labels, ",") + "}"
			}
			put := func(name string, v float64) {
				if v != 0 {
					out[name+suffix] = v
				}
			}
			switch {
			case mt.Counter != nil:
				put(f.GetName(), mt.Counter.GetValue())
			case mt.Histogram != nil:
				put(f.GetName()+"_count", float64(mt.Histogram.GetSampleCount()))
				put(f.GetName()+"_sum", mt.Histogram.GetSampleSum())
			}
		}
	}
	return out
}

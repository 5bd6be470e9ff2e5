package mim_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/config"
	"mimbot/mim"
)

// chartIncident is a P0 declared at t0 with the given timeline, looked at after span.
func chartIncident(span time.Duration, entries ...mim.Entry) (*mim.Service, *mim.Incident, time.Time) {
	svc := &mim.Service{Config: config.Demo()}
	inc := &mim.Incident{Number: 7, Title: "Payments down", Priority: mim.P0, Major: true, State: mim.Investigating, DeclaredAt: t0, Timeline: entries}
	return svc, inc, t0.Add(span)
}

func entry(after time.Duration, kind mim.Kind, text string) mim.Entry {
	return mim.Entry{At: t0.Add(after), Kind: kind, Actor: "alice", Text: text}
}

var (
	svgText  = regexp.MustCompile(`<text [^>]*>([^<]*)</text>`)
	axisText = regexp.MustCompile(`<text x="[0-9.]+" y="[0-9]+" text-anchor="middle">([^<]*)</text>`)
	slaText  = regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9]+" fill="#b00020" text-anchor="(start|end)">([^<]*)</text>`)
	laneLine = regexp.MustCompile(`stroke="#eeeeee"`)
)

// The axis counts in steps a reader knows, and never shows one label twice.
func TestChartAxis(t *testing.T) {
	tests := []struct {
		name string
		span time.Duration
		want []string
	}{
		{"the P0's five minutes to respond, in ticks of 1m", 2 * time.Minute, []string{"0", "+1m", "+2m", "+3m", "+4m", "+5m"}},
		{"twenty minutes in ticks of 5m", 20 * time.Minute, []string{"0", "+5m", "+10m", "+15m", "+20m"}},
		{"seventeen minutes, the last tick before the end", 17 * time.Minute, []string{"0", "+5m", "+10m", "+15m"}},
		{"five hours in ticks of 1h", 5 * time.Hour, []string{"0", "+1h", "+2h", "+3h", "+4h", "+5h"}},
		{"three days in ticks of 12h", 72 * time.Hour, []string{"0", "+12h", "+24h", "+36h", "+48h", "+60h", "+72h"}},
		{"thirty days in whole days", 30 * 24 * time.Hour, []string{"0", "+96h", "+192h", "+288h", "+384h", "+480h", "+576h", "+672h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, inc, now := chartIncident(tt.span)
			var got []string
			for _, m := range axisText.FindAllStringSubmatch(svc.Chart(inc, now), -1) {
				got = append(got, m[1])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("axis labels (-want +got):\n%s", diff)
			}
		})
	}
}

// Each SLA label is drawn whole inside the chart, wherever its line falls.
func TestChartSLALabels(t *testing.T) {
	tests := []struct {
		name string
		span time.Duration
		want []string // "anchor label"
	}{
		{"respond line at the right edge reads leftwards", 5 * time.Minute, []string{"end respond SLA 5m"}},
		{"respond line early reads rightwards", 2 * time.Hour, []string{"start respond SLA 5m"}},
		{"both lines, the resolve line at the right edge", 4 * time.Hour, []string{"start respond SLA 5m", "end resolve SLA 4h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, inc, now := chartIncident(tt.span)
			var got []string
			for _, m := range slaText.FindAllStringSubmatch(svc.Chart(inc, now), -1) {
				got = append(got, m[2]+" "+m[3])
				x, _ := strconv.ParseFloat(m[1], 64)
				w := float64(len(m[3])) * 6.4
				if from, to := x, x+w; m[2] == "end" {
					if from = x - w; from < 0 {
						t.Errorf("%q starts at %.1f, left of the chart", m[3], from)
					}
				} else if to > 960 {
					t.Errorf("%q ends at %.1f, right of the chart (960)", m[3], to)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SLA labels (-want +got):\n%s", diff)
			}
		})
	}
}

// The chart has a lane for each kind of mark the incident has, and a legend that
// names those kinds in a stakeholder's words.
func TestChartLanesAndLegend(t *testing.T) {
	tests := []struct {
		name    string
		entries []mim.Entry
		lanes   int
		legend  []string
	}{
		{name: "no marks: no lanes, no legend", lanes: 0},
		{
			name: "updates and acknowledged pages",
			entries: []mim.Entry{
				entry(time.Minute, mim.KindPageAcked, "dave acknowledged"),
				entry(2*time.Minute, mim.KindUpdate, "Investigating"),
				entry(4*time.Minute, mim.KindUpdate, "Still investigating"),
				entry(5*time.Minute, mim.KindNote, "not drawn"),
			},
			lanes: 2, legend: []string{"Status update", "Page acknowledged"},
		},
		{
			name: "every kind",
			entries: []mim.Entry{
				entry(time.Minute, mim.KindPaged, ""), entry(time.Minute, mim.KindPageAcked, ""), entry(time.Minute, mim.KindUpdate, ""),
				entry(time.Minute, mim.KindReminder, ""), entry(time.Minute, mim.KindEscalated, ""), entry(time.Minute, mim.KindSLAWarning, ""),
				entry(time.Minute, mim.KindSLABreach, ""), entry(time.Minute, mim.KindDiagnosis, ""), entry(time.Minute, mim.KindWorkaround, ""),
			},
			lanes: 9,
			legend: []string{"Status update", "Engineer paged", "Page acknowledged", "Update reminder", "Escalated",
				"SLA warning", "SLA breached", "Cause identified", "Workaround in place"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, inc, now := chartIncident(20*time.Minute, tt.entries...)
			svg := svc.Chart(inc, now)
			if got := len(laneLine.FindAllString(svg, -1)); got != tt.lanes {
				t.Errorf("%d lanes, want %d:\n%s", got, tt.lanes, svg)
			}
			var texts []string
			for _, m := range svgText.FindAllStringSubmatch(svg, -1) {
				texts = append(texts, m[1])
			}
			for _, w := range tt.legend {
				if !slices.Contains(texts, w) {
					t.Errorf("legend lacks %q: %q", w, texts)
				}
			}
			for _, text := range texts {
				if strings.Contains(text, "_") {
					t.Errorf("the chart shows the internal name %q", text)
				}
			}
		})
	}
}

func TestPhases(t *testing.T) {
	_, inc, _ := chartIncident(time.Hour,
		entry(time.Minute, mim.KindStateChanged, "declared -> investigating"),
		entry(9*time.Minute, mim.KindUpdate, "x"),
		entry(10*time.Minute, mim.KindStateChanged, "investigating -> mitigated"),
	)
	want := []mim.Phase{{mim.Declared, t0}, {mim.Investigating, t0.Add(time.Minute)}, {mim.Mitigated, t0.Add(10 * time.Minute)}}
	if diff := cmp.Diff(want, mim.Phases(inc)); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
}

// The step is the smallest a reader counts in that keeps the axis to eight intervals.
func TestTickStep(t *testing.T) {
	for _, tt := range []struct{ span, want time.Duration }{
		{time.Minute, 10 * time.Second},
		{2 * time.Minute, 15 * time.Second},
		{90 * time.Minute, 15 * time.Minute},
		{8 * time.Hour, time.Hour},
		{9 * time.Hour, 2 * time.Hour},
		{20 * 24 * time.Hour, 72 * time.Hour},
	} {
		if got := mim.TickStep(tt.span); got != tt.want {
			t.Errorf("TickStep(%v) = %v, want %v", tt.span, got, tt.want)
		}
	}
}

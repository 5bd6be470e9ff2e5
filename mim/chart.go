package mim

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
)

// Chart geometry. The height grows with the lanes and the legend rows the incident
// needs, so that a chart never carries empty lanes.
const (
	chartW             = 960
	chartLeft, chartRt = 24, 24
	slaRowY            = 36 // baseline of the first SLA label; the second sits a row below when they would touch
	bandY, bandH       = 58, 34
	laneY, laneH       = 114, 16 // one lane of marks per kind present, so marks never hide each other
	charW              = 6.4     // average advance of an 11px sans-serif character, to keep labels inside the chart
	legendRowH         = 18
)

// phaseColours fill the state bands; markColours the event marks.
var (
	phaseColours = map[State]string{Declared: "#f4cccc", Investigating: "#fce5cd", Identified: "#fff2cc", Mitigated: "#d9ead3", Resolved: "#cfe2f3", Closed: "#d9d2e9", Cancelled: "#eeeeee"}
	markColours  = map[Kind]string{KindUpdate: "#3c78d8", KindPaged: "#e69138", KindPageAcked: "#6aa84f", KindEscalated: "#cc0000", KindReminder: "#999999", KindSLAWarning: "#f1c232", KindSLABreach: "#990000", KindWorkaround: "#38761d", KindDiagnosis: "#674ea7"}
	markOrder    = []Kind{KindUpdate, KindPaged, KindPageAcked, KindReminder, KindEscalated, KindSLAWarning, KindSLABreach, KindDiagnosis, KindWorkaround}
	// markNames are the words a stakeholder reads in the legend and the tooltips:
	// the timeline's kinds are names for code.
	markNames = map[Kind]string{
		KindUpdate: "Status update", KindPaged: "Engineer paged", KindPageAcked: "Page acknowledged",
		KindReminder: "Update reminder", KindEscalated: "Escalated", KindSLAWarning: "SLA warning",
		KindSLABreach: "SLA breached", KindDiagnosis: "Cause identified", KindWorkaround: "Workaround in place",
	}
	// tickSteps are the axis steps a reader counts in; the chart takes the smallest
	// that needs at most maxTicks intervals, so no two ticks round to one label.
	tickSteps = []time.Duration{
		10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour,
	}
)

const maxTicks = 8

// Phase is a state the incident entered, and when.
type Phase struct {
	State State
	From  time.Time
}

// Phases lists the states inc went through in order, from its declaration: each
// state change of the timeline starts a phase. A reopened incident goes back to a state
// it already had, and has that phase twice.
func Phases(inc *Incident) []Phase {
	phases := []Phase{{Declared, inc.DeclaredAt}}
	for _, e := range inc.Timeline {
		if e.Kind != KindStateChanged {
			continue
		}
		if _, to, ok := strings.Cut(e.Text, "-> "); ok {
			phases = append(phases, Phase{State(strings.TrimSpace(to)), e.At})
		}
	}
	return phases
}

// MarkName is the stakeholder's word for a kind of timeline mark ("Page acknowledged"),
// or the kind itself for a kind the chart does not draw.
func MarkName(k Kind) string {
	if n, ok := markNames[k]; ok {
		return n
	}
	return string(k)
}

// textWidth estimates how wide s is drawn at the chart's font size.
func textWidth(s string) float64 { return float64(len([]rune(s))) * charW }

// TickStep is the axis step for a chart spanning span: the smallest of tickSteps with
// at most maxTicks intervals, or a whole number of days beyond them.
func TickStep(span time.Duration) time.Duration {
	for _, s := range tickSteps {
		if span <= s*maxTicks {
			return s
		}
	}
	day := 24 * time.Hour
	return (span/(maxTicks*day) + 1) * day
}

// Chart draws the incident as an SVG timeline: phases as bands, events as marks (one
// lane for each kind the incident has), SLA targets as dashed lines. The output is
// deterministic for a given incident and now.
func (s *Service) Chart(inc *Incident, now time.Time) string {
	start := inc.DeclaredAt
	end := now
	for _, t := range []time.Time{inc.ClosedAt, inc.ResolvedAt} {
		if !t.IsZero() {
			end = t
			break
		}
	}
	for _, e := range inc.Timeline {
		if e.At.After(end) {
			end = e.At
		}
	}
	target := s.target(inc)
	if r := start.Add(target.Respond); target.Respond > 0 && r.After(end) {
		end = r
	}
	if end.Sub(start) < time.Minute {
		end = start.Add(time.Minute)
	}
	span := float64(end.Sub(start))
	x := func(t time.Time) float64 {
		return chartLeft + float64(chartW-chartLeft-chartRt)*float64(t.Sub(start))/span
	}

	var lanes []Kind // the kinds that have marks, in markOrder
	for _, k := range markOrder {
		if slices.ContainsFunc(inc.Timeline, func(e Entry) bool { return e.Kind == k }) {
			lanes = append(lanes, k)
		}
	}
	axisY := laneY + len(lanes)*laneH
	if len(lanes) == 0 {
		axisY = laneY - laneH/2
	}
	legend := legendRows(lanes)
	height := axisY + 30 + len(legend)*legendRowH + 6

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11" role="img">`+"\n", chartW, height, chartW, height)
	fmt.Fprintf(&b, `<title>%s timeline</title>`+"\n", html.EscapeString(s.headline(inc)))
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", chartLeft, html.EscapeString(s.headline(inc)))

	// Phases: each state from when it was entered to the next change.
	phases := Phases(inc)
	for i, p := range phases {
		until := end
		if i+1 < len(phases) {
			until = phases[i+1].From
		}
		if p.State == Closed || p.State == Cancelled {
			until = p.From.Add(time.Duration(span / 200))
		}
		x0, x1 := x(p.From), x(until)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s from %s</title></rect>`+"\n", x0, bandY, max(x1-x0, 1), bandH, phaseColours[p.State], p.State, s.fmtTime(p.From))
		if x1-x0 >= textWidth(string(p.State))+8 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x0+4, bandY+bandH/2+4, p.State)
		}
	}

	// SLA targets. A label reads rightwards from its line unless that would run past
	// the chart, then leftwards; the second label drops a row when the two would touch.
	type extent struct{ from, to float64 }
	var placed []extent
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"respond", target.Respond}, {"resolve", target.Resolve}} {
		at := start.Add(l.d)
		if l.d <= 0 || at.After(end) {
			continue
		}
		label := fmt.Sprintf("%s SLA %s", l.name, Duration(l.d))
		lx, anchor, w := x(at)+3, "start", textWidth(label)
		from := lx
		if lx+w > chartW-4 {
			lx, anchor, from = x(at)-3, "end", x(at)-3-w
		}
		y := slaRowY
		if slices.ContainsFunc(placed, func(p extent) bool { return from < p.to+8 && from+w > p.from-8 }) {
			y += 12
		}
		placed = append(placed, extent{from, from + w})
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#cc0000" stroke-dasharray="4 3"/>`+"\n", x(at), y+2, x(at), axisY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#b00020" text-anchor="%s">%s</text>`+"\n", lx, y, anchor, label)
	}

	// Events, one lane per kind present.
	for i := range lanes {
		y := laneY + i*laneH
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#eeeeee"/>`+"\n", chartLeft, y, chartW-chartRt, y)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#666"/>`+"\n", chartLeft, axisY, chartW-chartRt, axisY)
	for _, e := range inc.Timeline {
		lane := slices.Index(lanes, e.Kind)
		if lane < 0 {
			continue
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="5" fill="%s"><title>%s %s, %s: %s</title></circle>`+"\n", x(e.At), laneY+lane*laneH, markColours[e.Kind], s.fmtTime(e.At), MarkName(e.Kind), html.EscapeString(e.Actor), html.EscapeString(truncate(e.Text, 200)))
	}

	// Time axis: a tick every step from the declaration, each labelled once.
	step := TickStep(end.Sub(start))
	for d := time.Duration(0); d <= end.Sub(start); d += step {
		label := "0"
		if d > 0 {
			label = "+" + Duration(d)
		}
		tx := x(start.Add(d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#666"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", tx, axisY, tx, axisY+4, tx, axisY+16, label)
	}

	// Legend: the kinds drawn, in words, wrapped to the chart's width.
	for row, items := range legend {
		y := axisY + 30 + row*legendRowH
		for _, it := range items {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="5" fill="%s"/><text x="%.1f" y="%d">%s</text>`+"\n", it.x+5, y-4, markColours[it.kind], it.x+13, y, MarkName(it.kind))
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// legendItem is one kind in the legend, at x.
type legendItem struct {
	kind Kind
	x    float64
}

// legendRows lays the legend of kinds out in rows that fit the chart's width.
func legendRows(kinds []Kind) [][]legendItem {
	var rows [][]legendItem
	var row []legendItem
	lx := float64(chartLeft)
	for _, k := range kinds {
		w := 13 + textWidth(MarkName(k)) + 16
		if len(row) > 0 && lx+w > chartW-chartRt {
			rows, row, lx = append(rows, row), nil, chartLeft
		}
		row = append(row, legendItem{k, lx})
		lx += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

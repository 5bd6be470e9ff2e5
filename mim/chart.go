package mim

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
)

// Chart geometry.
const (
	chartW, chartH     = 960, 300
	chartLeft, chartRt = 24, 24
	bandY, bandH       = 44, 34
	laneY, laneH       = 100, 13 // one lane of marks per kind, so marks never hide each other
	markY              = laneY + 9*laneH + 4
)

// phaseColours fill the state bands; markColours the event marks.
var (
	phaseColours = map[State]string{Declared: "#f4cccc", Investigating: "#fce5cd", Identified: "#fff2cc", Mitigated: "#d9ead3", Resolved: "#cfe2f3", Closed: "#d9d2e9", Cancelled: "#eeeeee"}
	markColours  = map[Kind]string{KindUpdate: "#3c78d8", KindPaged: "#e69138", KindPageAcked: "#6aa84f", KindEscalated: "#cc0000", KindReminder: "#999999", KindSLAWarning: "#f1c232", KindSLABreach: "#990000", KindWorkaround: "#38761d", KindDiagnosis: "#674ea7"}
	markOrder    = []Kind{KindUpdate, KindPaged, KindPageAcked, KindReminder, KindEscalated, KindSLAWarning, KindSLABreach, KindDiagnosis, KindWorkaround}
)

// Chart draws the incident as an SVG timeline: phases as bands, events as marks, SLA
// targets as dashed lines. The output is deterministic for a given incident and now.
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
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<title>%s timeline</title>`+"\n", html.EscapeString(s.headline(inc)))
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", chartLeft, html.EscapeString(s.headline(inc)))

	// Phases: each state from when it was entered to the next change.
	type phase struct {
		state State
		from  time.Time
	}
	phases := []phase{{Declared, start}}
	for _, e := range inc.Timeline {
		if e.Kind != KindStateChanged {
			continue
		}
		if _, to, ok := strings.Cut(e.Text, "-> "); ok {
			phases = append(phases, phase{State(strings.TrimSpace(to)), e.At})
		}
	}
	for i, p := range phases {
		until := end
		if i+1 < len(phases) {
			until = phases[i+1].from
		}
		if p.state == Closed || p.state == Cancelled {
			until = p.from.Add(time.Duration(span / 200))
		}
		x0, x1 := x(p.from), x(until)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s from %s</title></rect>`+"\n", x0, bandY, max(x1-x0, 1), bandH, phaseColours[p.state], p.state, s.fmtTime(p.from))
		if x1-x0 > 60 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x0+4, bandY+bandH/2+4, p.state)
		}
	}

	// SLA targets.
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"respond", target.Respond}, {"resolve", target.Resolve}} {
		at := start.Add(l.d)
		if l.d <= 0 || at.After(end) {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#cc0000" stroke-dasharray="4 3"/>`+"\n", x(at), bandY-8, x(at), markY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#cc0000">%s SLA %s</text>`+"\n", x(at)+3, bandY-10, l.name, Duration(l.d))
	}

	// Events, one lane per kind.
	for i := range markOrder {
		y := laneY + i*laneH
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#eeeeee"/>`+"\n", chartLeft, y, chartW-chartRt, y)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#666"/>`+"\n", chartLeft, markY, chartW-chartRt, markY)
	for _, e := range inc.Timeline {
		lane := slices.Index(markOrder, e.Kind)
		if lane < 0 {
			continue
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="5" fill="%s"><title>%s %s %s: %s</title></circle>`+"\n", x(e.At), laneY+lane*laneH, markColours[e.Kind], s.fmtTime(e.At), e.Kind, html.EscapeString(e.Actor), html.EscapeString(truncate(e.Text, 200)))
	}

	// Time axis: six ticks.
	for i := 0; i <= 6; i++ {
		t := start.Add(time.Duration(span * float64(i) / 6))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#666"/><text x="%.1f" y="%d" text-anchor="middle">+%s</text>`+"\n", x(t), markY, x(t), markY+4, x(t), markY+16, Duration(t.Sub(start).Round(time.Minute)))
	}

	// Legend.
	lx := float64(chartLeft)
	for _, k := range markOrder {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="5" fill="%s"/><text x="%.1f" y="%d">%s</text>`+"\n", lx+5, chartH-20, markColours[k], lx+13, chartH-16, k)
		lx += 13 + float64(len(k))*6.5 + 14
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

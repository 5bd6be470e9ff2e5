package web

import (
	"fmt"
	"html"
	htmltemplate "html/template"
	"math"
	"strings"
	"time"

	"mimbot/mim"
)

// Geometry of the trend charts: the margins leave room for the axis labels, so that
// no label is clipped by the SVG's edge; labels longer than labelChars are cut with
// an ellipsis (the full name is in the bar's title and the table below the chart).
const (
	trendW, trendH           = 720, 280
	padLeft, padRight        = 64, 16
	padTop, padBottom        = 40, 56
	labelChars               = 16
	barGap                   = 0.25 // share of a slot left empty between bars
	hbarLeft, hbarRow        = 150, 26
	trendFont                = `font-family="system-ui, sans-serif" font-size="12"`
	trendAxis                = "#555"
	trendGrid                = "#e5e5e5"
	mttaColour, mttrColour   = "#3c78d8", "#b00020"
	respondC, resolveC, olaC = "#3c78d8", "#6aa84f", "#e69138"
)

// priorityColours fill the stacked bars, P0 darkest; each has a text legend, so the
// colour is never the only way to tell them apart.
var priorityColours = map[string]string{"P0": "#7f0000", "P1": "#cc0000", "P2": "#e69138", "P3": "#3c78d8", "P4": "#999999"}

// svgChart is one chart being drawn: an SVG with a title and a description that
// screen readers announce (role="img", aria-labelledby).
type svgChart struct {
	b      strings.Builder
	id     string
	height int
}

func newChart(id, title, desc string, height int) *svgChart {
	c := &svgChart{id: id, height: height}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc" %s>`,
		id, trendW, height, trendW, height, id, id, trendFont)
	fmt.Fprintf(&c.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	fmt.Fprintf(&c.b, `<text x="%d" y="20" font-size="14" font-weight="600" fill="#1f1f1f">%s</text>`, padLeft, esc(title))
	return c
}

func (c *svgChart) done() htmltemplate.HTML {
	c.b.WriteString(`</svg>`)
	// Every text that came from data went through esc: the SVG is ours.
	return htmltemplate.HTML(c.b.String())
}

func esc(s string) string { return html.EscapeString(s) }

// cut shortens a label to labelChars, with an ellipsis.
func cut(s string) string {
	r := []rune(s)
	if len(r) <= labelChars {
		return s
	}
	return string(r[:labelChars-1]) + "…"
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so that the axis
// ticks are round numbers; at least 1.
func niceMax(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// yAxis draws the horizontal grid lines and their labels, for values 0..max, in
// four steps; label formats a value.
func (c *svgChart) yAxis(max float64, label func(float64) string) {
	plotH := float64(c.height - padTop - padBottom)
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		y := float64(c.height-padBottom) - plotH*float64(i)/4
		fmt.Fprintf(&c.b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`, padLeft, y, trendW-padRight, y, trendGrid)
		fmt.Fprintf(&c.b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`, padLeft-6, y+4, trendAxis, esc(label(v)))
	}
	fmt.Fprintf(&c.b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, padLeft, c.height-padBottom, trendW-padRight, c.height-padBottom, trendAxis)
}

// monthLabels writes each month ("2026-11") under its slot as a short name ("Nov"),
// with the year under the first month and under each January: thirteen months fit
// without overlapping.
func (c *svgChart) monthLabels(months []string) {
	slot := float64(trendW-padLeft-padRight) / float64(max(len(months), 1))
	for i, m := range months {
		x := float64(padLeft) + slot*(float64(i)+0.5)
		name, year := m, ""
		if t, err := time.Parse("2006-01", m); err == nil {
			name = t.Format("Jan")
			if i == 0 || t.Month() == time.January {
				year = t.Format("2006")
			}
		}
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, x, c.height-padBottom+16, trendAxis, esc(name))
		if year != "" {
			fmt.Fprintf(&c.b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, x, c.height-padBottom+30, trendAxis, year)
		}
	}
}

// legend writes coloured keys with their names under the x labels.
func (c *svgChart) legend(names, colours []string) {
	x := padLeft
	y := c.height - 6
	for i, n := range names {
		fmt.Fprintf(&c.b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" fill="#1f1f1f">%s</text>`, x, y-10, colours[i], x+16, y, esc(n))
		x += 16 + 8*len([]rune(n)) + 20
	}
}

// incidentsChart draws the incidents of each month, stacked by priority.
func incidentsChart(rep mim.TrendReport) htmltemplate.HTML {
	total, most := 0, 0
	var labels []string
	for _, m := range rep.ByMonth {
		total += m.Incidents
		most = max(most, m.Incidents)
		labels = append(labels, m.Month)
	}
	desc := fmt.Sprintf("Stacked bars: %d incidents over %d months, each month's bar split by priority; the table below gives the figures.", total, len(rep.ByMonth))
	c := newChart("chart-incidents", "Incidents per month by priority", desc, trendH)
	top := niceMax(float64(most))
	c.yAxis(top, func(v float64) string { return fmt.Sprintf("%g", v) })
	plotH := float64(trendH - padTop - padBottom)
	slot := float64(trendW-padLeft-padRight) / float64(max(len(rep.ByMonth), 1))
	for i, m := range rep.ByMonth {
		x := float64(padLeft) + slot*float64(i) + slot*barGap/2
		y := float64(trendH - padBottom)
		for _, p := range mim.Priorities {
			n := m.IncidentsByPriority[p.String()]
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / top
			y -= h
			fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d %s incident%s</title></rect>`,
				x, y, slot*(1-barGap), h, priorityColours[p.String()], esc(m.Month), n, p, plural(n))
		}
	}
	c.monthLabels(labels)
	var names, colours []string
	for _, p := range mim.Priorities {
		names = append(names, p.String())
		colours = append(colours, priorityColours[p.String()])
	}
	c.legend(names, colours)
	return c.done()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// meanChart draws MTTA and MTTR per month as two lines on one time axis; a month
// with no figure breaks its line (nothing is drawn as zero that was not measured).
func meanChart(rep mim.TrendReport) htmltemplate.HTML {
	var most int64
	var labels []string
	for _, m := range rep.ByMonth {
		labels = append(labels, m.Month)
		for _, s := range []*int64{m.MTTASeconds, m.MTTRSeconds} {
			if s != nil {
				most = max(most, *s)
			}
		}
	}
	unit, per := "minutes", 60.0
	if most >= 3*3600 {
		unit, per = "hours", 3600
	}
	desc := fmt.Sprintf("Lines: the mean time to acknowledge (MTTA) and to resolve (MTTR) of each month, in %s; a month without figures has no point. The table below gives the figures.", unit)
	c := newChart("chart-means", "MTTA and MTTR per month", desc, trendH)
	top := niceMax(float64(most) / per)
	c.yAxis(top, func(v float64) string { return fmt.Sprintf("%g %s", v, unit[:1]) })
	plotH := float64(trendH - padTop - padBottom)
	slot := float64(trendW-padLeft-padRight) / float64(max(len(rep.ByMonth), 1))
	for _, line := range []struct {
		name, colour string
		get          func(mim.MonthFigures) *int64
	}{
		{"MTTA", mttaColour, func(m mim.MonthFigures) *int64 { return m.MTTASeconds }},
		{"MTTR", mttrColour, func(m mim.MonthFigures) *int64 { return m.MTTRSeconds }},
	} {
		var path strings.Builder
		pen := "M"
		for i, m := range rep.ByMonth {
			s := line.get(m)
			if s == nil {
				pen = "M"
				continue
			}
			x := float64(padLeft) + slot*(float64(i)+0.5)
			y := float64(trendH-padBottom) - plotH*(float64(*s)/per)/top
			fmt.Fprintf(&path, "%s%.1f %.1f ", pen, x, y)
			pen = "L"
			fmt.Fprintf(&c.b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s %s: %s</title></circle>`, x, y, line.colour, esc(m.Month), line.name, esc(mim.FormatSeconds(s)))
		}
		if path.Len() > 0 {
			fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.TrimSpace(path.String()), line.colour)
		}
	}
	c.monthLabels(labels)
	c.legend([]string{"MTTA", "MTTR"}, []string{mttaColour, mttrColour})
	return c.done()
}

// complianceChart draws, for each tower, three horizontal bars: respond SLA met,
// resolve SLA met and pages acked within the OLA, 0 to 100%; a clock no incident had
// shows "n/a" instead of a bar.
func complianceChart(rep mim.TrendReport, towers []string) htmltemplate.HTML {
	group := 3*14 + 10
	height := padTop + 10 + group*max(len(towers), 1) + 40
	desc := fmt.Sprintf("Horizontal bars: for each of %d towers, the share of incidents that met the respond SLA and the resolve SLA, and of pages acknowledged within the tower's OLA; n/a where no incident had the clock. The table below gives the figures.", len(towers))
	c := newChart("chart-compliance", "SLA and OLA compliance per tower", desc, height)
	plotW := float64(trendW - hbarLeft - padRight - 48)
	for _, pct := range []float64{0, 0.5, 1} {
		x := float64(hbarLeft) + plotW*pct
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/><text x="%.1f" y="%d" text-anchor="middle" fill="%s">%g%%</text>`,
			x, padTop, x, height-36, trendGrid, x, height-22, trendAxis, pct*100)
	}
	if len(towers) == 0 {
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" fill="%s">No incident named a tower.</text>`, hbarLeft, padTop+24, trendAxis)
	}
	for i, t := range towers {
		f := rep.ByTower[t]
		y0 := padTop + 10 + group*i
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" text-anchor="end" fill="#1f1f1f">%s</text>`, hbarLeft-8, y0+25, esc(cut(t)))
		for j, bar := range []struct {
			name, colour string
			r            *float64
		}{{"respond SLA", respondC, f.RespondSLAMet}, {"resolve SLA", resolveC, f.ResolveSLAMet}, {"pages in OLA", olaC, f.PagesAckedInOLA}} {
			y := y0 + j*14
			if bar.r == nil {
				fmt.Fprintf(&c.b, `<text x="%d" y="%d" fill="%s">n/a</text>`, hbarLeft+4, y+11, trendAxis)
				continue
			}
			w := plotW * *bar.r
			fmt.Fprintf(&c.b, `<rect x="%d" y="%d" width="%.1f" height="12" fill="%s"><title>%s %s: %s</title></rect><text x="%.1f" y="%d" fill="#1f1f1f">%s</text>`,
				hbarLeft, y, w, bar.colour, esc(t), bar.name, mim.FormatRatio(bar.r), float64(hbarLeft)+w+4, y+11, mim.FormatRatio(bar.r))
		}
	}
	c.legend([]string{"respond SLA met", "resolve SLA met", "pages acked in OLA"}, []string{respondC, resolveC, olaC})
	return c.done()
}

// loadChart draws the incidents each incident manager handled, most first, with the
// share of their cadence updates on time as a label.
func loadChart(rep mim.TrendReport, display func(string) string) htmltemplate.HTML {
	height := padTop + 10 + hbarRow*max(len(rep.IncidentManagers), 1) + 10
	desc := fmt.Sprintf("Horizontal bars: the incidents each of %d incident managers handled, with the share of their status updates posted on time. The table below gives the figures.", len(rep.IncidentManagers))
	c := newChart("chart-load", "Incident manager load", desc, height)
	most := 0
	for _, im := range rep.IncidentManagers {
		most = max(most, im.Incidents)
	}
	plotW := float64(trendW - hbarLeft - padRight - 250) // room for the label after the longest bar
	if len(rep.IncidentManagers) == 0 {
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" fill="%s">No incident had an incident manager.</text>`, hbarLeft, padTop+24, trendAxis)
	}
	for i, im := range rep.IncidentManagers {
		y := padTop + 10 + hbarRow*i
		name := display(im.Person)
		w := plotW * float64(im.Incidents) / float64(max(most, 1))
		label := fmt.Sprintf("%d incident%s, updates on time %s", im.Incidents, plural(im.Incidents), mim.FormatRatio(im.UpdatesOnTime))
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" text-anchor="end" fill="#1f1f1f">%s</text><rect x="%d" y="%d" width="%.1f" height="16" fill="%s"><title>%s: %s</title></rect><text x="%.1f" y="%d" fill="#1f1f1f">%s</text>`,
			hbarLeft-8, y+12, esc(cut(name)), hbarLeft, y, w, mttaColour, esc(name), esc(label), float64(hbarLeft)+w+6, y+12, esc(label))
	}
	return c.done()
}

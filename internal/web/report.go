package web

import (
	htmltemplate "html/template"
	"net/http"
	"slices"
	"time"

	"mimbot/mim"
)

// defaultPeriod is the report's period when ?since= is not given.
const defaultPeriod = "720h"

// ReportsPage is the data of reports.html.tmpl: the trend report with its charts,
// and every figure again in tables (the charts' text alternative). Like the status
// pages it names people by display name.
type ReportsPage struct {
	Now, Since, Until string
	Period            string       // the ?since= shown, "720h"
	Periods           []PeriodLink // other periods to look at
	Incidents         htmltemplate.HTML
	Means             htmltemplate.HTML
	Compliance        htmltemplate.HTML
	Load              htmltemplate.HTML
	Total             FigureRow
	ByPriority        []FigureRow
	ByTower           []FigureRow
	ByMonth           []FigureRow
	IMs               []IMRow
	Recurring         []mim.Recurring
	OpenProblems      int
	OverdueRCAs       int
	OverdueActions    int
}

// PeriodLink is a link to the report over another period.
type PeriodLink struct {
	Label, Link string
	Current     bool
}

// FigureRow is one row of figures as people read them ("66.7%", "1h30m", "n/a").
type FigureRow struct {
	Name                                  string
	Incidents, Major                      int
	MTTA, MTTR                            string
	Respond, Resolve, Updates, PagesInOLA string
}

// IMRow is one incident manager's load.
type IMRow struct {
	Name          string
	Incidents     int
	UpdatesOnTime string
}

// ReportError is the data of the "report-error" page, defined in reports.html.tmpl.
type ReportError struct {
	Now     string
	Message string
}

// trends reads the report of the period ?since= names, ending now; a bad period is a
// domain error that names the parameter.
func (s *Server) trends(r *http.Request) (mim.TrendReport, string, error) {
	raw := r.URL.Query().Get("since")
	if raw == "" {
		raw = defaultPeriod
	}
	period, err := mim.ParsePeriod("since", raw)
	if err != nil {
		return mim.TrendReport{}, raw, err
	}
	src, ok := s.svc.Store.(mim.TrendSource)
	if !ok {
		return mim.TrendReport{}, raw, mim.Errorf(mim.EUNAVAILABLE, "This mimbot's store keeps no trends.")
	}
	until := s.svc.Clock.Now().UTC().Truncate(time.Second)
	rep, err := mim.ReadTrends(r.Context(), src, s.svc.Config, until.Add(-period), until)
	return rep, raw, err
}

// apiReport answers GET /api/v1/report?since=720h: the trend report's JSON.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	rep, _, err := s.trends(r)
	if err != nil {
		s.failService(w, r, 0, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rep)
}

// reportsPage answers GET /reports?since=720h: the trend report with SVG charts,
// drawn here (no script runs on the page).
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	now := s.svc.Clock.Now()
	rep, period, err := s.trends(r)
	if mim.ErrorCode(err) == mim.EINVALID {
		s.render(w, r, http.StatusBadRequest, "report-error", ReportError{Now: s.when(now), Message: mim.ErrorMessage(err)})
		return
	}
	if err != nil {
		s.failPage(w, r, 0, err)
		return
	}
	display := s.svc.Config.Display
	towers := make([]string, 0, len(rep.ByTower))
	for t := range rep.ByTower {
		towers = append(towers, t)
	}
	slices.Sort(towers)
	page := ReportsPage{
		Now: s.when(now), Since: s.day(rep.Since), Until: s.day(rep.Until), Period: period,
		Incidents:  incidentsChart(rep),
		Means:      meanChart(rep),
		Compliance: complianceChart(rep, towers),
		Load:       loadChart(rep, display),
		Total:      figureRow("All incidents", rep.Total),
		Recurring:  rep.Recurring, OpenProblems: rep.OpenProblems, OverdueRCAs: rep.OverdueRCAs, OverdueActions: rep.OverdueActions,
	}
	for _, p := range []struct{ label, since string }{{"30 days", "720h"}, {"90 days", "2160h"}, {"a year", "8760h"}} {
		page.Periods = append(page.Periods, PeriodLink{Label: p.label, Link: "/reports?since=" + p.since, Current: p.since == period})
	}
	for _, p := range mim.Priorities {
		if f, ok := rep.ByPriority[p.String()]; ok {
			page.ByPriority = append(page.ByPriority, figureRow(p.String(), f))
		}
	}
	for _, t := range towers {
		page.ByTower = append(page.ByTower, figureRow(t, rep.ByTower[t]))
	}
	for _, m := range rep.ByMonth {
		page.ByMonth = append(page.ByMonth, figureRow(m.Month, m.Figures))
	}
	for _, im := range rep.IncidentManagers {
		page.IMs = append(page.IMs, IMRow{Name: display(im.Person), Incidents: im.Incidents, UpdatesOnTime: mim.FormatRatio(im.UpdatesOnTime)})
	}
	s.render(w, r, http.StatusOK, "reports.html.tmpl", page)
}

func figureRow(name string, f mim.Figures) FigureRow {
	return FigureRow{
		Name: name, Incidents: f.Incidents, Major: f.Major,
		MTTA: mim.FormatSeconds(f.MTTASeconds), MTTR: mim.FormatSeconds(f.MTTRSeconds),
		Respond: mim.FormatRatio(f.RespondSLAMet), Resolve: mim.FormatRatio(f.ResolveSLAMet),
		Updates: mim.FormatRatio(f.UpdatesOnTime), PagesInOLA: mim.FormatRatio(f.PagesAckedInOLA),
	}
}

// day shows t with its year, in the configured time zone: a report may span a year.
func (s *Server) day(t time.Time) string {
	return t.In(s.svc.Config.Location).Format("Mon 2 Jan 2006 15:04 MST")
}

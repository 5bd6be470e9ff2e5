package mim

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TrendIncident is what the trend report needs of one incident: the clocks, the
// pages and the cadence tally, never the timeline (a year holds a hundred thousand
// incidents, and the report must come back within a second).
type TrendIncident struct {
	Number      int
	Priority    Priority
	Major       bool
	State       State
	Towers      []string
	IM          string
	DeclaredAt  time.Time
	RespondedAt time.Time
	ResolvedAt  time.Time
	ResolveDue  time.Time // zero: the priority's resolve target from the policy
	Pages       []Page
	Updates     UpdateTally
}

// TrendProblem is a problem record as the report counts it.
type TrendProblem struct {
	Ref       string
	Owner     string
	Due       time.Time
	Open      bool // no permanent fix yet
	RootCause bool // a root cause is recorded: the RCA is done
	Incidents []int
}

// TrendAction is a follow-up action as the report counts it.
type TrendAction struct {
	Due    time.Time
	DoneAt time.Time
}

// TrendRows is the input of Trends: the incidents declared in [Since, Until), and
// every problem record and follow-up action, whatever their age (an RCA overdue since
// last year is still overdue).
type TrendRows struct {
	Since, Until time.Time
	Incidents    []TrendIncident
	Problems     []TrendProblem
	Actions      []TrendAction
}

// TrendReader reads what the trend report is computed from.
type TrendReader interface {
	// TrendIncidents returns the incidents declared in [since, until), in any
	// order, without their timelines.
	TrendIncidents(ctx context.Context, since, until time.Time) ([]TrendIncident, error)
}

// ProblemLister reads the problem records and follow-up actions the report counts.
// It is its own interface so that where problems live can change without the report
// noticing.
type ProblemLister interface {
	TrendProblems(ctx context.Context) ([]TrendProblem, []TrendAction, error)
}

// TrendSource is everything the trend report reads.
type TrendSource interface {
	TrendReader
	ProblemLister
}

// ReadTrends reads the rows of [since, until) from src and computes the report.
func ReadTrends(ctx context.Context, src TrendSource, cfg *Config, since, until time.Time) (TrendReport, error) {
	if !since.Before(until) {
		return TrendReport{}, Errorf(EINVALID, "The report's period is empty (since %s is not before %s): give a positive period such as 720h.", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	incidents, err := src.TrendIncidents(ctx, since, until)
	if err != nil {
		return TrendReport{}, err
	}
	problems, actions, err := src.TrendProblems(ctx)
	if err != nil {
		return TrendReport{}, err
	}
	return Trends(cfg, TrendRows{Since: since, Until: until, Incidents: incidents, Problems: problems, Actions: actions}), nil
}

// ParsePeriod reads the length of a report's period (--since, ?since=): a Go
// duration such as 720h, positive; what names the input in the error.
func ParsePeriod(what, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, Errorf(EINVALID, "%s=%s is not a period: give a positive duration such as %s=720h (30 days) or %s=8760h (a year)", what, s, what, what)
	}
	return d, nil
}

// Figures are one row of the report: how many incidents, how fast, and how often the
// promises were kept. A ratio or a mean is nil when no incident had the clock: an
// empty month has no compliance, it is not 0% compliant.
type Figures struct {
	Incidents       int      `json:"incidents"`
	Major           int      `json:"major"`
	MTTASeconds     *int64   `json:"mtta_seconds"`
	MTTRSeconds     *int64   `json:"mttr_seconds"`
	RespondSLAMet   *float64 `json:"respond_sla_met"`
	ResolveSLAMet   *float64 `json:"resolve_sla_met"`
	UpdatesOnTime   *float64 `json:"updates_on_time"`
	PagesAckedInOLA *float64 `json:"pages_acked_in_ola"`
}

// MonthFigures are the figures of one calendar month in the configured time zone.
type MonthFigures struct {
	Month string `json:"month"` // 2026-11
	Figures
	// IncidentsByPriority counts the month's incidents by priority ("P0": 2), for the
	// stacked bars of /reports; a priority without incidents is left out.
	IncidentsByPriority map[string]int `json:"incidents_by_priority"`
}

// IMLoad is what one incident manager carried in the period.
type IMLoad struct {
	Person        string   `json:"person"`
	Incidents     int      `json:"incidents"`
	UpdatesOnTime *float64 `json:"updates_on_time"`
}

// Recurring is a problem that more than one incident led to.
type Recurring struct {
	Ref       string `json:"ref"`
	Incidents int    `json:"incidents"`
}

// TrendReport is the trend report; its JSON is the contract of `mimbot report
// --format json` and GET /api/v1/report.
type TrendReport struct {
	Since            time.Time          `json:"since"`
	Until            time.Time          `json:"until"`
	Total            Figures            `json:"total"`
	ByPriority       map[string]Figures `json:"by_priority"`
	ByTower          map[string]Figures `json:"by_tower"`
	ByMonth          []MonthFigures     `json:"by_month"`
	IncidentManagers []IMLoad           `json:"incident_managers"`
	Recurring        []Recurring        `json:"recurring"`
	OpenProblems     int                `json:"open_problems"`
	OverdueRCAs      int                `json:"overdue_rcas"`
	OverdueActions   int                `json:"overdue_actions"`
}

// clock is the outcome of one SLA clock, OLA clock or cadence tally: how many kept
// the promise out of how many had it.
type clock struct{ met, of int }

func (c *clock) add(met bool) {
	c.of++
	if met {
		c.met++
	}
}

func (c clock) ratio() *float64 {
	if c.of == 0 {
		return nil
	}
	r := float64(c.met) / float64(c.of)
	return &r
}

// tally accumulates one row of figures.
type tally struct {
	incidents, major int
	mtta, mttr       sum
	respond, resolve clock
	updates, pages   clock
}

// sum accumulates durations for their mean.
type sum struct {
	total time.Duration
	n     int
}

func (s *sum) add(d time.Duration) { s.total += d; s.n++ }

func (s sum) mean() *int64 {
	if s.n == 0 {
		return nil
	}
	secs := int64(math.Round((s.total / time.Duration(s.n)).Seconds()))
	return &secs
}

func (t *tally) figures() Figures {
	return Figures{
		Incidents:       t.incidents,
		Major:           t.major,
		MTTASeconds:     t.mtta.mean(),
		MTTRSeconds:     t.mttr.mean(),
		RespondSLAMet:   t.respond.ratio(),
		ResolveSLAMet:   t.resolve.ratio(),
		UpdatesOnTime:   t.updates.ratio(),
		PagesAckedInOLA: t.pages.ratio(),
	}
}

// outcome is what one incident contributes to a row, computed once.
type outcome struct {
	mtta, mttr       time.Duration
	hasMTTA, hasMTTR bool
	respond, resolve clock
	updates          clock
	pages            clock       // every tower's pages
	towerPages       []towerPage // by tower, in the order first paged
}

type towerPage struct {
	tower string
	c     clock
}

// pagesOf returns the pages' outcome of one tower.
func (o *outcome) pagesOf(tower string) clock {
	for _, tp := range o.towerPages {
		if tp.tower == tower {
			return tp.c
		}
	}
	return clock{}
}

func (t *tally) add(inc *TrendIncident, o *outcome, pages clock) {
	t.incidents++
	if inc.Major {
		t.major++
	}
	if o.hasMTTA {
		t.mtta.add(o.mtta)
	}
	if o.hasMTTR {
		t.mttr.add(o.mttr)
	}
	t.respond.met += o.respond.met
	t.respond.of += o.respond.of
	t.resolve.met += o.resolve.met
	t.resolve.of += o.resolve.of
	t.updates.met += o.updates.met
	t.updates.of += o.updates.of
	t.pages.met += pages.met
	t.pages.of += pages.of
}

// Trends computes the trend report from rows, with the policy's targets and the
// towers' OLAs of cfg; rows.Until is "now" for the clocks still running. The rules,
// one per figure:
//
//   - MTTA is the mean of declared -> first response (responded_at) over the incidents
//     that had a response; MTTR the mean of declared -> resolved over those resolved.
//   - Respond SLA: the priority's respond target. Met when the first response came
//     within it; missed when it came later, or never came and the target passed before
//     the incident was resolved (or before Until). Left out: no target, a cancelled
//     incident, or one still inside its target (or resolved inside it) with no response.
//   - Resolve SLA: the stored resolve deadline (it follows priority changes), else the
//     priority's resolve target. Met when resolved by it; missed when resolved later or
//     still open after it. Left out: no target, cancelled, or open inside its target.
//   - Updates on time: every cadence slot of a major incident ends one way, as
//     UpdateTally counts it: an update by its due time (on time), an update after it
//     (late) or the overdue escalation (missed). The ratio is on time / all slots.
//   - Pages acked in OLA: per page of a tower with an ack_within. Met when acked
//     within it; missed when acked later, never acked and replaced by the next lead, or
//     still unacked when the OLA ran out before the incident was resolved (or before
//     Until). Left out: a page to a person by name (no OLA), an unacked page whose
//     incident was resolved or cancelled inside the OLA, or one still inside it.
//   - A month is the month of the declaration in cfg.Location; every month from Since
//     to Until is listed, empty ones too, so that charts keep their time axis.
//   - By tower: an incident counts in each tower it impacts; the tower's row counts
//     only its own pages.
//   - Problems: open_problems are the records without a permanent fix; overdue_rcas
//     those of them without a root cause past their due time; overdue_actions the
//     actions not done past their due time; recurring the problems that link more
//     than one incident, most incidents first.
func Trends(cfg *Config, rows TrendRows) TrendReport {
	loc := time.UTC
	if cfg.Location != nil {
		loc = cfg.Location
	}
	now := rows.Until
	var total tally
	byPriority := map[Priority]*tally{}
	byTower := map[string]*tally{}
	byMonth := map[string]*tally{}
	byIM := map[string]*tally{}
	monthPriorities := map[string]map[Priority]int{}
	for i := range rows.Incidents {
		inc := &rows.Incidents[i]
		o := trendOutcome(cfg, inc, now)
		total.add(inc, &o, o.pages)
		row(byPriority, inc.Priority).add(inc, &o, o.pages)
		for _, t := range inc.Towers {
			row(byTower, t).add(inc, &o, o.pagesOf(t))
		}
		y, m, _ := inc.DeclaredAt.In(loc).Date()
		month := monthName(y, m)
		row(byMonth, month).add(inc, &o, o.pages)
		if monthPriorities[month] == nil {
			monthPriorities[month] = map[Priority]int{}
		}
		monthPriorities[month][inc.Priority]++
		if inc.IM != "" {
			row(byIM, inc.IM).add(inc, &o, o.pages)
		}
	}
	rep := TrendReport{
		Since:            rows.Since,
		Until:            rows.Until,
		Total:            total.figures(),
		ByPriority:       map[string]Figures{},
		ByTower:          map[string]Figures{},
		ByMonth:          []MonthFigures{},
		IncidentManagers: []IMLoad{},
		Recurring:        []Recurring{},
	}
	for p, t := range byPriority {
		rep.ByPriority[p.String()] = t.figures()
	}
	for name, t := range byTower {
		rep.ByTower[name] = t.figures()
	}
	for _, m := range months(rows.Since, rows.Until, loc) {
		t := byMonth[m]
		if t == nil {
			t = &tally{}
		}
		counts := map[string]int{}
		for p, n := range monthPriorities[m] {
			counts[p.String()] = n
		}
		rep.ByMonth = append(rep.ByMonth, MonthFigures{Month: m, Figures: t.figures(), IncidentsByPriority: counts})
	}
	for person, t := range byIM {
		rep.IncidentManagers = append(rep.IncidentManagers, IMLoad{Person: person, Incidents: t.incidents, UpdatesOnTime: t.updates.ratio()})
	}
	slices.SortFunc(rep.IncidentManagers, func(a, b IMLoad) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Person, b.Person))
	})
	for _, p := range rows.Problems {
		if len(p.Incidents) > 1 {
			rep.Recurring = append(rep.Recurring, Recurring{Ref: p.Ref, Incidents: len(p.Incidents)})
		}
		if !p.Open {
			continue
		}
		rep.OpenProblems++
		if !p.RootCause && !p.Due.IsZero() && now.After(p.Due) {
			rep.OverdueRCAs++
		}
	}
	slices.SortFunc(rep.Recurring, func(a, b Recurring) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Ref, b.Ref))
	})
	for _, a := range rows.Actions {
		if a.DoneAt.IsZero() && !a.Due.IsZero() && now.After(a.Due) {
			rep.OverdueActions++
		}
	}
	return rep
}

// monthName is "2006-01" for y and m, without time.Format's generality: it runs
// once per incident.
func monthName(y int, m time.Month) string {
	var b [7]byte
	b[0], b[1], b[2], b[3] = byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[5], b[6] = '-', byte('0'+int(m)/10), byte('0'+int(m)%10)
	return string(b[:])
}

func row[K comparable](m map[K]*tally, k K) *tally {
	t := m[k]
	if t == nil {
		t = &tally{}
		m[k] = t
	}
	return t
}

// months lists the months from since's to the one before until (until is excluded),
// as "2006-01" in loc.
func months(since, until time.Time, loc *time.Location) []string {
	if !since.Before(until) {
		return nil
	}
	s, u := since.In(loc), until.Add(-time.Nanosecond).In(loc)
	m := time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, loc)
	last := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, loc)
	var out []string
	for !m.After(last) {
		out = append(out, m.Format("2006-01"))
		m = m.AddDate(0, 1, 0)
	}
	return out
}

// trendOutcome applies Trends' rules to one incident.
func trendOutcome(cfg *Config, inc *TrendIncident, now time.Time) outcome {
	var o outcome
	target := cfg.Policy.Target(inc.Priority)
	if !inc.RespondedAt.IsZero() {
		o.mtta, o.hasMTTA = inc.RespondedAt.Sub(inc.DeclaredAt), true
	}
	if !inc.ResolvedAt.IsZero() {
		o.mttr, o.hasMTTR = inc.ResolvedAt.Sub(inc.DeclaredAt), true
	}
	if inc.State != Cancelled {
		if target.Respond > 0 {
			due := inc.DeclaredAt.Add(target.Respond)
			end := now
			if !inc.ResolvedAt.IsZero() {
				end = inc.ResolvedAt
			}
			switch {
			case !inc.RespondedAt.IsZero():
				o.respond.add(!inc.RespondedAt.After(due))
			case end.After(due):
				o.respond.add(false)
			}
		}
		due := inc.ResolveDue
		if due.IsZero() && target.Resolve > 0 {
			due = inc.DeclaredAt.Add(target.Resolve)
		}
		if !due.IsZero() {
			switch {
			case !inc.ResolvedAt.IsZero():
				o.resolve.add(!inc.ResolvedAt.After(due))
			case now.After(due):
				o.resolve.add(false)
			}
		}
	}
	o.updates = clock{met: inc.Updates.OnTime, of: inc.Updates.Slots()}
	for _, p := range inc.Pages {
		ola := cfg.Towers[p.Tower].AckWithin
		if p.Tower == "" || ola <= 0 {
			continue
		}
		due := p.PagedAt.Add(ola)
		end := now // an unacked page's clock stops when the incident is resolved
		if !inc.ResolvedAt.IsZero() {
			end = inc.ResolvedAt
		}
		var met, counted bool
		switch {
		case p.Acked():
			met, counted = !p.AckedAt.After(due), true
		case p.Replaced:
			counted = true
		case inc.State != Cancelled && end.After(due):
			counted = true
		}
		if !counted {
			continue
		}
		o.pages.add(met)
		i := slices.IndexFunc(o.towerPages, func(tp towerPage) bool { return tp.tower == p.Tower })
		if i < 0 {
			i = len(o.towerPages)
			o.towerPages = append(o.towerPages, towerPage{tower: p.Tower})
		}
		o.towerPages[i].c.add(met)
	}
	return o
}

// FormatRatio shows a ratio as a percentage with one decimal ("66.7%"), or "n/a"
// when no incident had the clock.
func FormatRatio(r *float64) string {
	if r == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
}

// FormatSeconds shows a mean time ("1h30m", "45s"), or "n/a" when there was none.
func FormatSeconds(s *int64) string {
	if s == nil {
		return "n/a"
	}
	return Duration(time.Duration(*s) * time.Second)
}

package web

import (
	"bytes"
	"cmp"
	"fmt"
	htmltemplate "html/template"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"mimbot/mim"
)

// The pages stakeholders read: refreshed every refreshSeconds when the reader asks
// for it, listing what ended in the last recentWindow, looked for among the recentScan
// newest incidents.
const (
	refreshSeconds = 60
	recentWindow   = 24 * time.Hour
	recentScan     = 200
)

// StatusPage is the data of status.html.tmpl. Like every page type here it carries
// display names only, never person keys, platform ids, e-mail addresses or timeline
// internals: stakeholders read it.
type StatusPage struct {
	Now     string    // when the page was made, in the configured time zone
	Refresh int       // seconds between reloads; 0: the reader has not asked for them
	Frame   Frame     // what every page shows around its content
	Active  []Listing // open incidents: major first, then by priority, newest first
	Recent  []Listing // resolved, closed or cancelled in the last 24 hours, newest first
}

// Frame is what every stakeholder page shows around its content: the time, the way
// home, and the switch for the refresh. A page reloads only when its reader turned
// that on (?refresh=on): a reload that cannot be paused takes the page from someone
// still reading it.
type Frame struct {
	Now        string
	Home       string // /status, keeping the reader's refresh choice
	CanRefresh bool   // the page changes by itself (an ended incident does not)
	Refresh    bool   // the reader asked for reloads
	RefreshOn  string // this page with reloads
	RefreshOff string // this page without
	Seconds    int    // between reloads
}

// Listing is one incident as stakeholders see it.
type Listing struct {
	Number          int
	Ref             string // "#12"
	Link            string // its page: /status/12, keeping the reader's refresh choice
	Title           string
	Priority        string // "P0".."P4"
	Class           string // "p0".."p4", for styling
	Major           bool
	State           string
	IM              string // display name; "" while none is assigned
	Comms           string // display name; "" when none
	Owner           string // display name of who works a non-major incident; "" while unassigned
	Impact, Urgency string
	Towers          string // "application, database"; "" when none
	Declared        string
	LastUpdate      *Update // nil: no status update yet
	NextDue         string  // "" when no update is scheduled (not major, or ended)
	NextDueIn       string  // "in 12m", "overdue by 25s"
	Overdue         bool
	Ended           string // when it was resolved, closed or cancelled; "" while open
}

// Update is one status update.
type Update struct {
	At   string
	Ago  string // "12m ago"
	By   string // display name
	Text string // with mentions and addresses shown as names
}

// IncidentPage is the data of incident.html.tmpl.
type IncidentPage struct {
	Now        string
	Refresh    int // seconds between reloads; 0: none
	Frame      Frame
	Incident   Listing
	Updates    []Update // newest first
	Workaround string
	Resolution string
	// Phases is the incident's progress from declared to resolved, which a phone shows
	// instead of the chart.
	Phases []Step
	// Chart is the SVG timeline (mim.Service.Chart) without the tooltips of its event
	// marks, which name people by key; "" when there is none to show.
	Chart htmltemplate.HTML
}

// Step is one phase of an incident's progress.
type Step struct {
	Name  string // "Investigating"
	At    string // when it began; "skipped" or "not yet" when it has not
	Class string // done, current, skipped, next
}

// NotFound is the data of the "not-found" page (page.html.tmpl).
type NotFound struct {
	Now     string
	Frame   Frame
	Message string
}

// Denied is the data of the "denied" page (page.html.tmpl): a reader without the link
// of a status page that is not public.
type Denied struct {
	Message string
}

// statusPage answers GET /status.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.svc.Clock.Now()
	open, err := s.svc.Store.Incidents(ctx, mim.Filter{Open: true})
	if err != nil {
		s.failPage(w, r, 0, err)
		return
	}
	frame := s.frame(r, now, true)
	page := StatusPage{Now: frame.Now, Refresh: frame.seconds(), Frame: frame, Active: []Listing{}, Recent: []Listing{}}
	for _, brief := range open {
		// A list carries no timeline, and the last update's text is in it; the open
		// incidents are few.
		inc, err := s.svc.Incident(ctx, brief.Number)
		if err != nil {
			s.failPage(w, r, brief.Number, err)
			return
		}
		page.Active = append(page.Active, s.listing(inc, now, frame))
	}
	slices.SortStableFunc(page.Active, func(a, b Listing) int {
		if a.Major != b.Major {
			if a.Major {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(b.Number, a.Number))
	})
	all, err := s.svc.Store.Incidents(ctx, mim.Filter{Limit: recentScan})
	if err != nil {
		s.failPage(w, r, 0, err)
		return
	}
	for _, inc := range all {
		if end := ended(inc); !inc.State.Open() && !end.IsZero() && now.Sub(end) <= recentWindow {
			page.Recent = append(page.Recent, s.listing(inc, now, frame))
		}
	}
	s.render(w, r, http.StatusOK, "status.html.tmpl", page)
}

// incidentPage answers GET /status/{incident}.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	now := s.svc.Clock.Now()
	raw := r.PathValue("incident")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		s.notFound(w, r, fmt.Sprintf("%q is not an incident number: incident pages are numbered, such as /status/12.", raw))
		return
	}
	inc, err := s.svc.Incident(r.Context(), n)
	if mim.ErrorCode(err) == mim.ENOTFOUND {
		s.notFound(w, r, fmt.Sprintf("There is no incident #%d.", n))
		return
	}
	if err != nil {
		s.failPage(w, r, n, err)
		return
	}
	frame := s.frame(r, now, inc.State.Open())
	page := IncidentPage{Now: frame.Now, Refresh: frame.seconds(), Frame: frame, Incident: s.listing(inc, now, frame), Updates: []Update{},
		Workaround: s.readable(inc.Workaround), Resolution: s.readable(inc.Resolution), Phases: s.steps(inc)}
	for _, e := range slices.Backward(inc.Timeline) {
		if e.Kind == mim.KindUpdate {
			page.Updates = append(page.Updates, s.update(e, now))
		}
	}
	if svg, ok := stakeholderChart(s.svc.Chart(inc, now)); ok {
		page.Chart = svg
	} else {
		s.log.Warn("chart is not SVG; page shown without it", "route", r.Pattern, "incident", n)
	}
	s.render(w, r, http.StatusOK, "incident.html.tmpl", page)
}

// missingPage answers a path under /status that names no page: /status/, or one
// with more after the number.
func (s *Server) missingPage(w http.ResponseWriter, r *http.Request) {
	s.notFound(w, r, "There is no page at this address: the status page is /status, and each incident's page is numbered, such as /status/12.")
}

// notFound answers 404 with a page in the site's layout.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	frame := s.frame(r, s.svc.Clock.Now(), false)
	s.render(w, r, http.StatusNotFound, "not-found", NotFound{Now: frame.Now, Frame: frame, Message: msg})
}

// frame is what page r shows around its content; changing tells whether the page
// changes by itself, so that reloading it can help.
func (s *Server) frame(r *http.Request, now time.Time, changing bool) Frame {
	on := r.URL.Query().Get("refresh") == "on"
	f := Frame{Now: s.when(now), Home: "/status", CanRefresh: changing, Refresh: on, Seconds: refreshSeconds,
		RefreshOn: r.URL.Path + "?refresh=on", RefreshOff: r.URL.Path}
	if on {
		f.Home += "?refresh=on"
	}
	return f
}

// seconds is the refresh of the page's data: 0 unless the reader asked for it.
func (f Frame) seconds() int {
	if f.CanRefresh && f.Refresh {
		return f.Seconds
	}
	return 0
}

// listing shows inc for stakeholders at now; the last update needs its timeline.
func (s *Server) listing(inc *mim.Incident, now time.Time, f Frame) Listing {
	l := Listing{
		Number: inc.Number, Ref: inc.Ref(), Link: "/status/" + strconv.Itoa(inc.Number), Title: s.readable(inc.Title),
		Priority: inc.Priority.String(), Class: strings.ToLower(inc.Priority.String()), Major: inc.Major, State: string(inc.State),
		IM: s.name(inc.IM), Comms: s.name(inc.Comms), Owner: s.name(inc.Owner), Impact: string(inc.Impact), Urgency: string(inc.Urgency),
		Towers: strings.Join(inc.Towers, ", "), Declared: s.when(inc.DeclaredAt),
	}
	if f.Refresh {
		l.Link += "?refresh=on"
	}
	for _, e := range slices.Backward(inc.Timeline) {
		if e.Kind == mim.KindUpdate {
			u := s.update(e, now)
			l.LastUpdate = &u
			break
		}
	}
	if inc.State.Open() && !inc.NextUpdateDue.IsZero() {
		l.NextDue = s.when(inc.NextUpdateDue)
		switch d := inc.NextUpdateDue.Sub(now); {
		case d < 0:
			l.Overdue, l.NextDueIn = true, "overdue by "+span(-d)
		case d == 0:
			l.NextDueIn = "due now"
		default:
			l.NextDueIn = "in " + span(d)
		}
	}
	if !inc.State.Open() {
		l.Ended = s.when(ended(inc))
	}
	return l
}

func (s *Server) update(e mim.Entry, now time.Time) Update {
	ago := "just now"
	if d := now.Sub(e.At); d >= time.Second {
		ago = span(d) + " ago"
	}
	return Update{At: s.when(e.At), Ago: ago, By: s.name(e.Actor), Text: s.readable(e.Text)}
}

// progress is the path of an incident that goes well; a phone shows it, with when
// each step was reached, instead of the chart.
var progress = []mim.State{mim.Declared, mim.Investigating, mim.Identified, mim.Mitigated, mim.Resolved}

// steps shows inc's progress along progress: when each state was last entered, the
// states it went past without entering as skipped, those ahead as not yet. A closed or
// cancelled incident has that end as a last step.
func (s *Server) steps(inc *mim.Incident) []Step {
	entered := map[mim.State]time.Time{}
	for _, p := range mim.Phases(inc) {
		entered[p.State] = p.From
	}
	reached := slices.Index(progress, inc.State) // -1 when closed or cancelled
	if inc.State == mim.Closed {
		reached = len(progress) // past the end: what it never entered, it skipped
	}
	var out []Step
	for i, st := range progress {
		step := Step{Name: stateName(st), Class: "next", At: "not yet"}
		at, ok := entered[st]
		switch {
		case st == inc.State:
			step.Class, step.At = "current", "since "+s.clock(at)
		case ok && (i <= reached || reached < 0):
			step.Class, step.At = "done", s.clock(at)
		case i < reached:
			step.Class, step.At = "skipped", "skipped"
		case inc.State == mim.Cancelled:
			step.At = "not reached"
		}
		out = append(out, step)
	}
	if inc.State == mim.Closed || inc.State == mim.Cancelled {
		out = append(out, Step{Name: stateName(inc.State), Class: "current", At: "since " + s.clock(entered[inc.State])})
	}
	return out
}

// stateName is a state as a step's title: "Investigating".
func stateName(st mim.State) string {
	name := string(st)
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// ended is when an incident stopped being worked on: closed (or cancelled), else
// resolved; zero while open.
func ended(inc *mim.Incident) time.Time {
	if !inc.ClosedAt.IsZero() {
		return inc.ClosedAt
	}
	return inc.ResolvedAt
}

// when shows t in the configured time zone: "Mon 2 Mar 10:04 GMT".
func (s *Server) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.svc.Config.Location).Format("Mon 2 Jan 15:04 MST")
}

// clock shows t as a time of day in the configured zone, with the day when it is not
// today's: "10:04", "Sun 1 Mar 23:50".
func (s *Server) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := s.svc.Config.Location
	t = t.In(loc)
	if y, m, d := t.Date(); !sameDay(s.svc.Clock.Now().In(loc), y, m, d) {
		return t.Format("Mon 2 Jan 15:04")
	}
	return t.Format("15:04")
}

func sameDay(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

// span shows a duration for people, as precisely as it matters at its size: 25s,
// 4m, 1h20m, 26h. Under a minute it counts seconds, so that 25 seconds late never
// reads as 0 minutes.
func span(d time.Duration) string {
	if d = d.Round(time.Second); d < time.Minute {
		return fmt.Sprintf("%ds", max(int(d/time.Second), 1))
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// stakeholderChart makes the chart safe to inline: it must be the SVG our code
// draws, and it loses the tooltips of its event marks, which quote the timeline and
// name people by key. The tooltips of the state bands (state and time) stay.
func stakeholderChart(svg string) (htmltemplate.HTML, bool) {
	svg = strings.TrimSpace(svg)
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") {
		return "", false
	}
	// Chart escapes the tooltip text, so a title holds no '<'.
	marks := regexp.MustCompile(`<circle([^>]*)><title>[^<]*</title></circle>`)
	return htmltemplate.HTML(marks.ReplaceAllString(svg, "<circle$1/>")), true
}

// render answers the page tmpl executed with data; the page is built whole before
// anything is sent, so that a template error is a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, tmpl string, data any) {
	var b bytes.Buffer
	if err := s.html.ExecuteTemplate(&b, tmpl, data); err != nil {
		s.log.Error("render page", "route", r.Pattern, "template", tmpl, "err", err)
		http.Error(w, "The status page could not be shown; please try again in a minute.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	// No script runs on these pages, whatever an incident's title says.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:")
	// A link followed from a page must not carry the page's address elsewhere.
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

// failPage answers a page that could not be read from the store, with a page in the
// site's layout.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, incident int, err error) {
	code, retry := statusOf(err)
	if code < 500 {
		code = http.StatusInternalServerError // a page request cannot be wrong but by its number
	}
	s.log.Error("page failed", "route", r.Pattern, "incident", incident, "err", err)
	if retry {
		w.Header().Set("Retry-After", "5")
	}
	frame := s.frame(r, s.svc.Clock.Now(), false)
	s.render(w, r, code, "unavailable", NotFound{Now: frame.Now, Frame: frame, Message: "The status page is unavailable right now; please try again in a minute."})
}

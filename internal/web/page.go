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

// The pages stakeholders read: refreshed every refreshSeconds, listing what ended in
// the last recentWindow, looked for among the recentScan newest incidents.
const (
	refreshSeconds = 60
	recentWindow   = 24 * time.Hour
	recentScan     = 200
)

// StatusPage is the data of status.html.tmpl. Like every page type here it carries
// display names only, never person keys or timeline internals: stakeholders read it.
type StatusPage struct {
	Now     string    // when the page was made, in the configured time zone
	Refresh int       // seconds between reloads
	Active  []Listing // open incidents: major first, then by priority, newest first
	Recent  []Listing // resolved, closed or cancelled in the last 24 hours, newest first
}

// Listing is one incident as stakeholders see it.
type Listing struct {
	Number          int
	Ref             string // "#12"
	Link            string // its page: /status/12
	Title           string
	Priority        string // "P0".."P4"
	Class           string // "p0".."p4", for styling
	Major           bool
	State           string
	IM              string // display name; "" while none is assigned
	Comms           string // display name; "" when none
	Impact, Urgency string
	Towers          string // "application, database"; "" when none
	Declared        string
	LastUpdate      *Update // nil: no status update yet
	NextDue         string  // "" when no update is scheduled (not major, or ended)
	NextDueIn       string  // "in 12m", "overdue by 3m"
	Overdue         bool
	Ended           string // when it was resolved, closed or cancelled; "" while open
}

// Update is one status update.
type Update struct {
	At   string
	Ago  string // "12m ago"
	By   string // display name
	Text string
}

// IncidentPage is the data of incident.html.tmpl.
type IncidentPage struct {
	Now        string
	Refresh    int
	Incident   Listing
	Updates    []Update // newest first
	Workaround string
	Resolution string
	// Chart is the SVG timeline (mim.Service.Chart) without the tooltips of its event
	// marks, which name people by key; "" when there is none to show.
	Chart htmltemplate.HTML
}

// NotFound is the data of the "not-found" page, defined in incident.html.tmpl.
type NotFound struct {
	Now     string
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
	page := StatusPage{Now: s.when(now), Refresh: refreshSeconds, Active: []Listing{}, Recent: []Listing{}}
	for _, brief := range open {
		// A list carries no timeline, and the last update's text is in it; the open
		// incidents are few.
		inc, err := s.svc.Incident(ctx, brief.Number)
		if err != nil {
			s.failPage(w, r, brief.Number, err)
			return
		}
		page.Active = append(page.Active, s.listing(inc, now))
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
			page.Recent = append(page.Recent, s.listing(inc, now))
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
		s.render(w, r, http.StatusNotFound, "not-found", NotFound{Now: s.when(now),
			Message: fmt.Sprintf("%q is not an incident number: incident pages are numbered, such as /status/12.", raw)})
		return
	}
	inc, err := s.svc.Incident(r.Context(), n)
	if mim.ErrorCode(err) == mim.ENOTFOUND {
		s.render(w, r, http.StatusNotFound, "not-found", NotFound{Now: s.when(now), Message: fmt.Sprintf("There is no incident #%d.", n)})
		return
	}
	if err != nil {
		s.failPage(w, r, n, err)
		return
	}
	page := IncidentPage{Now: s.when(now), Refresh: refreshSeconds, Incident: s.listing(inc, now), Updates: []Update{},
		Workaround: inc.Workaround, Resolution: inc.Resolution}
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

// listing shows inc for stakeholders at now; the last update needs its timeline.
func (s *Server) listing(inc *mim.Incident, now time.Time) Listing {
	cfg := s.svc.Config
	l := Listing{
		Number: inc.Number, Ref: inc.Ref(), Link: "/status/" + strconv.Itoa(inc.Number), Title: inc.Title,
		Priority: inc.Priority.String(), Class: strings.ToLower(inc.Priority.String()), Major: inc.Major, State: string(inc.State),
		IM: cfg.Display(inc.IM), Comms: cfg.Display(inc.Comms), Impact: string(inc.Impact), Urgency: string(inc.Urgency),
		Towers: strings.Join(inc.Towers, ", "), Declared: s.when(inc.DeclaredAt),
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
		case d < time.Minute:
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
	if d := now.Sub(e.At); d >= time.Minute {
		ago = span(d) + " ago"
	}
	return Update{At: s.when(e.At), Ago: ago, By: s.svc.Config.Display(e.Actor), Text: e.Text}
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

// span shows a duration to the minute for people: 5m, 1h20m, 26h.
func span(d time.Duration) string {
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
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

// failPage answers a page that could not be read from the store.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, incident int, err error) {
	code, retry := statusOf(err)
	if code < 500 {
		code = http.StatusInternalServerError // a page request cannot be wrong but by its number
	}
	s.log.Error("page failed", "route", r.Pattern, "incident", incident, "err", err)
	if retry {
		w.Header().Set("Retry-After", "5")
	}
	http.Error(w, "The status page is unavailable right now; please try again in a minute.", code)
}

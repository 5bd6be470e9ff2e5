package mim

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Post is the data of a stakeholder post (templates/stakeholder.tmpl).
type Post struct {
	Heading, Ref, Title, Priority, State string
	Impact, Urgency                      string
	Towers                               []string
	IM, Comms                            string // display names
	Text, By, At                         string
	NextDue                              string
}

// Digest is the data of the stakeholder roll-up (templates/digest.tmpl).
type Digest struct {
	At        string
	Incidents []DigestLine
}

// DigestLine is one incident in the roll-up.
type DigestLine struct {
	Ref, Title, Priority, State, IM string
	Age, LastUpdate, NextDue        string
}

// render executes a named template; a broken operator template must not lose the
// message, so the error text is sent along with the data.
func (s *Service) render(name string, data any) string {
	var b bytes.Buffer
	if err := s.Templates.ExecuteTemplate(&b, name, data); err != nil {
		s.Log.Error("render template", "template", name, "err", err)
		return fmt.Sprintf("(template %s failed: %v) %+v", name, err, data)
	}
	return strings.TrimSpace(b.String())
}

// stakeholderPost renders a post for stakeholders; text is an update by by, if any.
func (s *Service) stakeholderPost(inc *Incident, heading, text, by string) string {
	p := Post{
		Heading: heading, Ref: inc.Ref(), Title: inc.Title, Priority: inc.Priority.String(), State: string(inc.State),
		Impact: string(inc.Impact), Urgency: string(inc.Urgency), Towers: inc.Towers,
		IM: s.Config.Display(inc.IM), Comms: s.Config.Display(inc.Comms), Text: text,
	}
	if text != "" {
		p.By, p.At = s.Config.Display(by), s.fmtTime(inc.LastUpdateAt)
	}
	if !inc.NextUpdateDue.IsZero() {
		p.NextDue = s.fmtTime(inc.NextUpdateDue)
	}
	return s.render("stakeholder.tmpl", p)
}

// digest renders the roll-up of the given open major incidents at now.
func (s *Service) digest(open []*Incident, now time.Time) string {
	d := Digest{At: s.fmtTime(now)}
	for _, inc := range open {
		line := DigestLine{Ref: inc.Ref(), Title: inc.Title, Priority: inc.Priority.String(), State: string(inc.State),
			IM: s.Config.Display(inc.IM), Age: Duration(now.Sub(inc.DeclaredAt).Truncate(time.Minute))}
		if !inc.LastUpdateAt.IsZero() {
			line.LastUpdate = s.fmtTime(inc.LastUpdateAt)
		}
		if !inc.NextUpdateDue.IsZero() {
			line.NextDue = s.fmtTime(inc.NextUpdateDue)
		}
		d.Incidents = append(d.Incidents, line)
	}
	return s.render("digest.tmpl", d)
}

// reporter mentions a reporter who is a person; an outside reporter (an e-mail
// address) has nobody to mention and is written out.
func (s *Service) reporter(key string) string {
	if _, ok := s.Config.People[key]; ok {
		return Mention(key)
	}
	return key
}

// announce is the first message in a new war room.
func (s *Service) announce(inc *Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Major incident %s declared by %s.\n", s.headline(inc), s.reporter(inc.DeclaredBy))
	fmt.Fprintf(&b, "Impact %s, urgency %s%s.\n", inc.Impact, inc.Urgency, towerList(inc.Towers))
	if inc.IM != "" {
		fmt.Fprintf(&b, "Incident manager: %s.\n", Mention(inc.IM))
	} else {
		fmt.Fprintf(&b, "No neutral incident manager was available: escalated to %s.\n", Mentions(s.Config.Head))
	}
	if inc.Bridge != "" {
		fmt.Fprintf(&b, "Bridge: %s\n", inc.Bridge)
	}
	if !inc.NextUpdateDue.IsZero() {
		fmt.Fprintf(&b, "First status update due by %s (every %s).", s.fmtTime(inc.NextUpdateDue), Duration(s.target(inc).UpdateEvery))
	}
	return strings.TrimSpace(b.String())
}

// cards asks the card-carrying platforms to refresh the incident card.
func (s *Service) cards(inc *Incident, now time.Time) []Outgoing {
	var out []Outgoing
	for _, p := range inc.Platforms {
		if p == "shell" || !inc.Major {
			continue
		}
		out = append(out, Outgoing{Platform: p, Incident: inc.Number, To: ToCard, Kind: KindNote, Created: now})
	}
	return out
}

// StatusText is the answer to `status`: state, priority, roles, SLA clocks, cadence.
func (s *Service) StatusText(inc *Incident) string {
	now := s.Clock.Now()
	var b strings.Builder
	kind := "major incident"
	if !inc.Major {
		kind = "incident (not major)"
	}
	fmt.Fprintf(&b, "%s %s: %s, %s %s.\n", inc.Ref(), inc.Title, inc.Priority, kind, inc.State)
	fmt.Fprintf(&b, "Impact %s, urgency %s%s. Declared %s by %s.\n", inc.Impact, inc.Urgency, towerList(inc.Towers), s.fmtTime(inc.DeclaredAt), inc.DeclaredBy)
	if inc.Major || inc.IM != "" {
		im := inc.IM
		if im == "" {
			im = "none (escalated to " + strings.Join(s.Config.Head, ", ") + ")"
		}
		fmt.Fprintf(&b, "IM: %s", im)
		if inc.Owner != "" {
			fmt.Fprintf(&b, " · owner before it became major: %s", inc.Owner)
		}
	} else {
		owner := inc.Owner
		if owner == "" {
			owner = "unassigned"
		}
		fmt.Fprintf(&b, "Owner: %s", owner)
	}
	if inc.Comms != "" {
		fmt.Fprintf(&b, " · comms: %s", inc.Comms)
	}
	b.WriteString("\n")
	for _, p := range inc.Pages {
		st := "not acknowledged"
		switch {
		case p.Acked():
			st = "acknowledged after " + Duration(p.AckedAt.Sub(p.PagedAt))
		case p.Replaced:
			st = "timed out, next lead paged"
		}
		tower := p.Tower
		if tower == "" {
			tower = "paged by name"
		}
		fmt.Fprintf(&b, "Paged %s (%s): %s\n", p.Person, tower, st)
	}
	for _, r := range inc.WarRooms {
		fmt.Fprintf(&b, "War room (%s): #%s\n", r.Platform, r.Name)
	}
	if inc.Bridge != "" {
		fmt.Fprintf(&b, "Bridge: %s\n", inc.Bridge)
	}
	t := s.target(inc)
	b.WriteString(s.clock("Respond", inc.DeclaredAt, inc.RespondedAt, t.Respond, now))
	b.WriteString(s.clock("Resolve", inc.DeclaredAt, inc.ResolvedAt, t.Resolve, now))
	if !inc.NextUpdateDue.IsZero() {
		d := inc.NextUpdateDue.Sub(now)
		when := "in " + Duration(d)
		if d < 0 {
			when = "overdue by " + Duration(d)
		}
		if inc.SnoozedUntil.Equal(inc.NextUpdateDue) {
			when += ", snoozed"
		}
		fmt.Fprintf(&b, "Next update due %s (%s).\n", s.fmtTime(inc.NextUpdateDue), when)
	}
	open := 0
	for _, tk := range inc.Tasks {
		if !tk.Done {
			open++
		}
	}
	if len(inc.Tasks) > 0 {
		fmt.Fprintf(&b, "Tasks: %d open of %d.\n", open, len(inc.Tasks))
	}
	if len(inc.Similar) > 0 {
		b.WriteString("Similar:\n")
		for _, r := range inc.Similar {
			fmt.Fprintf(&b, "• %s\n", SimilarLine(r))
		}
	}
	return strings.TrimSpace(b.String())
}

// clock renders one SLA clock line of the status.
func (s *Service) clock(name string, from, stop time.Time, target time.Duration, now time.Time) string {
	if target <= 0 {
		return ""
	}
	return name + " SLA: " + SLAClock(from, stop, target, now) + ".\n"
}

// SLAClock shows one SLA clock: how much of its target was used and whether it was
// met ("met: 2m of 5m", "3m of 5m used (60%)", "BREACHED: 6m of 5m, running"); "" without
// a target. Every platform's card shows it the same way.
func SLAClock(from, stop time.Time, target time.Duration, now time.Time) string {
	if target <= 0 {
		return ""
	}
	if !stop.IsZero() {
		took := stop.Sub(from)
		if took > target {
			return fmt.Sprintf("breached: %s of %s", Duration(took), Duration(target))
		}
		return fmt.Sprintf("met: %s of %s", Duration(took), Duration(target))
	}
	used := now.Sub(from)
	if used > target {
		return fmt.Sprintf("BREACHED: %s of %s, running", Duration(used), Duration(target))
	}
	return fmt.Sprintf("%s of %s used (%d%%)", Duration(used), Duration(target), int(100*used/target))
}

package api

import (
	"time"

	"mimbot/mim"
)

// Incident is the JSON of one incident.
type Incident struct {
	Number          int        `json:"number"`
	Title           string     `json:"title"`
	Priority        string     `json:"priority"`
	Major           bool       `json:"major"`
	State           string     `json:"state"`
	Impact          string     `json:"impact"`
	Urgency         string     `json:"urgency"`
	Towers          []string   `json:"towers"`
	Model           string     `json:"model"`
	DeclaredBy      string     `json:"declared_by"` // the reporter: a person key, or an e-mail address
	Source          string     `json:"source"`      // chat, api, email or alertmanager
	Platform        string     `json:"platform"`    // the chat platform (shell, slack, discord) or the source again
	Description     string     `json:"description"`
	IncidentManager string     `json:"incident_manager"`
	Comms           string     `json:"comms"`
	Owner           string     `json:"owner"`
	Paged           []Page     `json:"paged"`
	WarRooms        []WarRoom  `json:"war_rooms"`
	Bridge          string     `json:"bridge"`
	DeclaredAt      *time.Time `json:"declared_at"`
	RespondedAt     *time.Time `json:"responded_at"`
	NextUpdateDue   *time.Time `json:"next_update_due"`
	MitigatedAt     *time.Time `json:"mitigated_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	ConfirmedAt     *time.Time `json:"confirmed_at"`
	ResolveDue      *time.Time `json:"resolve_due"`
	Tasks           []Task     `json:"tasks"`
	Problem         *Problem   `json:"problem"`
	Actions         []Action   `json:"actions"`
	Similar         []Similar  `json:"similar"`
	Timeline        []Entry    `json:"timeline"`
}

// Page is one page of a responder.
// Similar is a known error or past incident found like this one when it was
// declared, best first.
type Similar struct {
	Kind       string `json:"kind"` // known_error or incident
	Ref        string `json:"ref"`  // KE-2 or #14
	Title      string `json:"title"`
	Workaround string `json:"workaround"`
}

type Page struct {
	Person   string     `json:"person"`
	Tower    string     `json:"tower"`
	Acked    bool       `json:"acked"`
	PagedAt  *time.Time `json:"paged_at"`
	AckedAt  *time.Time `json:"acked_at"`
	Replaced bool       `json:"replaced"`
}

// WarRoom is an incident's channel on one platform.
type WarRoom struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Name     string `json:"name"`
}

// Task is a checklist item.
type Task struct {
	N     int    `json:"n"`
	Text  string `json:"text"`
	Owner string `json:"owner"`
	Done  bool   `json:"done"`
}

// Entry is a timeline entry.
type Entry struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Actor string    `json:"actor"`
	Text  string    `json:"text"`
}

func ts(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// FromIncident converts an incident; lists always come out as [] rather than null.
func FromIncident(inc *mim.Incident) Incident {
	out := Incident{
		Number: inc.Number, Title: inc.Title, Priority: inc.Priority.String(), Major: inc.Major,
		State: string(inc.State), Impact: string(inc.Impact), Urgency: string(inc.Urgency),
		Towers: append([]string{}, inc.Towers...), Model: inc.Model, DeclaredBy: inc.DeclaredBy,
		Source: inc.Intake(), Platform: inc.Source, Description: inc.Description,
		IncidentManager: inc.IM, Comms: inc.Comms, Owner: inc.Owner, Bridge: inc.Bridge,
		DeclaredAt: ts(inc.DeclaredAt), RespondedAt: ts(inc.RespondedAt), NextUpdateDue: ts(inc.NextUpdateDue),
		MitigatedAt: ts(inc.MitigatedAt), ResolvedAt: ts(inc.ResolvedAt), ClosedAt: ts(inc.ClosedAt),
		ConfirmedAt: ts(inc.ConfirmedAt), ResolveDue: ts(inc.ResolveDue),
		Paged: []Page{}, WarRooms: []WarRoom{}, Tasks: []Task{}, Actions: []Action{}, Similar: []Similar{}, Timeline: []Entry{},
	}
	if inc.Problem != nil {
		out.Problem = ProblemOf(inc.Problem)
	}
	for _, r := range inc.Similar {
		out.Similar = append(out.Similar, Similar{Kind: string(r.Kind), Ref: r.Ref(), Title: r.Title, Workaround: r.Workaround})
	}
	for _, a := range inc.Actions {
		out.Actions = append(out.Actions, ActionOf(a))
	}
	for _, p := range inc.Pages {
		out.Paged = append(out.Paged, Page{Person: p.Person, Tower: p.Tower, Acked: p.Acked(), PagedAt: ts(p.PagedAt), AckedAt: ts(p.AckedAt), Replaced: p.Replaced})
	}
	for _, r := range inc.WarRooms {
		out.WarRooms = append(out.WarRooms, WarRoom{Platform: r.Platform, ID: r.ID, Name: r.Name})
	}
	for _, t := range inc.Tasks {
		out.Tasks = append(out.Tasks, Task{N: t.N, Text: t.Text, Owner: t.Owner, Done: t.Done})
	}
	for _, e := range inc.Timeline {
		out.Timeline = append(out.Timeline, Entry{At: e.At.UTC(), Kind: string(e.Kind), Actor: e.Actor, Text: e.Text})
	}
	return out
}

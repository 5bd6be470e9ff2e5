package mim

import (
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"
)

// Person is someone mimbot knows, named by a key (alice) and reachable on platforms.
type Person struct {
	Key     string
	Name    string
	Slack   string // user id, U...
	Discord string // user snowflake
	Teams   string // Microsoft Entra object id (a GUID)
	Email   string
}

// Display is the person's name, or the key when no name is set.
func (p Person) Display() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Key
}

// Tower is a technical domain (application, database...) with its leads in escalation
// order: the first is paged, the next one when a page is not acknowledged in time.
type Tower struct {
	Name  string
	Leads []string
	// Members work the tower's queue besides its leads: they may own its non-major
	// incidents.
	Members             []string
	AckWithin           time.Duration
	PagerDutyRoutingKey string
}

// Model is a predefined shape for a known kind of incident.
type Model struct {
	Name    string
	Towers  []string
	Impact  Level
	Urgency Level
	Tasks   []string
}

// Config is everything an operator configures, already validated.
type Config struct {
	Location  *time.Location
	Declarers []string
	People    map[string]Person
	Rotation  Rotation
	Head      []string
	// MaxConcurrent is how many open major incidents one IM may hold.
	MaxConcurrent int
	Towers        map[string]Tower
	Policy        Policy
	// Stakeholders maps a platform (slack, discord, teams) to its stakeholders channel id.
	Stakeholders     map[string]string
	Digest           Schedule // nil: no digest
	DigestSpec       string
	WarRoom          *template.Template // fields: Number, Slug, Title, Priority
	WarRoomPlatforms []string
	Bridge           *template.Template // fields: Channel, Number, Slug
	// TeamsMeeting: the Teams war room gets a Teams meeting as its bridge
	// (bridge: {teams: meeting}) instead of the bridge URL.
	TeamsMeeting bool
	Models       map[string]Model
	// ProblemOwner owns the RCA of closed incidents; "": the first head.
	ProblemOwner string
	// Recurrence is when similar incidents open a problem record by themselves;
	// zero: DefaultRecurrenceCount within
	// DefaultRecurrenceWithin.
	Recurrence Recurrence
	// Intake is how incidents reach mimbot from outside chat.
	Intake Intake
	// ServiceDesk are the people who triage: they may own any non-major incident.
	ServiceDesk []string
	// ConfirmWithin is how long the reporter has to confirm a resolved incident
	// before it closes without confirmation; 0: DefaultConfirmWithin.
	ConfirmWithin time.Duration
	// Status is who may read the stakeholder pages (/status).
	Status StatusAccess
	// Webhooks are told of incident events (declared, update, resolved...).
	Webhooks []Webhook
}

// StatusAccess says who may read the stakeholder pages. They show what is broken and
// who works on it, which some organisations keep to those given the link.
type StatusAccess struct {
	// Public: anyone who reaches the server reads them, with no check.
	Public bool
	// Token is asked of every reader when the pages are not public: in the link once
	// (?token=), then in a cookie. Empty when Public.
	Token string
}

// Recurrence opens a problem record when Count similar incidents sharing a tower
// were declared within Within.
type Recurrence struct {
	Count  int
	Within time.Duration
}

// The recurrence rule when the configuration sets none: three similar incidents of a
// tower within 30 days.
const (
	DefaultRecurrenceCount  = 3
	DefaultRecurrenceWithin = 720 * time.Hour
)

// Intake configures the ways in besides chat, the API and the alert webhook.
type Intake struct {
	Email EmailIntake
}

// EmailIntake is what the SMTP intake accepts, and the defaults of what it declares.
// Addresses and domains are lowercase.
type EmailIntake struct {
	To             []string // recipients accepted
	AllowedDomains []string // sender domains accepted
	// Impact and urgency of an e-mailed incident: triage raises them, so a mail
	// cannot start the major-incident procedure on its own unless configured to.
	Impact, Urgency Level
}

// Reporter names who reported an incident, by person key when it can: a person key
// stays, an address that a person has becomes that person's key, and any other
// address stays an address (lowercased), for a reporter outside the team. ok is false
// when s is neither a person key nor an e-mail address.
func (c *Config) Reporter(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if _, ok := c.People[s]; ok {
		return s, true
	}
	addr, ok := address(s)
	if !ok {
		return "", false
	}
	if k, ok := c.PersonByEmail(addr); ok {
		return k, true
	}
	return strings.ToLower(addr), true
}

// address is the address of "local@domain" or "Name <local@domain>": one @ with text
// on both sides and no space, quote or bracket in it. (net/mail would parse the same
// forms, but it brings package net into the domain.)
func address(s string) (string, bool) {
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		s = s[i+1 : len(s)-1]
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(s, " \t\"<>,;()[]\\") || strings.Contains(domain, "@") {
		return "", false
	}
	return s, true
}

// PersonByEmail returns the key of the person whose email is addr, compared without
// regard to case; false when nobody has it.
func (c *Config) PersonByEmail(addr string) (string, bool) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", false
	}
	for _, k := range c.PersonKeys() {
		if strings.EqualFold(c.People[k].Email, addr) {
			return k, true
		}
	}
	return "", false
}

// DefaultConfirmWithin is closure.confirm_within when none is configured.
const DefaultConfirmWithin = 72 * time.Hour

// ConfirmDeadline is closure.confirm_within, or its default.
func (c *Config) ConfirmDeadline() time.Duration {
	if c.ConfirmWithin > 0 {
		return c.ConfirmWithin
	}
	return DefaultConfirmWithin
}

// InServiceDesk tells whether key triages incidents.
func (c *Config) InServiceDesk(key string) bool {
	return slices.Contains(c.ServiceDesk, key)
}

// Works tells whether key may work tower's queue: a lead or a member.
func (c *Config) Works(key, tower string) bool {
	t, ok := c.Towers[tower]
	return ok && (slices.Contains(t.Leads, key) || slices.Contains(t.Members, key))
}

// Schedule is a parsed cron schedule: the next activation after t.
type Schedule interface {
	Next(t time.Time) time.Time
}

// IsSMO tells whether key is in the SMO: a rotation member or the head.
func (c *Config) IsSMO(key string) bool {
	return slices.Contains(c.Rotation.Members, key) || slices.Contains(c.Head, key)
}

// MayDeclare tells whether key may declare incidents.
func (c *Config) MayDeclare(key string) bool {
	return len(c.Declarers) == 0 || slices.Contains(c.Declarers, key)
}

// Leads returns the towers key leads, sorted.
func (c *Config) Leads(key string) []string {
	var out []string
	for name, t := range c.Towers {
		if slices.Contains(t.Leads, key) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// PersonKeys returns every person key, sorted.
func (c *Config) PersonKeys() []string {
	keys := make([]string, 0, len(c.People))
	for k := range c.People {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TowerNames returns every tower name, sorted.
func (c *Config) TowerNames() []string {
	keys := make([]string, 0, len(c.Towers))
	for k := range c.Towers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ModelNames returns every configured model name, sorted.
func (c *Config) ModelNames() []string {
	keys := make([]string, 0, len(c.Models))
	for k := range c.Models {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Display returns the display name of a person key ("" stays "").
func (c *Config) Display(key string) string {
	if key == "" {
		return ""
	}
	if p, ok := c.People[key]; ok {
		return p.Display()
	}
	return key
}

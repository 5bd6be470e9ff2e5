package mim

import (
	"slices"
	"sort"
	"text/template"
	"time"
)

// Person is someone mimbot knows, named by a key (alice) and reachable on platforms.
type Person struct {
	Key     string
	Name    string
	Slack   string // user id, U...
	Discord string // user snowflake
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
	// Stakeholders maps a platform (slack, discord) to its stakeholders channel id.
	Stakeholders     map[string]string
	Digest           Schedule // nil: no digest
	DigestSpec       string
	WarRoom          *template.Template // fields: Number, Slug, Title, Priority
	WarRoomPlatforms []string
	Bridge           *template.Template // fields: Channel, Number, Slug
	Models           map[string]Model
	// ProblemOwner owns the RCA of closed incidents; "": the first head.
	ProblemOwner string
	// ServiceDesk are the people who triage: they may own any non-major incident.
	ServiceDesk []string
	// ConfirmWithin is how long the reporter has to confirm a resolved incident
	// before it closes without confirmation; 0: DefaultConfirmWithin.
	ConfirmWithin time.Duration
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

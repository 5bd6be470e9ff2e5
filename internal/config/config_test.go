package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// base is a small valid configuration; each problem case edits one thing in it.
const base = `timezone: UTC
declarers: []
people:
  alice: {name: Alice Ng, email: alice@example.com}
  bob: {name: Bob Okafor}
  hana: {name: Hana Sato}
  dave: {name: Dave Kowalski}
  frank: {name: Frank Mueller}
smo:
  rotation:
    members: [alice, bob]
    start: 2026-01-05T09:00:00Z
    handoff: "0 9 * * MON"
  head: [hana]
  max_concurrent: 1
towers:
  application: {leads: [dave], ack_within: 10m}
  database: {leads: [frank], ack_within: 10m}
priorities:
  matrix:
    high: {high: P0, medium: P1, low: P2}
    medium: {high: P1, medium: P2, low: P3}
    low: {high: P2, medium: P3, low: P4}
  major: [P0, P1]
  policy:
    P0: {respond: 5m, resolve: 4h, update_every: 15m}
    P1: {respond: 15m, resolve: 8h, update_every: 30m}
    P2: {respond: 1h, resolve: 24h, update_every: 1h}
    P3: {respond: 8h, resolve: 72h}
    P4: {respond: 24h, resolve: 120h}
channels:
  stakeholders: {slack: C01STAKE}
  digest: "0 * * * *"
  war_room: "mi-{{.Number}}-{{.Slug}}"
  war_room_platforms: []
bridge: {url: "https://meet.jit.si/{{.Channel}}"}
models:
  payment-outage:
    towers: [application, database]
    impact: high
    urgency: high
    tasks: ["Check the provider's status page"]
`

// edit returns text with each old string replaced by its new one; every old string must
// occur exactly once, so that a case cannot silently test the unedited base.
func edit(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatalf("edit: odd number of strings")
	}
	for i := 0; i < len(pairs); i += 2 {
		if n := strings.Count(text, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times, want once", pairs[i], n)
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	return text
}

// mustParse parses text and fails the test on any problem.
func mustParse(t *testing.T, text string) *mim.Config {
	t.Helper()
	cfg, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("Parse: unexpected problems:\n%v", err)
	}
	return cfg
}

// problems parses text, which must be invalid, and returns its problems.
func problems(t *testing.T, text string) []Problem {
	t.Helper()
	cfg, err := Parse([]byte(text))
	if err == nil {
		t.Fatalf("Parse: no error, want problems")
	}
	if cfg != nil {
		t.Errorf("Parse: returned a config along with problems")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse: error %T (%v), want *config.Error", err, err)
	}
	return e.Problems
}

func TestParseBase(t *testing.T) {
	cfg := mustParse(t, base)
	got := map[string]any{
		"location":      cfg.Location.String(),
		"members":       cfg.Rotation.Members,
		"start":         cfg.Rotation.Start,
		"head":          cfg.Head,
		"alice":         cfg.People["alice"],
		"towers":        cfg.Towers,
		"stakeholders":  cfg.Stakeholders,
		"digest":        cfg.DigestSpec,
		"model":         cfg.Models["payment-outage"],
		"major":         cfg.Policy.Major,
		"maxConcurrent": cfg.MaxConcurrent,
	}
	want := map[string]any{
		"location":     "UTC",
		"members":      []string{"alice", "bob"},
		"start":        time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		"head":         []string{"hana"},
		"alice":        mim.Person{Key: "alice", Name: "Alice Ng", Email: "alice@example.com"},
		"stakeholders": map[string]string{"slack": "C01STAKE"},
		"digest":       "0 * * * *",
		"towers": map[string]mim.Tower{
			"application": {Name: "application", Leads: []string{"dave"}, AckWithin: 10 * time.Minute},
			"database":    {Name: "database", Leads: []string{"frank"}, AckWithin: 10 * time.Minute},
		},
		"model": mim.Model{
			Name: "payment-outage", Towers: []string{"application", "database"},
			Impact: mim.High, Urgency: mim.High, Tasks: []string{"Check the provider's status page"},
		},
		"major":         []mim.Priority{mim.P0, mim.P1},
		"maxConcurrent": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved configuration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(defaultTargets(), cfg.Policy.Targets); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(defaultMatrix(), cfg.Policy.Matrix); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
}

// TestParseDefaults checks what a configuration that says only what it must resolves to.
func TestParseDefaults(t *testing.T) {
	cfg := mustParse(t, `
people: {alice: {}, hana: {}, dave: {}}
smo:
  rotation: {members: [alice], start: 2026-01-05T09:00:00Z, handoff: "0 9 * * MON"}
  head: [hana]
towers:
  database: {leads: [dave]}
`)
	room, err := render(cfg.WarRoom, sampleRoom())
	if err != nil {
		t.Fatal(err)
	}
	bridge, err := render(cfg.Bridge, sampleBridge())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"location":      cfg.Location.String(),
		"maxConcurrent": cfg.MaxConcurrent,
		"ackWithin":     cfg.Towers["database"].AckWithin,
		"major":         cfg.Policy.Major,
		"matrix":        cfg.Policy.Matrix,
		"targets":       cfg.Policy.Targets,
		"digest":        cfg.Digest == nil && cfg.DigestSpec == "",
		"warRoom":       room,
		"bridge":        bridge,
		"anyoneDeclare": cfg.MayDeclare("dave"),
	}
	want := map[string]any{
		"location":      "UTC",
		"maxConcurrent": 1,
		"ackWithin":     10 * time.Minute,
		"major":         []mim.Priority{mim.P0, mim.P1},
		"matrix":        defaultMatrix(),
		"targets":       defaultTargets(),
		"digest":        true,
		"warRoom":       "mi-42-payments-down",
		"bridge":        "https://meet.jit.si/mi-42-payments-down",
		"anyoneDeclare": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// TestParseVariations covers accepted spellings that differ from the base.
func TestParseVariations(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string
		got   func(*mim.Config) any
		want  any
	}{
		{
			name:  "update_every may be left out for a priority that is not major",
			pairs: []string{"P2: {respond: 1h, resolve: 24h, update_every: 1h}", "P2: {respond: 1h, resolve: 24h}"},
			got:   func(c *mim.Config) any { return c.Policy.Target(mim.P2) },
			want:  mim.Target{Respond: time.Hour, Resolve: 24 * time.Hour},
		},
		{
			name:  "an empty digest means no digest",
			pairs: []string{`digest: "0 * * * *"`, `digest: ""`},
			got:   func(c *mim.Config) any { return c.Digest == nil && c.DigestSpec == "" },
			want:  true,
		},
		{
			name:  "an unquoted Discord snowflake keeps every digit",
			pairs: []string{"bob: {name: Bob Okafor}", "bob: {name: Bob Okafor, discord: 100000000000000002}"},
			got:   func(c *mim.Config) any { return c.People["bob"].Discord },
			want:  "100000000000000002",
		},
		{
			name:  "declarers restrict who may declare",
			pairs: []string{"declarers: []", "declarers: [alice]"},
			got:   func(c *mim.Config) any { return []bool{c.MayDeclare("alice"), c.MayDeclare("bob")} },
			want:  []bool{true, false},
		},
		{
			name:  "war rooms on both platforms",
			pairs: []string{"war_room_platforms: []", "war_room_platforms: [slack, discord]"},
			got:   func(c *mim.Config) any { return c.WarRoomPlatforms },
			want:  []string{"slack", "discord"},
		},
		{
			name:  "war rooms on all three platforms",
			pairs: []string{"war_room_platforms: []", "war_room_platforms: [slack, discord, teams]"},
			got:   func(c *mim.Config) any { return c.WarRoomPlatforms },
			want:  []string{"slack", "discord", "teams"},
		},
		{
			name:  "a person's Teams id is their Entra object id",
			pairs: []string{"bob: {name: Bob Okafor}", "bob: {name: Bob Okafor, teams: 8d3c2f1e-0b7a-4c55-9e1d-2a6f4b9c7e10}"},
			got:   func(c *mim.Config) any { return c.People["bob"].Teams },
			want:  "8d3c2f1e-0b7a-4c55-9e1d-2a6f4b9c7e10",
		},
		{
			name:  "a Teams stakeholders conversation",
			pairs: []string{"stakeholders: {slack: C01STAKE}", "stakeholders: {slack: C01STAKE, teams: '19:stake@thread.v2'}"},
			got:   func(c *mim.Config) any { return c.Stakeholders["teams"] },
			want:  "19:stake@thread.v2",
		},
		{
			name:  "a Teams meeting as the bridge on Teams",
			pairs: []string{`bridge: {url: "https://meet.jit.si/{{.Channel}}"}`, `bridge: {url: "https://meet.jit.si/{{.Channel}}", teams: meeting}`},
			got:   func(c *mim.Config) any { return c.TeamsMeeting },
			want:  true,
		},
		{
			name: "anchors and merge keys share tower settings",
			pairs: []string{
				"  application: {leads: [dave], ack_within: 10m}",
				"  application: &tower {leads: [dave], ack_within: 5m, pagerduty_routing_key: R1}",
				"  database: {leads: [frank], ack_within: 10m}",
				"  database: {<<: *tower, leads: [frank]}",
			},
			got:  func(c *mim.Config) any { return c.Towers["database"] },
			want: mim.Tower{Name: "database", Leads: []string{"frank"}, AckWithin: 5 * time.Minute, PagerDutyRoutingKey: "R1"},
		},
		{
			name:  "a custom matrix cell",
			pairs: []string{"low: {high: P2, medium: P3, low: P4}", "low: {high: P2, medium: P4, low: P4}"},
			got:   func(c *mim.Config) any { return c.Policy.Prioritize(mim.Low, mim.Medium) },
			want:  mim.P4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParse(t, edit(t, base, tt.pairs...))
			if diff := cmp.Diff(tt.want, tt.got(cfg)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseDesignExample checks that every key of the contract's example is accepted:
// the example names people it does not define, and nothing else may be reported.
func TestParseDesignExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("testdata", "design.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{
		{"smo.rotation.members[1]", `unknown person "bob"`},
		{"smo.rotation.members[2]", `unknown person "carol"`},
		{"smo.head[0]", `unknown person "hana"`},
		{"towers.application.leads[0]", `unknown person "dave"`},
		{"towers.application.leads[1]", `unknown person "erin"`},
		{"towers.database.leads[0]", `unknown person "frank"`},
	}
	if diff := cmp.Diff(want, problems(t, string(example))); diff != "" {
		t.Errorf("problems of the verbatim example (-want +got):\n%s", diff)
	}

	aliceLine := `  alice: {name: Alice Ng, slack: U01ALICE, discord: "100000000000000001", email: alice@example.com}`
	complete := edit(t, string(example), aliceLine, aliceLine+`
  bob: {name: Bob}
  carol: {name: Carol}
  hana: {name: Hana}
  dave: {name: Dave}
  erin: {name: Erin}
  frank: {name: Frank}`)
	cfg := mustParse(t, complete)
	got := map[string]any{
		"location":     cfg.Location.String(),
		"alice":        cfg.People["alice"],
		"members":      cfg.Rotation.Members,
		"start":        cfg.Rotation.Start,
		"firstHandoff": cfg.Rotation.Handoff.Next(cfg.Rotation.Start),
		"head":         cfg.Head,
		"max":          cfg.MaxConcurrent,
		"towers":       cfg.Towers,
		"policy":       cfg.Policy,
		"stakeholders": cfg.Stakeholders,
		"digest":       cfg.DigestSpec,
		"platforms":    cfg.WarRoomPlatforms,
		"models":       cfg.Models,
	}
	want2 := map[string]any{
		"location":     "Europe/London",
		"alice":        mim.Person{Key: "alice", Name: "Alice Ng", Slack: "U01ALICE", Discord: "100000000000000001", Email: "alice@example.com"},
		"members":      []string{"alice", "bob", "carol"},
		"start":        time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		"firstHandoff": time.Date(2026, 1, 12, 9, 0, 0, 0, cfg.Location),
		"head":         []string{"hana"},
		"max":          1,
		"towers": map[string]mim.Tower{
			"application": {Name: "application", Leads: []string{"dave", "erin"}, AckWithin: 10 * time.Minute},
			"database":    {Name: "database", Leads: []string{"frank"}, AckWithin: 10 * time.Minute},
		},
		"policy":       mim.Policy{Matrix: defaultMatrix(), Major: []mim.Priority{mim.P0, mim.P1}, Targets: defaultTargets()},
		"stakeholders": map[string]string{"slack": "C01STAKE", "discord": "200000000000000002"},
		"digest":       "0 * * * *",
		"platforms":    []string(nil),
		"models": map[string]mim.Model{"payment-outage": {
			Name: "payment-outage", Towers: []string{"application", "database"}, Impact: mim.High, Urgency: mim.High,
			Tasks: []string{"Check the payment provider's status page", "Fail over to the secondary provider"},
		}},
	}
	if diff := cmp.Diff(want2, got); diff != "" {
		t.Errorf("resolved example (-want +got):\n%s", diff)
	}
}

// TestHandoffInTimezone checks that the handoff cron runs in the configured zone: in
// summer, "0 9 * * MON" in Europe/London is 08:00 UTC. 6 July 2026 is the 26th handoff
// after the start, back to alice.
func TestHandoffInTimezone(t *testing.T) {
	cfg := mustParse(t, edit(t, base, "timezone: UTC", "timezone: Europe/London"))
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"first week", time.Date(2026, 1, 7, 12, 0, 0, 0, time.UTC), "alice"},
		{"second week", time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC), "bob"},
		{"summer Monday 08:30 BST, before the handoff", time.Date(2026, 7, 6, 7, 30, 0, 0, time.UTC), "bob"},
		{"summer Monday 09:30 BST, after the handoff", time.Date(2026, 7, 6, 8, 30, 0, 0, time.UTC), "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cfg.Rotation.OnCall(tt.at).Member; got != tt.want {
				t.Errorf("on call at %v: %q, want %q", tt.at, got, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "mimbot.yaml")
	if err := os.WriteFile(good, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(good)
	if err != nil {
		t.Fatalf("Load(valid file): %v", err)
	}
	if diff := cmp.Diff([]string{"alice", "bob"}, cfg.Rotation.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(edit(t, base, "max_concurrent: 1", "max_concurrent: 0")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load(invalid file): %v, want *config.Error", err)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing file): %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestErrorString(t *testing.T) {
	err := &Error{Problems: []Problem{
		{Key: "", Reason: "YAML syntax: line 3: did not find expected key"},
		{Key: "towers.database.leads[0]", Reason: `unknown person "frnak"`},
		{Key: "people.alice.emial", Reason: "unknown key"},
	}}
	want := `YAML syntax: line 3: did not find expected key
towers.database.leads[0]: unknown person "frnak"
people.alice.emial: unknown key`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("Error() (-want +got):\n%s", diff)
	}
}

// TestAllProblemsTogether checks that one Parse reports every problem, in file order.
func TestAllProblemsTogether(t *testing.T) {
	text := edit(t, base,
		"timezone: UTC", "timezone: Mars/Olympus",
		"alice: {name: Alice Ng, email: alice@example.com}", "alice: {name: Alice Ng, emial: alice@example.com}",
		"database: {leads: [frank], ack_within: 10m}", "database: {leads: [frnak], ack_within: 10m}",
		"P0: {respond: 5m, resolve: 4h, update_every: 15m}", "P0: {respond: 5m, resolve: 4h, update_every: 15x}",
		`digest: "0 * * * *"`, `digest: "every hour"`,
		"towers: [application, database]", "towers: [application, databse]",
	)
	want := []Problem{
		{"timezone", `"Mars/Olympus" is not an IANA time zone (such as Europe/London, America/New_York or UTC)`},
		{"people.alice.emial", "unknown key"},
		{"towers.database.leads[0]", `unknown person "frnak"`},
		{"priorities.policy.P0.update_every", `"15x" is not a duration (use Go syntax such as 90s, 15m, 4h)`},
		{"channels.digest", `"every hour" is not a cron schedule (expected exactly 5 fields, found 2: [every hour]): use 5 fields, minute hour day-of-month month day-of-week, such as "0 9 * * MON"`},
		{"models.payment-outage.towers[1]", `unknown tower "databse"`},
	}
	if diff := cmp.Diff(want, problems(t, text)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRecurrence reads problems.recurrence, and its default when it is absent.
func TestRecurrence(t *testing.T) {
	tests := []struct {
		name string
		text string
		want mim.Recurrence
	}{
		{"absent", base, mim.Recurrence{Count: 3, Within: 720 * time.Hour}},
		{"count only", base + "problems: {recurrence: {count: 4}}\n", mim.Recurrence{Count: 4, Within: 720 * time.Hour}},
		{"both", base + "problems: {recurrence: {count: 2, within: 168h}}\n", mim.Recurrence{Count: 2, Within: 168 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, mustParse(t, tt.text).Recurrence); diff != "" {
				t.Errorf("recurrence (-want +got):\n%s", diff)
			}
		})
	}
}

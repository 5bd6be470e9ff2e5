package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// TestDemo checks the facts the zero-setup run relies on: the demo parses, and a demo
// of neutral incident management works with it.
func TestDemo(t *testing.T) {
	if _, err := Parse(DemoYAML()); err != nil {
		t.Fatalf("the embedded demo.yaml does not parse:\n%v", err)
	}
	cfg := Demo()
	if cfg == nil {
		t.Fatal("Demo() = nil")
	}

	var towersLedBySMO []string
	for _, m := range cfg.Rotation.Members {
		towersLedBySMO = append(towersLedBySMO, cfg.Leads(m)...)
	}
	got := map[string]any{
		"at least 8 people": len(cfg.People) >= 8,
		"members":           cfg.Rotation.Members,
		"head":              cfg.Head,
		"towers":            cfg.TowerNames(),
		"models":            cfg.ModelNames(),
		"high/high":         cfg.Policy.Prioritize(mim.High, mim.High),
		"major":             cfg.Policy.Major,
		"timezone":          cfg.Location.String(),
		"towers led by SMO": towersLedBySMO,
		"digest":            cfg.DigestSpec,
		"stakeholders":      len(cfg.Stakeholders),
	}
	want := map[string]any{
		"at least 8 people": true,
		"members":           []string{"alice", "bob", "carol"},
		"head":              []string{"hana"},
		"towers":            []string{"application", "cloud", "database", "network"},
		"models":            []string{"network-partition", "payment-outage"},
		"high/high":         mim.P0,
		"major":             []mim.Priority{mim.P0, mim.P1},
		"timezone":          "Europe/London",
		"towers led by SMO": []string(nil),
		"digest":            "0 * * * *",
		"stakeholders":      3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo (-want +got):\n%s", diff)
	}
}

// TestDemoPeople checks that everyone in the demo can be reached on both platforms and
// by e-mail, so that /as <key> and mentions work in every adapter's demo.
func TestDemoPeople(t *testing.T) {
	for _, key := range Demo().PersonKeys() {
		p := Demo().People[key]
		t.Run(key, func(t *testing.T) {
			if p.Name == "" || !strings.HasPrefix(p.Slack, "U0") || len(p.Discord) < 17 || !strings.Contains(p.Email, "@") {
				t.Errorf("incomplete demo person: %+v", p)
			}
		})
	}
}

// TestDemoIsFresh checks that callers who change the demo do not change it for others.
func TestDemoIsFresh(t *testing.T) {
	a := Demo()
	a.Rotation.Members[0] = "mallory"
	DemoYAML()[0] = 'X'
	if got := Demo().Rotation.Members[0]; got != "alice" {
		t.Errorf("second Demo() sees the first caller's change: member 0 is %q", got)
	}
	if got := DemoYAML()[0]; got != '#' {
		t.Errorf("DemoYAML() starts with %q after a caller changed a copy, want '#'", got)
	}
}

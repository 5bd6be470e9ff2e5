package config

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// Load reads and parses the configuration file at path.
func Load(path string) (*mim.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data)
}

// Parse reads a configuration in the YAML format of the contract and validates it. An
// invalid configuration returns an *Error listing every problem found.
func Parse(data []byte) (*mim.Config, error) {
	root, err := document(data)
	if err != nil {
		return nil, &Error{Problems: []Problem{{Reason: syntaxReason(err)}}}
	}
	r := &reader{}
	cfg := r.config(root)
	if len(r.problems) > 0 {
		return nil, &Error{Problems: r.problems}
	}
	return cfg, nil
}

// config reads the whole file. Sections are read in the contract's order, except that
// people come before the lists that name them.
func (r *reader) config(root *yaml.Node) *mim.Config {
	if !absent(root) && resolve(root).Kind != yaml.MappingNode {
		r.addf("", "the configuration must be a YAML mapping with keys such as timezone, people, smo, towers, priorities, channels")
		return nil
	}
	f := r.fields(root, "", "timezone", "declarers", "people", "smo", "towers", "priorities", "channels", "bridge", "models", "intake", "service_desk", "closure", "status", "webhooks", "problems")
	cfg := &mim.Config{}
	cfg.Location = r.location(f["timezone"], "timezone")
	cfg.People = r.people(f["people"], "people")
	cfg.Declarers = r.persons(f["declarers"], "declarers", cfg.People)
	cfg.ServiceDesk = r.persons(f["service_desk"], "service_desk", cfg.People)
	r.smo(f["smo"], "smo", cfg)
	cfg.Towers = r.towers(f["towers"], "towers", cfg.People)
	cfg.Policy = r.priorities(f["priorities"], "priorities")
	r.channels(f["channels"], "channels", cfg)
	cfg.Bridge, cfg.TeamsMeeting = r.bridge(f["bridge"], "bridge")
	cfg.Models = r.models(f["models"], "models", cfg.Towers)
	cfg.Intake = r.intake(f["intake"], "intake")
	r.closure(f["closure"], "closure", cfg)
	cfg.Status = r.status(f["status"], "status")
	cfg.Webhooks = r.webhooks(f["webhooks"], "webhooks")
	r.problemManagement(f["problems"], "problems", cfg)
	return cfg
}

// problemManagement reads problems: {recurrence: {count, within}}: how many similar incidents
// of a tower within how long open a problem record by themselves.
func (r *reader) problemManagement(n *yaml.Node, path string, cfg *mim.Config) {
	f := r.fields(n, path, "recurrence")
	rpath := join(path, "recurrence")
	rf := r.fields(f["recurrence"], rpath, "count", "within")
	cfg.Recurrence.Count = r.atLeastOne(rf["count"], join(rpath, "count"), mim.DefaultRecurrenceCount)
	if c := cfg.Recurrence.Count; c == 1 {
		r.addf(join(rpath, "count"), "must be at least 2: one incident does not recur (the default is %d)", mim.DefaultRecurrenceCount)
	}
	cfg.Recurrence.Within = r.positive(rf["within"], join(rpath, "within"), mim.DefaultRecurrenceWithin)
}

// closure reads closure: {confirm_within}: how long the reporter has to confirm a
// resolved incident before it closes without confirmation.
func (r *reader) closure(n *yaml.Node, path string, cfg *mim.Config) {
	f := r.fields(n, path, "confirm_within")
	cfg.ConfirmWithin = r.positive(f["confirm_within"], join(path, "confirm_within"), mim.DefaultConfirmWithin)
}

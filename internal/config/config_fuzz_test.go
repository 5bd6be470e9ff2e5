package config

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"mimbot/mim"
)

// FuzzParse feeds Parse arbitrary YAML: it never panics; it either returns a
// configuration whose every reference resolves and that the rest of mimbot can use,
// or an *Error whose every problem names a key (or, for a file that is not YAML or a
// top-level key that is not text, a line); and it says the same thing twice.
func FuzzParse(f *testing.F) {
	f.Add(DemoYAML())
	if design, err := os.ReadFile("testdata/design.yaml"); err == nil {
		f.Add(design)
	}
	for _, s := range []string{
		"", "[]", "- a\n- b", "timezone: Mars/Olympus", "people: {a: {name: A}}\nsmo: {rotation: {members: [a, b]}}",
		"people: &p {a: {}}\ndeclarers: *p", "towers: {db: {leads: [nobody], ack_within: -1m}}",
		"a: 1\n---\nb: 2", "priorities: {matrix: {high: {high: P9}}, major: [P0, P0]}",
		"channels: {war_room: '{{.Nope}}', digest: '61 * * * *'}", "models: {m: {towers: [x], impact: huge}}",
		"<<: {timezone: UTC}", "? [a]\n: 1", "smo: {max_concurrent: 0, head: [ghost]}", "\t- broken: [",
		"people: {x: {slack: 1, discord: [1]}}\nsmo: {rotation: {members: [x], start: yesterday, handoff: '0 9 * * MON'}}",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		_, again := Parse(data)
		if errText(err) != errText(again) {
			t.Fatalf("two reads of the same file differ:\n%s\n---\n%s", errText(err), errText(again))
		}
		if err != nil {
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) == 0 {
				t.Fatalf("Parse error %v (%T) is not an *Error listing problems", err, err)
			}
			for _, p := range cerr.Problems {
				if strings.TrimSpace(p.Reason) == "" {
					t.Errorf("problem at %q has no reason", p.Key)
				}
				// Without a key, the reason must still say where: a syntax error or a
				// key that is not text has a line; the rest is about the whole file.
				if p.Key == "" && !strings.HasPrefix(p.Reason, "YAML syntax: ") && !strings.HasPrefix(p.Reason, "line ") && !strings.HasPrefix(p.Reason, "the configuration must be a YAML mapping") {
					t.Errorf("problem %q names no key", p.Reason)
				}
			}
			return
		}
		if cfg == nil {
			t.Fatal("Parse returned neither a configuration nor an error")
		}
		if problems := usable(cfg, now); len(problems) > 0 {
			t.Fatalf("Parse accepted a configuration with:\n%s", strings.Join(problems, "\n"))
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// usable lists what would break mimbot in an accepted configuration: references to
// unknown people or towers, missing priorities, a rotation or template that fails.
func usable(cfg *mim.Config, now time.Time) []string {
	var out []string
	person := func(where, k string) {
		if _, ok := cfg.People[k]; !ok {
			out = append(out, where+" names unknown person "+k)
		}
	}
	if cfg.Location == nil {
		out = append(out, "no time zone")
	}
	for _, k := range cfg.Declarers {
		person("declarers", k)
	}
	for _, k := range cfg.Rotation.Members {
		person("smo.rotation.members", k)
	}
	for _, k := range cfg.Head {
		person("smo.head", k)
	}
	if cfg.ProblemOwner != "" {
		person("problem owner", cfg.ProblemOwner)
	}
	if cfg.MaxConcurrent < 1 {
		out = append(out, "max_concurrent below 1")
	}
	for name, tw := range cfg.Towers {
		if len(tw.Leads) == 0 {
			out = append(out, "tower "+name+" has no lead")
		}
		for _, k := range tw.Leads {
			person("towers."+name+".leads", k)
		}
		if tw.AckWithin <= 0 {
			out = append(out, "tower "+name+" has no positive ack_within")
		}
	}
	for name, m := range cfg.Models {
		for _, tw := range m.Towers {
			if _, ok := cfg.Towers[tw]; !ok {
				out = append(out, "model "+name+" names unknown tower "+tw)
			}
		}
		for _, lv := range []mim.Level{m.Impact, m.Urgency} {
			if lv != "" && !slices.Contains(mim.Levels, lv) {
				out = append(out, "model "+name+" has level "+string(lv))
			}
		}
	}
	for _, i := range mim.Levels {
		for _, u := range mim.Levels {
			if _, ok := cfg.Policy.Matrix[i][u]; !ok {
				out = append(out, "no priority for impact "+string(i)+" and urgency "+string(u))
			}
		}
	}
	if len(cfg.Rotation.Members) > 0 {
		if m := cfg.Rotation.OnCall(now).Member; !slices.Contains(cfg.Rotation.Members, m) {
			out = append(out, "on call now: "+m+", not a rotation member")
		}
	}
	if cfg.WarRoom == nil || cfg.Bridge == nil {
		out = append(out, "no war-room or bridge template")
	}
	_ = Describe(cfg, now) // `mimbot config check` prints it: it must not panic
	return out
}

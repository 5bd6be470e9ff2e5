package discord_test

import (
	"encoding/json"
	"slices"
	"testing"

	"mimbot/bot/discord/discordfake"
)

// Registering again (every start) keeps the command's id and version: Discord's
// clients do not see a new command, and nobody's typing is interrupted.
func TestCommandRegistrationIsIdempotent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.fake.Commands()
	if len(first) != 1 || first[0].Name != "incident" || first[0].GuildID != h.fake.GuildID() || first[0].Type != discordfake.CommandChatInput {
		t.Fatalf("commands %+v, want /incident on the guild", first)
	}
	h.newAdapter(h.cfg)
	again := h.fake.Commands()
	if len(again) != 1 || again[0].ID != first[0].ID || again[0].Version != first[0].Version {
		t.Errorf("after a second start: %+v, want id %s version %s", again, first[0].ID, first[0].Version)
	}
	var opts []struct {
		Type    int    `json:"type"`
		Name    string `json:"name"`
		Options []struct {
			Name         string `json:"name"`
			Type         int    `json:"type"`
			Autocomplete bool   `json:"autocomplete"`
			Choices      []struct {
				Value any `json:"value"`
			} `json:"choices"`
		} `json:"options"`
	}
	if err := json.Unmarshal(first[0].Options, &opts); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range opts {
		names = append(names, o.Name)
		if o.Name != "declare" {
			continue
		}
		for _, p := range o.Options {
			switch p.Name {
			case "impact", "urgency":
				if len(p.Choices) != 3 {
					t.Errorf("declare %s offers %d choices, want high, medium, low", p.Name, len(p.Choices))
				}
			case "towers", "model":
				if !p.Autocomplete {
					t.Errorf("declare %s is not completed as it is typed", p.Name)
				}
			}
		}
	}
	want := []string{"declare", "status", "update", "priority", "page", "ack", "assign", "escalate", "task", "note", "snooze",
		"diagnose", "workaround", "resolve", "close", "cancel", "reopen", "summary", "model", "problem", "known", "action", "list", "oncall", "help"}
	if !slices.Equal(names, want) {
		t.Errorf("subcommands %v, want every verb %v", names, want)
	}
}

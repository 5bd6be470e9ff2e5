package discord

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
)

// The options of /incident become the grammar's line, which bot.Parse reads back into
// the verb, sub-verb, text and options they stand for.
func TestOptionsBecomeTheGrammar(t *testing.T) {
	str := func(name, v string) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: v}
	}
	num := func(name string, v float64) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionInteger, Value: v}
	}
	sub := func(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}
	}
	group := func(name string, s *discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommandGroup, Options: []*discordgo.ApplicationCommandInteractionDataOption{s}}
	}
	cases := []struct {
		name string
		opt  *discordgo.ApplicationCommandInteractionDataOption
		want bot.Command
	}{
		{"declare", sub("declare", str("title", "Payments down in the EU"), str("impact", "high"), str("towers", "application, database")),
			bot.Command{Verb: "declare", Text: "Payments down in the EU", Args: map[string]string{"impact": "high", "towers": "application, database"}}},
		{"text with key=value and quotes stays text", sub("note", str("text", `retry=3 "did not" help`), num("incident", 4)),
			bot.Command{Verb: "note", Text: "retry=3 'did not' help", Args: map[string]string{"incident": "4"}}},
		{"priority", sub("priority", str("priority", "P1"), str("reason", "card payments failing")),
			bot.Command{Verb: "priority", Text: "P1", Args: map[string]string{"reason": "card payments failing"}}},
		{"assign im", group("assign", sub("im", str("person", "carol"))),
			bot.Command{Verb: "assign", Sub: "im", Text: "carol", Args: map[string]string{}}},
		{"escalate", group("escalate", sub("hierarchical", str("reason", "SLA at risk"))),
			bot.Command{Verb: "escalate", Sub: "hierarchical", Text: "SLA at risk", Args: map[string]string{}}},
		{"task done", group("task", sub("done", num("task", 2), num("incident", 1))),
			bot.Command{Verb: "task", Sub: "done", Text: "2", Args: map[string]string{"incident": "1"}}},
		{"task add", group("task", sub("add", str("text", "Check the provider"), str("owner", "dave"))),
			bot.Command{Verb: "task", Sub: "add", Text: "Check the provider", Args: map[string]string{"owner": "dave"}}},
		{"snooze", sub("snooze", str("duration", "10m"), str("reason", "on the bridge with the vendor")),
			bot.Command{Verb: "snooze", Text: "10m", Args: map[string]string{"reason": "on the bridge with the vendor"}}},
		{"cancel", sub("cancel", str("reason", "duplicate of #12")),
			bot.Command{Verb: "cancel", Args: map[string]string{"reason": "duplicate of #12"}}},
		{"summary approve", sub("summary", &discordgo.ApplicationCommandInteractionDataOption{Name: "approve", Type: discordgo.ApplicationCommandOptionBoolean, Value: true}),
			bot.Command{Verb: "summary", Sub: "approve", Args: map[string]string{}}},
		{"summary", sub("summary", num("incident", 3)),
			bot.Command{Verb: "summary", Args: map[string]string{"incident": "3"}}},
		{"model save", group("model", sub("save", str("name", "db-failover"))),
			bot.Command{Verb: "model", Sub: "save", Text: "db-failover", Args: map[string]string{}}},
		{"problem rca", group("problem", sub("rca", str("problem", "PRB-3"), str("text", "Pool too small"))),
			bot.Command{Verb: "problem", Sub: "rca", Text: "PRB-3 Pool too small", Args: map[string]string{}}},
		{"problem close", group("problem", sub("close", str("problem", "PRB-3"), str("change", "CHG 42"))),
			bot.Command{Verb: "problem", Sub: "close", Text: "PRB-3", Args: map[string]string{"change": "CHG 42"}}},
		{"known search", group("known", sub("search", str("text", "tls certificate"))),
			bot.Command{Verb: "known", Sub: "search", Text: "tls certificate", Args: map[string]string{}}},
		{"action add", group("action", sub("add", str("text", "Alert on expiry"), str("owner", "dave"), str("due", "2026-03-20"), num("incident", 4))),
			bot.Command{Verb: "action", Sub: "add", Text: "Alert on expiry", Args: map[string]string{"owner": "dave", "due": "2026-03-20", "incident": "4"}}},
		{"action done", group("action", sub("done", num("action", 7))),
			bot.Command{Verb: "action", Sub: "done", Text: "7", Args: map[string]string{}}},
		{"action list mine", group("action", sub("list", &discordgo.ApplicationCommandInteractionDataOption{Name: "mine", Type: discordgo.ApplicationCommandOptionBoolean, Value: true})),
			bot.Command{Verb: "action", Sub: "list", Text: "mine", Args: map[string]string{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line := parseInvocation([]*discordgo.ApplicationCommandInteractionDataOption{tc.opt}).text()
			got, err := bot.Parse(line)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if got.Verb != tc.want.Verb || got.Sub != tc.want.Sub || got.Text != tc.want.Text || !equal(got.Args, tc.want.Args) {
				t.Errorf("%q parses as %+v, want %+v", line, got, tc.want)
			}
		})
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

package teams

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot/teams/msapi"
)

// TestMessageText: mention tokens become Teams mentions with their entities (a person
// without a Teams id is named), the rest is escaped XML with its lines and code kept.
func TestMessageText(t *testing.T) {
	a := parsingAdapter(t)
	p := a.surface.Config().People["dave"]
	p.Teams = "aad-dave"
	a.surface.Config().People["dave"] = p
	h := a.surface.Config().People["hana"]
	h.Teams = "" // someone not on Teams
	a.surface.Config().People["hana"] = h
	a.rememberChannel(msapi.Channel{ID: "19:room@thread.tacv2", DisplayName: "mi-4-payments-down", WebURL: "https://teams.example/l/channel/19%3Aroom?a=1&b=2"})
	tests := []struct {
		name, in, want string
		entities       []msapi.Entity
	}{
		{"mention", "Paging <@dave> for the application tower.", "Paging <at>Dave Kowalski</at> for the application tower.",
			[]msapi.Entity{{Type: "mention", Text: "<at>Dave Kowalski</at>", Mentioned: &msapi.Account{ID: "aad-dave", Name: "Dave Kowalski"}}}},
		{"twice, one entity", "<@dave> and <@dave>", "<at>Dave Kowalski</at> and <at>Dave Kowalski</at>",
			[]msapi.Entity{{Type: "mention", Text: "<at>Dave Kowalski</at>", Mentioned: &msapi.Account{ID: "aad-dave", Name: "Dave Kowalski"}}}},
		{"no Teams id", "Escalated to <@hana>.", "Escalated to Hana Sato.", nil},
		{"escaped, lines and code", "Post it with `/incident update <text>`\nA & B", "Post it with <code>incident update &lt;text&gt;</code><br>A &amp; B", nil},
		{"slash command", "/incident help, see https://status.example/incident/4", "incident help, see https://status.example/incident/4", nil},
		{"channel", "War room <#19:room@thread.tacv2> is open.", `War room <a href="https://teams.example/l/channel/19%3Aroom?a=1&amp;b=2">mi-4-payments-down</a> is open.`, nil},
		{"unknown channel", "In <#19:other>.", "In the war room.", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, entities := a.messageText(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.entities, entities); diff != "" {
				t.Errorf("entities (-want +got):\n%s", diff)
			}
		})
	}
}

package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func TestIntakeEmail(t *testing.T) {
	const section = `intake:
  email:
    to: [Incidents@Example.com, desk@example.org]
    allowed_domains: [Example.com, corp.example.net]
    impact: medium
`
	tests := []struct {
		name string
		text string
		want mim.EmailIntake
	}{
		{name: "absent: off, with low defaults", text: base, want: mim.EmailIntake{Impact: mim.Low, Urgency: mim.Low}},
		{name: "set, lowercased, urgency defaults to low", text: base + section, want: mim.EmailIntake{
			To: []string{"incidents@example.com", "desk@example.org"}, AllowedDomains: []string{"example.com", "corp.example.net"},
			Impact: mim.Medium, Urgency: mim.Low}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParse(t, tt.text)
			if diff := cmp.Diff(tt.want, cfg.Intake.Email); diff != "" {
				t.Errorf("intake.email (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIntakeEmailProblems(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    []Problem
	}{
		{name: "unknown key", section: "intake:\n  email:\n    from: [x]\n",
			want: []Problem{{"intake.email.from", "unknown key"}}},
		{name: "unknown channel", section: "intake:\n  fax: {}\n",
			want: []Problem{{"intake.fax", "unknown key"}}},
		{name: "not an address", section: "intake:\n  email:\n    to: [incidents, \"Desk <desk@example.com>\"]\n",
			want: []Problem{
				{"intake.email.to[0]", `"incidents" is not an e-mail address (use a bare address such as incidents@example.com)`},
				{"intake.email.to[1]", `"Desk <desk@example.com>" is not an e-mail address (use a bare address such as incidents@example.com)`},
			}},
		{name: "twice", section: "intake:\n  email:\n    to: [a@example.com, A@example.com]\n",
			want: []Problem{{"intake.email.to[1]", `"A@example.com" is listed twice`}}},
		{name: "not a domain", section: "intake:\n  email:\n    allowed_domains: [\"@example.com\", exa_mple.com]\n",
			want: []Problem{
				{"intake.email.allowed_domains[0]", `"@example.com" is not a domain (use the part after the @, such as example.com)`},
				{"intake.email.allowed_domains[1]", `"exa_mple.com" is not a domain (use the part after the @, such as example.com)`},
			}},
		{name: "bad level", section: "intake:\n  email:\n    impact: huge\n    urgency: \"\"\n",
			want: []Problem{
				{"intake.email.impact", `"huge" is not a level (use high, medium or low)`},
				{"intake.email.urgency", "required (high, medium or low)"},
			}},
		{name: "to is not a list", section: "intake:\n  email:\n    to: incidents@example.com\n",
			want: []Problem{{"intake.email.to", "must be a list, such as [incidents@example.com]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, base+tt.section)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

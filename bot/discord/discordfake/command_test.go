package discordfake

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func incidentCommands() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{
		{
			Name: "incident", Description: "Manage incidents",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "open", Description: "Open an incident", Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: "title", Description: "What broke", Required: true},
					{Type: discordgo.ApplicationCommandOptionString, Name: "severity", Description: "How bad", Choices: []*discordgo.ApplicationCommandOptionChoice{
						{Name: "SEV1", Value: "sev1"}, {Name: "SEV2", Value: "sev2"},
					}},
				}},
			},
		},
		{Type: discordgo.UserApplicationCommand, Name: "Page On-call"},
	}
}

func TestBulkOverwriteValidation(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	many := func(n int) []*discordgo.ApplicationCommand {
		out := make([]*discordgo.ApplicationCommand, n)
		for i := range out {
			out[i] = &discordgo.ApplicationCommand{Name: "cmd-" + strconv.Itoa(i), Description: "d"}
		}
		return out
	}
	tests := []struct {
		name      string
		cmds      []*discordgo.ApplicationCommand
		wantCode  int
		wantField string
	}{
		{name: "valid set", cmds: incidentCommands()},
		{name: "uppercase chat name", cmds: []*discordgo.ApplicationCommand{{Name: "Incident", Description: "d"}}, wantCode: CodeInvalidFormBody, wantField: "0.name"},
		{name: "33 character name", cmds: []*discordgo.ApplicationCommand{{Name: strings.Repeat("a", 33), Description: "d"}}, wantCode: CodeInvalidFormBody, wantField: "0.name"},
		{name: "space in chat name", cmds: []*discordgo.ApplicationCommand{{Name: "open incident", Description: "d"}}, wantCode: CodeInvalidFormBody, wantField: "0.name"},
		{name: "missing description", cmds: []*discordgo.ApplicationCommand{{Name: "incident"}}, wantCode: CodeInvalidFormBody, wantField: "0.description"},
		{name: "101 character description", cmds: []*discordgo.ApplicationCommand{{Name: "incident", Description: strings.Repeat("d", 101)}}, wantCode: CodeInvalidFormBody, wantField: "0.description"},
		{name: "context menu with description", cmds: []*discordgo.ApplicationCommand{{Type: discordgo.MessageApplicationCommand, Name: "Quote", Description: "no"}}, wantCode: CodeInvalidFormBody, wantField: "0.description"},
		{name: "duplicate names", cmds: []*discordgo.ApplicationCommand{{Name: "a", Description: "d"}, {Name: "a", Description: "d"}}, wantCode: CodeInvalidFormBody, wantField: "1.name"},
		{name: "required after optional", cmds: []*discordgo.ApplicationCommand{{Name: "a", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "x", Description: "d"},
			{Type: discordgo.ApplicationCommandOptionString, Name: "y", Description: "d", Required: true},
		}}}, wantCode: CodeInvalidFormBody, wantField: "0.options.1.required"},
		{name: "101 chat input commands", cmds: many(101), wantCode: CodeMaxApplicationCommands},
		{name: "131 commands", cmds: many(131), wantCode: CodeInvalidFormBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ApplicationCommandBulkOverwrite(f.ApplicationID(), testGuild, tc.cmds)
			if tc.wantCode != 0 {
				e := errorOf(t, err)
				if e.Status != http.StatusBadRequest || e.Code != tc.wantCode || (tc.wantField != "" && e.fieldCode(tc.wantField) == "") {
					t.Fatalf("got %+v, want 400 %d on %q", e, tc.wantCode, tc.wantField)
				}
				if n := len(f.Commands()); n != len(incidentCommands()) {
					t.Fatalf("a rejected overwrite changed the registry: %d commands", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.cmds) || got[0].ID == "" || got[0].Version == "" || got[0].GuildID != testGuild {
				t.Fatalf("response %+v", got)
			}
		})
	}
}

func TestBulkOverwriteKeepsIDs(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	first, err := s.ApplicationCommandBulkOverwrite(f.ApplicationID(), testGuild, incidentCommands())
	if err != nil {
		t.Fatal(err)
	}
	changed := incidentCommands()
	changed[0].Description = "Manage incidents (v2)"
	tests := []struct {
		name        string
		cmds        []*discordgo.ApplicationCommand
		wantSameVer []bool
	}{
		{name: "identical overwrite keeps ids and versions", cmds: incidentCommands(), wantSameVer: []bool{true, true}},
		{name: "changed description keeps id, bumps version", cmds: changed, wantSameVer: []bool{false, true}},
	}
	prev := first
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ApplicationCommandBulkOverwrite(f.ApplicationID(), testGuild, tc.cmds)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i].ID != first[i].ID {
					t.Fatalf("command %s changed id %s -> %s", got[i].Name, first[i].ID, got[i].ID)
				}
				if (got[i].Version == prev[i].Version) != tc.wantSameVer[i] {
					t.Fatalf("command %s version %s -> %s", got[i].Name, prev[i].Version, got[i].Version)
				}
			}
			prev = got
		})
	}
	if _, err := s.ApplicationCommandBulkOverwrite(f.ApplicationID(), testGuild, incidentCommands()[:1]); err != nil {
		t.Fatal(err)
	}
	listed, err := s.ApplicationCommands(f.ApplicationID(), testGuild)
	if err != nil || len(listed) != 1 || listed[0].ID != first[0].ID || len(f.Commands()) != 1 {
		t.Fatalf("after dropping one: %v %+v", err, listed)
	}
	if len(listed[0].Options) != 1 || len(listed[0].Options[0].Options) != 2 {
		t.Fatalf("options not kept: %+v", listed[0].Options)
	}
	_, err = s.ApplicationCommandBulkOverwrite("123456789012345678", testGuild, incidentCommands())
	if e := errorOf(t, err); e.Code != CodeMissingAccess {
		t.Fatalf("other application: %+v", e)
	}
}

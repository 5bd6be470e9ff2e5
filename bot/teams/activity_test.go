package teams

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
	"mimbot/internal/config"
	"mimbot/mim"
)

// configOnly is a bot.Surface that only knows the configuration: enough to parse
// activities and render text.
type configOnly struct {
	bot.Surface
	cfg *mim.Config
}

func (s configOnly) Config() *mim.Config { return s.cfg }

func parsingAdapter(t testing.TB) *Adapter {
	t.Helper()
	a, err := NewAdapter(Config{AppID: "app-1", AppPassword: "secret", TenantID: "tenant", TeamID: "team"}, configOnly{cfg: config.Demo()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.members["29:known"] = "aad-known"
	return a
}

func mention(id, name, aad string) msapi.Entity {
	return msapi.Entity{Type: "mention", Text: "<at>" + name + "</at>", Mentioned: &msapi.Account{ID: id, Name: name, AADObjectID: aad}}
}

// TestCommandText: the bot's mention goes, other people's become <@entra-id>, the
// markup is stripped and its entities unescaped, line breaks kept.
func TestCommandText(t *testing.T) {
	botMention := mention("28:app-1", "mimbot", "")
	tests := []struct {
		name     string
		text     string
		entities []msapi.Entity
		want     string
		lookUp   []string
	}{
		{"bot mention removed", "<at>mimbot</at> incident status", []msapi.Entity{botMention}, "incident status", nil},
		{"entities unescaped", "<at>mimbot</at>&nbsp;incident note DB &amp; cache &lt;eu&gt; failed over", []msapi.Entity{botMention},
			"incident note DB & cache <eu> failed over", nil},
		{"markup stripped, lines kept", "<div><at>mimbot</at> incident note <b>first</b> line<br>second&nbsp; line</div>", []msapi.Entity{botMention},
			"incident note first line\nsecond line", nil},
		{"mention with its object id", "<at>mimbot</at> incident assign im <at>Bob Smith</at>", []msapi.Entity{botMention, mention("29:bob", "Bob Smith", "aad-bob")},
			"incident assign im <@aad-bob>", nil},
		{"mention known from a lookup", "<p><at>mimbot</at> incident page <at>Kim</at></p>", []msapi.Entity{botMention, mention("29:known", "Kim", "")},
			"incident page <@aad-known>", nil},
		{"mention by object id", "<at>mimbot</at> incident page <at>Lee</at>", []msapi.Entity{botMention, mention("aad-lee", "Lee", "")},
			"incident page <@aad-lee>", nil},
		{"mention to look up", "<at>mimbot</at> incident page <at>Max</at>", []msapi.Entity{botMention, mention("29:max", "Max", "")},
			"incident page someone", []string{"29:max"}},
		{"bot mentioned by app id", "<at>mimbot</at> incident list", []msapi.Entity{mention("app-1", "mimbot", "")}, "incident list", nil},
		{"a name like the bot's is someone else", "<at>mimbot</at> incident page <at>mimbot</at>", []msapi.Entity{botMention, mention("29:known", "mimbot", "")},
			"incident page <@aad-known>", nil},
		{"personal chat, no mention", "incident help", nil, "incident help", nil},
	}
	a := parsingAdapter(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			act := &msapi.Activity{Type: "message", Text: tc.text, Entities: tc.entities}
			if diff := cmp.Diff(tc.want, a.commandText(act)); diff != "" {
				t.Errorf("commandText (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.lookUp, a.mentionsToLook(act)); diff != "" {
				t.Errorf("mentionsToLook (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGrammar: only `incident ...` is a command.
func TestGrammar(t *testing.T) {
	tests := []struct {
		text, want string
		ok         bool
	}{
		{"incident declare Payments down", "declare Payments down", true},
		{"Incident status", "status", true},
		{"/incident list", "list", true},
		{"incident", "", true},
		{"declare Payments down", "", false},
		{"incidents are fun", "", false},
	}
	for _, tc := range tests {
		got, ok := grammar(tc.text)
		if got != tc.want || ok != tc.ok {
			t.Errorf("grammar(%q) = %q, %v; want %q, %v", tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

// TestSubmission: a card's buttons and forms become the grammar's commands.
func TestSubmission(t *testing.T) {
	tests := []struct {
		name, value     string
		command, refuse string
	}{
		{"ack", `{"mimbot":"ack","incident":4}`, "ack incident=4", ""},
		{"update with an input's string number", `{"mimbot":"update","incident":"4","text":"DB failed over; retry=3 did not help"}`,
			`update "DB failed over; retry=3 did not help" incident=4`, ""},
		{"update without text", `{"mimbot":"update","incident":4,"text":"  "}`, "", "Write what people need to know in the box first; nothing was posted."},
		{"resolve", `{"mimbot":"resolve","incident":4,"text":"Rolled \"back\""}`, `resolve "Rolled 'back'" incident=4`, ""},
		{"reopen", `{"mimbot":"reopen","incident":4,"text":"still broken"}`, `reopen reason="still broken" incident=4`, ""},
		{"confirm", `{"mimbot":"confirm","incident":4}`, "confirm incident=4", ""},
		{"declare form", `{"mimbot":"declare","title":"Payments down","impact":"High","urgency":"high","towers":"application,database"}`,
			`declare "Payments down" impact=high urgency=high towers=application,database`, ""},
		{"declare without title", `{"mimbot":"declare","impact":"high"}`, "", "Give the incident a title, such as: Payments down in the EU. Nothing was declared."},
		{"Action.Execute", `{"action":{"type":"Action.Execute","verb":"ack","data":{"incident":7}}}`, "ack incident=7", ""},
		{"no incident", `{"mimbot":"ack"}`, "", "This card is out of date; type the command instead, such as `incident status`."},
		{"unknown button", `{"mimbot":"explode","incident":2}`, "", "This button is out of date."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := readSubmission(json.RawMessage(tc.value))
			if !ok {
				t.Fatalf("readSubmission(%s) not ok", tc.value)
			}
			cmd, problem := s.command()
			if cmd != tc.command || problem != tc.refuse {
				t.Errorf("command() = %q, %q; want %q, %q", cmd, problem, tc.command, tc.refuse)
			}
			if cmd != "" {
				if _, err := bot.Parse(cmd); err != nil {
					t.Errorf("the grammar refuses %q: %v", cmd, err)
				}
			}
		})
	}
}

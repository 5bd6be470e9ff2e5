package teams

import (
	"encoding/json"
	"strings"
	"testing"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
)

// FuzzActivity: whatever a message's text, mention entities and card value say,
// reading them neither panics nor leaves a mention mark in the command, and a button's
// command is one the grammar reads.
func FuzzActivity(f *testing.F) {
	f.Add("<at>mimbot</at> incident note a &amp; b<br>c", "<at>mimbot</at>", "28:app-1", `{"mimbot":"update","incident":3,"text":"x=1 \"y\""}`)
	f.Add("<p>incident page <at>Kim</at></p>", "<at>Kim</at>", "29:known", `{"action":{"verb":"ack","data":{"incident":"2"}}}`)
	f.Add("incident \x000\x00 x", "\x000\x00", "29:x", `{"mimbot":"declare","title":"a\nb","towers":"a, b"}`)
	a := &Adapter{cfg: Config{AppID: "app-1"}, botID: "28:app-1", members: map[string]string{"29:known": "aad-known"}}
	f.Fuzz(func(t *testing.T, text, entity, id, value string) {
		act := &msapi.Activity{Type: "message", Text: text, Entities: []msapi.Entity{
			{Type: "mention", Text: entity, Mentioned: &msapi.Account{ID: id}},
			{Type: "mention", Text: "<at>mimbot</at>", Mentioned: &msapi.Account{ID: "28:app-1"}},
		}}
		out := a.commandText(act)
		if strings.Contains(out, "\x00") {
			t.Errorf("commandText(%q) = %q keeps a mark", text, out)
		}
		_ = a.mentionsToLook(act)
		s, ok := readSubmission(json.RawMessage(value))
		if !ok {
			return
		}
		cmd, problem := s.command()
		if problem == "" && s.Button != "declare" {
			if _, err := bot.Parse(cmd); err != nil {
				t.Errorf("value %s gives %q, which the grammar refuses: %v", value, cmd, err)
			}
		}
	})
}

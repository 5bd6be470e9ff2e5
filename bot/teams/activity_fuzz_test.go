package teams

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
)

// FuzzTeamsActivity feeds activities as Teams could send them (any text, entities,
// card values) through what the adapter reads of them. Nothing may panic; no mention
// mark may leak into a command; a card's button always makes a line the grammar
// takes, or a problem to tell the person; and what the bot writes back is valid UTF-8
// when what came in was.
func FuzzTeamsActivity(f *testing.F) {
	seeds := []msapi.Activity{
		{Type: "message", Text: "<at>mimbot</at> incident declare Payments down impact=high",
			Entities: []msapi.Entity{{Type: "mention", Text: "<at>mimbot</at>", Mentioned: &msapi.Account{ID: "28:app-1", Name: "mimbot"}}}},
		{Type: "message", Text: "<p>incident assign im <at>Bob</at>&nbsp;now</p><br>",
			Entities: []msapi.Entity{{Type: "mention", Text: "<at>Bob</at>", Mentioned: &msapi.Account{ID: "29:known", Name: "Bob"}}}},
		{Type: "message", Value: json.RawMessage(`{"mimbot":"update","incident":"4","text":"Failing \"over\" x=y"}`)},
		{Type: "invoke", Name: "adaptiveCard/action", Value: json.RawMessage(`{"action":{"verb":"declare","data":{"title":"Payments","impact":"high","towers":"a, b"}}}`)},
		{Type: "message", Text: "\x00" + "0\x00 <at></at> <at>x</at>", Entities: []msapi.Entity{{Type: "mention", Text: "<at>x</at>", Mentioned: &msapi.Account{ID: "29:x"}}}},
	}
	for _, s := range seeds {
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	a := parsingAdapter(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var act msapi.Activity
		if json.Unmarshal(data, &act) != nil {
			return
		}
		text := a.commandText(&act)
		if strings.Contains(text, "\x00") {
			t.Fatalf("a mention mark leaked into %q", text)
		}
		if rest, ok := grammar(text); ok {
			_, _ = bot.Parse(rest)
		}
		if len(act.Value) > 0 {
			if s, ok := readSubmission(act.Value); ok {
				line, problem := s.command()
				if line == "" && problem == "" {
					t.Fatalf("submission %+v makes neither a command nor a problem", s)
				}
				if line != "" {
					if _, err := bot.Parse(line); err != nil {
						t.Fatalf("submission %+v makes %q, which the grammar refuses: %v", s, line, err)
					}
				}
			}
		}
		out, _ := a.messageText(act.Text)
		if utf8.ValidString(act.Text) && !utf8.ValidString(out) {
			t.Fatalf("messageText(%q) = %q is not valid UTF-8", act.Text, out)
		}
	})
}

package llm

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"mimbot/mim"
)

// mentionish is what a chat platform could turn into a notification: @name, @here,
// <@U123>, <!channel>, <#C1>, <@&role>. A kept statement must hold none of them.
func mentionish(s string) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '<' && i+1 < len(s) && strings.ContainsRune("@!#", rune(s[i+1])) && strings.Contains(s[i+1:], ">"):
			return true
		case s[i] == '@' && i+1 < len(s):
			r, _ := utf8.DecodeRuneInString(s[i+1:])
			if r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsNumber(r) {
				return true
			}
		}
	}
	return false
}

// FuzzDecodeDraft feeds decodeDraft what an LLM might answer, then Validate against a
// timeline of entries entries: nothing panics, and what is kept cites only existing
// entries, is not empty, is bounded, and can mention nobody.
func FuzzDecodeDraft(f *testing.F) {
	for _, s := range []struct {
		content string
		entries uint8
	}{
		{`{"narrative":[{"text":"Payments failed at 10:02","cites":[1,2]}],"contributing_factors":[],"rca_questions":[],"action_items":[]}`, 3},
		{`{"narrative":[{"text":"@here <!channel> <@U123> ping @everyone","cites":[1]}],"contributing_factors":[{"text":"x","cites":[0,9]}],"rca_questions":[],"action_items":[]}`, 2},
		{`{"narrative":[{"text":"@@everyone <<@U1>> <@<!here>>","cites":[1]}],"contributing_factors":[],"rca_questions":[],"action_items":[]}`, 1},
		{`{"narrative":[],"contributing_factors":[],"rca_questions":[],"action_items":[]} trailing`, 1},
		{`{"narrative":[{"text":"no cites"}],"contributing_factors":[],"rca_questions":[],"action_items":[]}`, 1},
		{`{"narrative":null}`, 0},
		{`{"narrative":[],"extra":1}`, 5},
		{`{"narrative":[{"text":"` + strings.Repeat("é", 700) + `","cites":[1]}],"contributing_factors":[],"rca_questions":[],"action_items":[{"text":" ","cites":[1]}]}`, 1},
		{`[1,2,3]`, 1}, {``, 0}, {`{`, 0},
	} {
		f.Add(s.content, s.entries)
	}
	f.Fuzz(func(t *testing.T, content string, entries uint8) {
		d, err := decodeDraft(content)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "decode draft: ") {
				t.Fatalf("decodeDraft error %q lacks its prefix", err)
			}
			return
		}
		clean, _ := d.Validate(int(entries))
		for name, sts := range map[string][]mim.Statement{"narrative": clean.Narrative, "contributing_factors": clean.Factors, "rca_questions": clean.Questions, "action_items": clean.Actions} {
			if len(sts) > 8 {
				t.Errorf("%s keeps %d statements, want at most 8", name, len(sts))
			}
			for i, st := range sts {
				if strings.TrimSpace(st.Text) == "" || len(st.Cites) == 0 {
					t.Errorf("%s[%d] kept without text or cites: %+v", name, i, st)
				}
				for _, c := range st.Cites {
					if c < 1 || c > int(entries) {
						t.Errorf("%s[%d] cites entry %d of %d", name, i, c, entries)
					}
				}
				if mentionish(st.Text) {
					t.Errorf("%s[%d] keeps a mention: %q", name, i, st.Text)
				}
				if n := utf8.RuneCountInString(st.Text); n > 601 {
					t.Errorf("%s[%d] is %d characters long", name, i, n)
				}
			}
		}
	})
}

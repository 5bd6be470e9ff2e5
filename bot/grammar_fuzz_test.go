package bot

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mimbot/mim"
)

// render writes cmd back as a line Parse reads: the verb, the sub-verb, the options
// quoted after key=, and the text as one quoted word, so that an a=b inside it stays
// text.
func render(cmd Command) string {
	parts := []string{cmd.Verb}
	if cmd.Sub != "" {
		parts = append(parts, cmd.Sub)
	}
	for _, k := range slices.Sorted(maps.Keys(cmd.Args)) {
		parts = append(parts, k+`="`+cmd.Args[k]+`"`)
	}
	if cmd.Text != "" {
		parts = append(parts, `"`+cmd.Text+`"`)
	}
	return strings.Join(parts, " ")
}

// FuzzParse checks that Parse never panics, that what it accepts names a known verb,
// sub-verb and options, holds no quote characters, and reads the same when written
// back, and that what it refuses is a message for the user (EINVALID).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "help", "declare Payments down impact=high urgency=high towers=application,database",
		`declare "Checkout a=b" model=payments`, `task add "Call the bank" owner=dave incident=3`,
		"summary approve incident=1", "summary the narrative", `assign im erin incident=2`,
		`note “curly quotes” and "straight" ones`, `priority impact=low impact=high`,
		`update towers=x`, "escalate", "TASK DONE 2", "reopen reason=\"flapping\tagain\"",
		"declare \xff\xfe impact=", `note "unterminated`, `snooze reason=""`, `cancel "" ""`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := Parse(line)
		if err != nil {
			if mim.ErrorCode(err) != mim.EINVALID || mim.ErrorMessage(err) == "" {
				t.Fatalf("Parse(%q) = %v: not a message for the user", line, err)
			}
			return
		}
		spec, ok := verbs[cmd.Verb]
		if !ok {
			t.Fatalf("Parse(%q) accepted the unknown verb %q", line, cmd.Verb)
		}
		if cmd.Sub != "" && !slices.Contains(spec.subs, cmd.Sub) {
			t.Fatalf("Parse(%q): sub-verb %q is not one of %s's", line, cmd.Sub, cmd.Verb)
		}
		if cmd.Sub == "" && len(spec.subs) > 0 && !spec.optional {
			t.Fatalf("Parse(%q): %s without its sub-verb", line, cmd.Verb)
		}
		for k, v := range cmd.Args {
			if !isKey(k) || k != strings.ToLower(k) || (k != "incident" && !slices.Contains(spec.keys, k)) {
				t.Fatalf("Parse(%q): option %q is not one %s takes", line, k, cmd.Verb)
			}
			if strings.ContainsAny(v, "\"“”") {
				t.Fatalf("Parse(%q): option %s=%q keeps a quote", line, k, v)
			}
		}
		if strings.ContainsAny(cmd.Text, "\"“”") {
			t.Fatalf("Parse(%q): text %q keeps a quote", line, cmd.Text)
		}
		again, err := Parse(render(cmd))
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its rendering %q is refused: %v", line, cmd, render(cmd), err)
		}
		if diff := cmp.Diff(cmd, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("Parse(%q) then Parse(%q) differ (-first +again):\n%s", line, render(cmd), diff)
		}
	})
}

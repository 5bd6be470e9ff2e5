package bot

import (
	"slices"
	"strings"

	"mimbot/mim"
)

// Command is one parsed `/incident` line.
type Command struct {
	Verb string            // declare, update, task, ...
	Sub  string            // for task (add, done, list), assign (im, comms, owner), escalate, model
	Text string            // the free text, quotes removed
	Args map[string]string // key=value options
}

// verbs lists every verb, its sub-verbs and the options it takes (besides incident=).
var verbs = map[string]struct {
	subs     []string
	keys     []string
	optional bool // the sub-verb may be left out
}{
	"declare":    {keys: []string{"impact", "urgency", "towers", "model"}},
	"status":     {},
	"update":     {},
	"priority":   {keys: []string{"impact", "urgency", "reason"}},
	"page":       {},
	"ack":        {},
	"assign":     {subs: []string{"im", "comms", "owner"}},
	"take":       {},
	"confirm":    {},
	"queue":      {keys: []string{"tower"}},
	"escalate":   {subs: []string{"functional", "hierarchical"}},
	"task":       {subs: []string{"add", "done", "list"}, keys: []string{"owner"}},
	"note":       {},
	"snooze":     {keys: []string{"reason"}},
	"diagnose":   {},
	"workaround": {},
	"resolve":    {},
	"close":      {},
	"cancel":     {keys: []string{"reason"}},
	"reopen":     {keys: []string{"reason"}},
	"summary":    {subs: []string{"approve"}, optional: true},
	"model":      {subs: []string{"save"}},
	"list":       {},
	"oncall":     {},
	"help":       {},
	"problem":    {subs: []string{"show", "rca", "workaround", "known", "close"}, keys: []string{"change"}},
	"known":      {subs: []string{"list", "search"}},
	"action":     {subs: []string{"add", "done", "list"}, keys: []string{"owner", "due"}},
}

// verbNames lists the verbs in the order of the help text.
var verbNames = []string{"declare", "status", "update", "priority", "page", "ack", "assign", "take", "escalate", "task", "note", "snooze", "diagnose", "workaround", "resolve", "confirm", "close", "cancel", "reopen", "summary", "model", "problem", "known", "action", "queue", "list", "oncall", "help"}

// Parse reads the text after `/incident`. Words of the form key=value are options
// when key is one the verb takes (or incident); a quoted "a=b" stays text.
func Parse(text string) (Command, error) {
	words, quoted := split(text)
	if len(words) == 0 {
		return Command{Verb: "help"}, nil
	}
	cmd := Command{Verb: strings.ToLower(words[0]), Args: map[string]string{}}
	spec, ok := verbs[cmd.Verb]
	if !ok {
		return cmd, mim.Errorf(mim.EINVALID, "Unknown command %q. Commands: %s. Try `help`.", words[0], strings.Join(verbNames, ", "))
	}
	words, quoted = words[1:], quoted[1:]
	if len(spec.subs) > 0 && !(spec.optional && (len(words) == 0 || !slices.Contains(spec.subs, strings.ToLower(words[0])))) {
		if len(words) == 0 || !slices.Contains(spec.subs, strings.ToLower(words[0])) {
			return cmd, mim.Errorf(mim.EINVALID, "%s needs one of: %s. Example: %s", cmd.Verb, strings.Join(spec.subs, ", "), examples[cmd.Verb])
		}
		cmd.Sub = strings.ToLower(words[0])
		words, quoted = words[1:], quoted[1:]
	}
	var rest []string
	for i, w := range words {
		k, v, isOpt := strings.Cut(w, "=")
		if !isOpt || quoted[i] || !isKey(k) {
			rest = append(rest, w)
			continue
		}
		k = strings.ToLower(k)
		if k != "incident" && !slices.Contains(spec.keys, k) {
			takes := append(slices.Clone(spec.keys), "incident")
			return cmd, mim.Errorf(mim.EINVALID, "%s does not take %s=; it takes %s=. To use \"%s\" as text, quote it.", cmd.Verb, k, strings.Join(takes, "=, "), w)
		}
		if _, dup := cmd.Args[k]; dup {
			return cmd, mim.Errorf(mim.EINVALID, "%s= is given twice.", k)
		}
		cmd.Args[k] = v
	}
	cmd.Text = strings.Join(rest, " ")
	return cmd, nil
}

// isKey tells whether k looks like an option name (letters and underscores).
func isKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	return true
}

// split cuts text into words; double quotes group words (and may follow key=), and
// quoted[i] reports whether word i was entirely quoted.
func split(text string) (words []string, quoted []bool) {
	var b strings.Builder
	in, started, whole := false, false, false
	flush := func() {
		if started {
			words = append(words, b.String())
			quoted = append(quoted, whole)
		}
		b.Reset()
		started, whole = false, false
	}
	for _, r := range text {
		switch {
		case r == '"' || r == '“' || r == '”':
			if !started {
				whole = true
			}
			in = !in
			started = true
		case !in && (r == ' ' || r == '\t' || r == '\n'):
			flush()
		default:
			if !in && whole && started {
				whole = false // text after a closing quote
			}
			b.WriteRune(r)
			started = true
		}
	}
	flush()
	return words, quoted
}

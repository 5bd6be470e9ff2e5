package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// reader walks the YAML node tree rather than decoding into structs, because only the
// tree knows the key path of every value: a problem then names the key as the operator
// wrote it, and reading goes on after it so that every problem is reported at once.
type reader struct {
	problems []Problem
}

func (r *reader) addf(key, format string, args ...any) {
	r.problems = append(r.problems, Problem{Key: key, Reason: fmt.Sprintf(format, args...)})
}

// document parses data into the root node of its single YAML document; nil for an empty
// file.
func document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	// A second document would otherwise be ignored without a word.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	default:
		return nil, fmt.Errorf("line %d: a second YAML document; the configuration is a single document", next.Line)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxReason is the reason for a file that is not YAML, with the line number.
//
// yaml.v3 numbers lines from 1 for scanner errors but from 0 for parser errors (it
// reports the 0-based mark where the construct began), so a parser error would point
// at the line above the one to look at. Parser errors are the few problems below.
func syntaxReason(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	var problem string
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		_, problem, _ = strings.Cut(msg, ": ")
	} else {
		problem = msg
	}
	switch problem {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected key", "did not find expected node content",
		"found duplicate %TAG directive", "found duplicate %YAML directive",
		"found incompatible YAML document", "found undefined tag handle":
		// Without a line, the mark was on line 0: the first line.
		msg = fmt.Sprintf("line %d: %s", line+1, problem)
	}
	return "YAML syntax: " + msg
}

// resolve follows aliases (*anchor) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// absent tells whether a value is missing or null (a key with nothing after it).
func absent(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func join(path, key string) string {
	if key == "" {
		key = `""` // an empty or null key (a bare "?"), still named in a problem
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// entry is one key and value of a mapping.
type entry struct {
	key   string
	path  string
	value *yaml.Node
}

// entries returns the pairs of the mapping at path in document order, with merge keys
// (<<: *anchor) expanded; a missing or null mapping is empty. ok is false when the value
// is not a mapping (a problem is recorded, saying what was expected: want).
func (r *reader) entries(n *yaml.Node, path, want string) (es []entry, ok bool) {
	n = resolve(n)
	if absent(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		r.addf(path, "must be a mapping of %s", want)
		return nil, false
	}
	seen := map[string]int{} // key -> line of its first occurrence
	var merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, r.merged(v, path, want)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			r.addf(path, "line %d: a key must be plain text", k.Line)
			continue
		}
		if line, dup := seen[k.Value]; dup {
			r.addf(join(path, k.Value), "duplicate key (first set on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		es = append(es, entry{key: k.Value, path: join(path, k.Value), value: v})
	}
	// Keys written in the mapping override merged ones; among merged mappings the
	// first one listed wins, as YAML's merge key specifies.
	for _, e := range merged {
		if _, dup := seen[e.key]; !dup {
			seen[e.key] = 0
			es = append(es, e)
		}
	}
	return es, true
}

// merged returns the entries that a merge key brings in: one mapping or a list of them.
func (r *reader) merged(v *yaml.Node, path, want string) []entry {
	v = resolve(v)
	if v != nil && v.Kind == yaml.SequenceNode {
		var out []entry
		for _, item := range v.Content {
			out = append(out, r.merged(item, path, want)...)
		}
		return out
	}
	if !absent(v) && v.Kind != yaml.MappingNode {
		// Named after the merge key: the mapping it sits in may be the whole file.
		r.addf(join(path, "<<"), "must be a mapping of %s, or a list of them", want)
		return nil
	}
	es, _ := r.entries(v, path, want)
	return es
}

// sorted returns the entries sorted by key, for the mappings whose keys the operator
// chooses (people, towers, models): problems then come out in a stable order.
func sorted(es []entry) []entry {
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	return es
}

// fields returns the values of a mapping with a fixed set of keys, reporting every other
// key as unknown.
func (r *reader) fields(n *yaml.Node, path string, known ...string) map[string]*yaml.Node {
	es, _ := r.entries(n, path, strings.Join(known, ", "))
	out := make(map[string]*yaml.Node, len(es))
	for _, e := range es {
		if !slices.Contains(known, e.key) {
			r.addf(e.path, "unknown key")
			continue
		}
		out[e.key] = e.value
	}
	return out
}

// text reads a scalar as written; "" when absent or not a scalar (a problem then).
// Scalars are taken as text whatever YAML would resolve them to, so that an unquoted
// Discord snowflake keeps all its digits.
func (r *reader) text(n *yaml.Node, path string) string {
	n = resolve(n)
	if absent(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.addf(path, "must be a single value, not a %s", kind(n))
		return ""
	}
	return n.Value
}

// item is one element of a list of text values.
type item struct {
	path  string
	value string
	ok    bool // false when the element is not a scalar (already reported)
}

// texts reads a list of text values; missing or null is an empty list.
func (r *reader) texts(n *yaml.Node, path, example string) []item {
	n = resolve(n)
	if absent(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.addf(path, "must be a list, such as %s", example)
		return nil
	}
	out := make([]item, len(n.Content))
	for i, el := range n.Content {
		el = resolve(el)
		p := index(path, i)
		out[i] = item{path: p}
		if absent(el) {
			out[i].ok = true
			continue
		}
		if el.Kind != yaml.ScalarNode {
			r.addf(p, "must be a single value, not a %s", kind(el))
			continue
		}
		out[i].value, out[i].ok = el.Value, true
	}
	return out
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	default:
		return "value"
	}
}

// duration reads a Go duration; ok is false when it is not one (a problem then).
func (r *reader) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s := r.text(n, path)
	if r.reported(path) {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		r.addf(path, "%q is not a duration (use Go syntax such as 90s, 15m, 4h)", s)
		return 0, false
	}
	return d, true
}

// positive reads a duration that must be more than zero: def when absent, or a problem
// "required" when there is no default (def 0).
func (r *reader) positive(n *yaml.Node, path string, def time.Duration) time.Duration {
	if absent(n) {
		if def == 0 {
			r.addf(path, "required (a duration such as 90s, 15m, 4h)")
		}
		return def
	}
	d, ok := r.duration(n, path)
	if ok && d <= 0 {
		r.addf(path, "must be more than 0")
	}
	return d
}

// validKey tells whether s is a key people can type in chat: ^[a-z0-9][a-z0-9_.-]*$.
func validKey(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return s != ""
}

// checkKey reports a name under path that is not a valid key; what names the kind.
func (r *reader) checkKey(e entry, what string) {
	if !validKey(e.key) {
		r.addf(e.path, "%q is not a valid %s: use lowercase letters, digits, _ . and -, starting with a letter or digit", e.key, what)
	}
}

package webhook_test

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

//go:embed schema.json
var schemaJSON []byte

// schema is the part of JSON Schema that schema.json uses.
type schema struct {
	Ref        string             `json:"$ref"`
	Type       any                `json:"type"` // "object" or ["string", "null"]
	Required   []string           `json:"required"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
	Enum       []any              `json:"enum"`
	Format     string             `json:"format"`
	Defs       map[string]*schema `json:"$defs"`
}

func loadSchema(t *testing.T) *schema {
	t.Helper()
	var s schema
	if err := json.Unmarshal(schemaJSON, &s); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return &s
}

// check reports where v does not follow s: a required key missing, a key the schema
// does not list (the schema must describe every key mimbot sends), a wrong type, a
// value outside an enum, a time that is not RFC 3339.
func check(root, s *schema, v any, path string) []string {
	if s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/$defs/")
		def := root.Defs[name]
		if !ok || def == nil {
			return []string{path + ": unknown $ref " + s.Ref}
		}
		return check(root, def, v, path)
	}
	var out []string
	if s.Type != nil && !typeOK(s.Type, v) {
		return []string{fmt.Sprintf("%s: %T is not of type %v", path, v, s.Type)}
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", path, v, s.Enum))
	}
	if str, ok := v.(string); ok && s.Format == "date-time" {
		if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
			out = append(out, fmt.Sprintf("%s: %q is not a date-time", path, str))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range s.Required {
			if _, ok := v[k]; !ok {
				out = append(out, path+": missing required key "+k)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := s.Properties[k]
			if !ok {
				out = append(out, path+"."+k+": not in the schema")
				continue
			}
			out = append(out, check(root, p, v[k], path+"."+k)...)
		}
	case []any:
		if s.Items != nil {
			for i, el := range v {
				out = append(out, check(root, s.Items, el, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

func typeOK(want, v any) bool {
	var types []string
	switch w := want.(type) {
	case string:
		types = []string{w}
	case []any:
		for _, x := range w {
			types = append(types, x.(string))
		}
	}
	var got string
	switch x := v.(type) {
	case nil:
		got = "null"
	case bool:
		got = "boolean"
	case string:
		got = "string"
	case float64:
		got = "number"
		if x == float64(int64(x)) && slices.Contains(types, "integer") {
			got = "integer"
		}
	case []any:
		got = "array"
	case map[string]any:
		got = "object"
	}
	return slices.Contains(types, got)
}

func TestCheckFindsWhatIsWrong(t *testing.T) {
	root := loadSchema(t)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"missing keys", `{"event": "declared"}`, []string{"$: missing required key at", "$: missing required key incident"}},
		{"unknown event", `{"event": "exploded", "at": "2026-03-02T10:00:00Z", "incident": {}}`, []string{"$.event: exploded is not one of"}},
		{"bad time", `{"event": "update", "at": "yesterday", "incident": {}}`, []string{`$.at: "yesterday" is not a date-time`}},
		{"unlisted key", `{"event": "update", "at": "2026-03-02T10:00:00Z", "incident": {}, "extra": 1}`, []string{"$.extra: not in the schema"}},
		{"wrong type", `{"event": "update", "at": "2026-03-02T10:00:00Z", "incident": {"number": "12"}}`, []string{"$.incident.number: string is not of type integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.body), &v); err != nil {
				t.Fatal(err)
			}
			got := check(root, root, v, "$")
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("want a problem starting %q, got %q", w, got)
				}
			}
		})
	}
}

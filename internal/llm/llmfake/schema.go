package llmfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// strictSchemaProblem checks the rules OpenAI applies to a json_schema sent
// with strict: true and describes the first violation, or returns "".
//
// The root must be an object schema, and every object schema reachable
// through properties, items, anyOf, $defs or definitions must set
// additionalProperties to false and list every property in required.
func strictSchemaProblem(raw json.RawMessage) string {
	var root any
	if err := json.Unmarshal(raw, &root); err != nil {
		return "schema is not valid JSON: " + err.Error()
	}
	m, _ := root.(map[string]any)
	if !isObjectSchema(m) {
		return fmt.Sprintf(`schema must be a JSON Schema of 'type: "object"', got 'type: "%v"'.`, m["type"])
	}
	return strictNodeProblem(m, nil)
}

func strictNodeProblem(node any, path []any) string {
	m, ok := node.(map[string]any)
	if !ok {
		return ""
	}
	if isObjectSchema(m) {
		if ap, has := m["additionalProperties"]; !has || ap != false {
			return fmt.Sprintf("In context=%s, 'additionalProperties' is required to be supplied and to be false.",
				formatContext(path))
		}
		props, _ := m["properties"].(map[string]any)
		required := map[string]bool{}
		if list, ok := m["required"].([]any); ok {
			for _, r := range list {
				if s, ok := r.(string); ok {
					required[s] = true
				}
			}
		}
		for _, key := range sortedKeys(props) {
			if !required[key] {
				return fmt.Sprintf("In context=%s, 'required' is required to be supplied and to be an array "+
					"including every key in properties. Missing '%s'.", formatContext(path), key)
			}
		}
		for _, key := range sortedKeys(props) {
			if p := strictNodeProblem(props[key], extend(path, "properties", key)); p != "" {
				return p
			}
		}
	}
	if p := strictNodeProblem(m["items"], extend(path, "items")); p != "" {
		return p
	}
	if list, ok := m["anyOf"].([]any); ok {
		for i, sub := range list {
			if p := strictNodeProblem(sub, extend(path, "anyOf", i)); p != "" {
				return p
			}
		}
	}
	for _, defsKey := range []string{"$defs", "definitions"} {
		defs, _ := m[defsKey].(map[string]any)
		for _, name := range sortedKeys(defs) {
			if p := strictNodeProblem(defs[name], extend(path, defsKey, name)); p != "" {
				return p
			}
		}
	}
	return ""
}

// isObjectSchema reports whether m describes an object: its type is
// "object" (alone or in a type list), or it has no type but has properties.
func isObjectSchema(m map[string]any) bool {
	switch t := m["type"].(type) {
	case string:
		return t == "object"
	case []any:
		return slices.Contains(t, any("object"))
	case nil:
		_, hasProps := m["properties"]
		return hasProps
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func extend(path []any, elems ...any) []any {
	return append(slices.Clone(path), elems...)
}

// formatContext renders a schema path like a Python tuple, as OpenAI's
// messages do: (), ('items',), ('properties', 'a').
func formatContext(path []any) string {
	parts := make([]string, len(path))
	for i, p := range path {
		if s, ok := p.(string); ok {
			parts[i] = "'" + s + "'"
		} else {
			parts[i] = fmt.Sprint(p)
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"mimbot/mim"
)

// schemaName names the response format in the request.
const schemaName = "post_incident_draft"

// draftSchema is the JSON schema of mim.Draft's JSON, written to OpenAI's rules for
// strict structured output: every object closed (additionalProperties false) and every
// property required. Each statement is spelled out rather than shared through $ref,
// which some OpenAI-compatible servers do not follow.
func draftSchema() (json.RawMessage, error) {
	statement := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"text", "cites"},
		"properties": map[string]any{
			"text": map[string]any{
				"type":        "string",
				"description": "One plain-text statement, under 400 characters.",
			},
			"cites": map[string]any{
				"type":        "array",
				"description": "Numbers of the timeline entries the statement rests on.",
				"items":       map[string]any{"type": "integer"},
			},
		},
	}
	section := func(description string) map[string]any {
		return map[string]any{"type": "array", "description": description, "items": statement}
	}
	schema := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"narrative", "contributing_factors", "rca_questions", "action_items"},
		"properties": map[string]any{
			"narrative":            section("What happened, in time order. At most 8 statements."),
			"contributing_factors": section("What caused the incident, made it worse or slowed its resolution. At most 8 statements."),
			"rca_questions":        section("Open questions for the root-cause analysis. At most 8 statements."),
			"action_items":         section("Concrete follow-up work the timeline suggests. At most 8 statements."),
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("encode draft schema: %w", err)
	}
	return b, nil
}

// wireDraft is mim.Draft with every field a pointer, to tell a missing field from an
// empty one: a local server may not enforce the schema, so decodeDraft does.
type wireDraft struct {
	Narrative *[]wireStatement `json:"narrative"`
	Factors   *[]wireStatement `json:"contributing_factors"`
	Questions *[]wireStatement `json:"rca_questions"`
	Actions   *[]wireStatement `json:"action_items"`
}

type wireStatement struct {
	Text  *string `json:"text"`
	Cites *[]int  `json:"cites"`
}

// decodeDraft reads content as a draft that follows draftSchema, or says how it does not.
func decodeDraft(content string) (mim.Draft, error) {
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	var w wireDraft
	if err := dec.Decode(&w); err != nil {
		return mim.Draft{}, fmt.Errorf("decode draft: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return mim.Draft{}, errors.New("decode draft: more data after the JSON object")
	}
	var d mim.Draft
	for _, s := range []struct {
		name string
		in   *[]wireStatement
		out  *[]mim.Statement
	}{
		{"narrative", w.Narrative, &d.Narrative},
		{"contributing_factors", w.Factors, &d.Factors},
		{"rca_questions", w.Questions, &d.Questions},
		{"action_items", w.Actions, &d.Actions},
	} {
		if s.in == nil {
			return mim.Draft{}, fmt.Errorf("decode draft: no %s", s.name)
		}
		for i, st := range *s.in {
			if st.Text == nil || st.Cites == nil {
				return mim.Draft{}, fmt.Errorf("decode draft: %s[%d] lacks text or cites", s.name, i)
			}
			*s.out = append(*s.out, mim.Statement{Text: *st.Text, Cites: *st.Cites})
		}
	}
	return d, nil
}

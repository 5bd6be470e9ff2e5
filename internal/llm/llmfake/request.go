package llmfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Request is an accepted chat-completion request as the server decoded it.
type Request struct {
	Model    string
	Messages []Message
	Stream   bool
	// IncludeUsage reports stream_options.include_usage.
	IncludeUsage bool
	// ResponseFormat is nil when the request had none.
	ResponseFormat *ResponseFormat
	// Header holds the HTTP request headers.
	Header http.Header
	// Body is the raw JSON body, for fields not decoded above.
	Body json.RawMessage
}

// Message is one entry of a request's messages array.
type Message struct {
	Role string
	// Content is the message text. For array content, the text parts are
	// concatenated in order; other parts are not represented.
	Content    string
	Name       string
	ToolCallID string
	// ToolCalls is the raw tool_calls array of an assistant message.
	ToolCalls json.RawMessage
}

// ResponseFormat is a request's response_format.
type ResponseFormat struct {
	// Type is "text", "json_object" or "json_schema".
	Type string
	// JSONSchema is set when Type is "json_schema".
	JSONSchema *JSONSchema
}

// JSONSchema is response_format.json_schema.
type JSONSchema struct {
	Name        string
	Description string
	// Schema is the raw JSON schema object, nil when none was sent.
	Schema json.RawMessage
	Strict bool
}

func (r Request) clone() Request {
	r.Messages = append([]Message(nil), r.Messages...)
	for i := range r.Messages {
		r.Messages[i].ToolCalls = bytes.Clone(r.Messages[i].ToolCalls)
	}
	if r.ResponseFormat != nil {
		rf := *r.ResponseFormat
		if rf.JSONSchema != nil {
			js := *rf.JSONSchema
			js.Schema = bytes.Clone(js.Schema)
			rf.JSONSchema = &js
		}
		r.ResponseFormat = &rf
	}
	r.Header = r.Header.Clone()
	r.Body = bytes.Clone(r.Body)
	return r
}

type wireRequest struct {
	Model          string          `json:"model"`
	Messages       *[]wireMessage  `json:"messages"`
	Stream         bool            `json:"stream"`
	StreamOptions  *streamOptions  `json:"stream_options"`
	ResponseFormat json.RawMessage `json:"response_format"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type wireMessage struct {
	Role         string          `json:"role"`
	Content      json.RawMessage `json:"content"`
	Name         string          `json:"name"`
	ToolCallID   string          `json:"tool_call_id"`
	ToolCalls    json.RawMessage `json:"tool_calls"`
	FunctionCall json.RawMessage `json:"function_call"`
}

type wireContentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireResponseFormat struct {
	Type       *string         `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema"`
}

type wireJSONSchema struct {
	Name        *string         `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Strict      *bool           `json:"strict"`
}

const (
	maxSchemaNameLen  = 64
	schemaNamePattern = "^[a-zA-Z0-9_-]+$"
)

func validRole(role string) bool {
	switch role {
	case "system", "developer", "user", "assistant", "tool", "function":
		return true
	}
	return false
}

func validPartType(typ string) bool {
	switch typ {
	case "text", "image_url", "input_audio", "file":
		return true
	}
	return false
}

// validSchemaName reports whether name matches schemaNamePattern.
func validSchemaName(name string) bool {
	for _, r := range name {
		ok := r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
		if !ok {
			return false
		}
	}
	return name != ""
}

// parseRequest decodes and validates a chat-completion body. The returned
// error is what the real API would answer with status 400.
func parseRequest(body []byte) (Request, *APIError) {
	var wr wireRequest
	if err := json.Unmarshal(body, &wr); err != nil {
		return Request{}, decodeError(err)
	}
	if wr.Model == "" {
		return Request{}, invalidRequest("", "", "you must provide a model parameter")
	}
	if wr.Messages == nil {
		return Request{}, invalidRequest("messages", "missing_required_parameter",
			"Missing required parameter: 'messages'.")
	}
	if len(*wr.Messages) == 0 {
		return Request{}, invalidRequest("messages", "empty_array",
			"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
	}
	req := Request{Model: wr.Model, Stream: wr.Stream, Body: body}
	if wr.StreamOptions != nil {
		if !wr.Stream {
			return Request{}, invalidRequest("stream_options", "",
				"The 'stream_options' parameter is only allowed when 'stream' is enabled.")
		}
		req.IncludeUsage = wr.StreamOptions.IncludeUsage
	}
	for i, wm := range *wr.Messages {
		m, apiErr := parseMessage(i, wm, *wr.Messages)
		if apiErr != nil {
			return Request{}, apiErr
		}
		req.Messages = append(req.Messages, m)
	}
	if !isNull(wr.ResponseFormat) {
		rf, apiErr := parseResponseFormat(wr.ResponseFormat, req.Messages)
		if apiErr != nil {
			return Request{}, apiErr
		}
		req.ResponseFormat = rf
	}
	return req, nil
}

func parseMessage(i int, wm wireMessage, all []wireMessage) (Message, *APIError) {
	at := fmt.Sprintf("messages[%d]", i)
	if wm.Role == "" {
		return Message{}, invalidRequest(at+".role", "missing_required_parameter",
			"Missing required parameter: '%s.role'.", at)
	}
	if !validRole(wm.Role) {
		return Message{}, invalidRequest(at+".role", "invalid_value",
			"Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
			wm.Role)
	}
	content, present, apiErr := parseContent(at+".content", wm.Content)
	if apiErr != nil {
		return Message{}, apiErr
	}
	hasCalls := !isNull(wm.ToolCalls) || !isNull(wm.FunctionCall)
	switch {
	case !present && wm.Role != "assistant":
		return Message{}, invalidRequest(at+".content", "missing_required_parameter",
			"Missing required parameter: '%s.content'.", at)
	case !present && !hasCalls:
		return Message{}, invalidRequest(at+".content", "missing_required_parameter",
			"Missing required parameter: '%s.content'. An assistant message needs content or tool_calls.", at)
	case wm.Role == "tool" && wm.ToolCallID == "":
		return Message{}, invalidRequest(at+".tool_call_id", "missing_required_parameter",
			"Missing required parameter: '%s.tool_call_id'.", at)
	case wm.Role == "tool" && !followsToolCalls(i, all):
		return Message{}, invalidRequest(at+".role", "",
			"Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.")
	}
	m := Message{Role: wm.Role, Content: content, Name: wm.Name, ToolCallID: wm.ToolCallID}
	if !isNull(wm.ToolCalls) {
		m.ToolCalls = wm.ToolCalls
	}
	return m, nil
}

// followsToolCalls reports whether the tool message at i answers an
// assistant message with tool_calls, possibly after other tool messages.
func followsToolCalls(i int, all []wireMessage) bool {
	for j := i - 1; j >= 0; j-- {
		switch all[j].Role {
		case "tool":
			continue
		case "assistant":
			return !isNull(all[j].ToolCalls)
		}
		return false
	}
	return false
}

// parseContent returns the text of a message's content, which may be a
// string or an array of typed parts, and whether content was present.
func parseContent(param string, raw json.RawMessage) (string, bool, *APIError) {
	if isNull(raw) {
		return "", false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true, nil
	}
	var parts []wireContentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", false, invalidRequest(param, "invalid_type",
			"Invalid type for '%s': expected one of a string or array of objects, but got %s instead.",
			param, jsonKind(raw))
	}
	var text strings.Builder
	for j, p := range parts {
		if !validPartType(p.Type) {
			return "", false, invalidRequest(fmt.Sprintf("%s[%d].type", param, j), "invalid_value",
				"Invalid value: '%s'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.", p.Type)
		}
		text.WriteString(p.Text)
	}
	return text.String(), true, nil
}

func parseResponseFormat(raw json.RawMessage, msgs []Message) (*ResponseFormat, *APIError) {
	var wrf wireResponseFormat
	if err := json.Unmarshal(raw, &wrf); err != nil {
		return nil, invalidRequest("response_format", "invalid_type",
			"Invalid type for 'response_format': expected an object, but got %s instead.", jsonKind(raw))
	}
	if wrf.Type == nil || *wrf.Type == "" {
		return nil, invalidRequest("response_format.type", "missing_required_parameter",
			"Missing required parameter: 'response_format.type'.")
	}
	rf := &ResponseFormat{Type: *wrf.Type}
	switch rf.Type {
	case "text":
		return rf, nil
	case "json_object":
		if !mentionsJSON(msgs) {
			return nil, invalidRequest("messages", "",
				"'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.")
		}
		return rf, nil
	case "json_schema":
		js, apiErr := parseJSONSchema(wrf.JSONSchema)
		if apiErr != nil {
			return nil, apiErr
		}
		rf.JSONSchema = js
		return rf, nil
	}
	return nil, invalidRequest("response_format.type", "invalid_value",
		"Invalid value: '%s'. Supported values are: 'text', 'json_object', and 'json_schema'.", rf.Type)
}

func parseJSONSchema(raw json.RawMessage) (*JSONSchema, *APIError) {
	const param = "response_format.json_schema"
	if isNull(raw) {
		return nil, invalidRequest(param, "missing_required_parameter",
			"Missing required parameter: '%s'.", param)
	}
	var wjs wireJSONSchema
	if err := json.Unmarshal(raw, &wjs); err != nil {
		return nil, invalidRequest(param, "invalid_type",
			"Invalid type for '%s': expected an object, but got %s instead.", param, jsonKind(raw))
	}
	switch {
	case wjs.Name == nil || *wjs.Name == "":
		return nil, invalidRequest(param+".name", "missing_required_parameter",
			"Missing required parameter: '%s.name'.", param)
	case len(*wjs.Name) > maxSchemaNameLen:
		return nil, invalidRequest(param+".name", "string_above_max_length",
			"Invalid '%s.name': string too long. Expected a string with maximum length %d, but got a string with length %d instead.",
			param, maxSchemaNameLen, len(*wjs.Name))
	case !validSchemaName(*wjs.Name):
		return nil, invalidRequest(param+".name", "invalid_value",
			"Invalid '%s.name': string does not match pattern. Expected a string that matches the pattern '%s'.",
			param, schemaNamePattern)
	}
	js := &JSONSchema{Name: *wjs.Name, Description: wjs.Description, Strict: wjs.Strict != nil && *wjs.Strict}
	if isNull(wjs.Schema) {
		return js, nil
	}
	if jsonKind(wjs.Schema) != "an object" {
		return nil, invalidRequest(param+".schema", "invalid_type",
			"Invalid type for '%s.schema': expected an object, but got %s instead.", param, jsonKind(wjs.Schema))
	}
	js.Schema = wjs.Schema
	if js.Strict {
		if problem := strictSchemaProblem(js.Schema); problem != "" {
			return nil, invalidRequest("response_format", "",
				"Invalid schema for response_format '%s': %s", js.Name, problem)
		}
	}
	return js, nil
}

func mentionsJSON(msgs []Message) bool {
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m.Content), "json") {
			return true
		}
	}
	return false
}

// decodeError turns a json.Unmarshal failure into the API's 400 error.
func decodeError(err error) *APIError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return invalidRequest(field, "invalid_type",
			"Invalid type for '%s': expected %s, but got %s instead.", field, typeErr.Type, typeErr.Value)
	}
	return invalidRequest("", "",
		"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "+
			"HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.) "+
			"Parser said: %v", err)
}

func isNull(raw json.RawMessage) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null"))
}

// jsonKind names the JSON type of raw the way the API's messages do.
func jsonKind(raw json.RawMessage) string {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return "nothing"
	}
	switch trimmed[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

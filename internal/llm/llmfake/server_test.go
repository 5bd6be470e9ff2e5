package llmfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"mimbot/internal/llm/llmfake"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		key        string
		wantStatus int // zero: success
		wantCode   any
	}{
		{name: "right key", key: testKey},
		{name: "wrong key", key: "sk-wrong-0000000000", wantStatus: http.StatusUnauthorized, wantCode: llmfake.CodeInvalidAPIKey},
		// The real API sends "code": null here; go-openai decodes a null code as 0.
		{name: "no key", key: "", wantStatus: http.StatusUnauthorized, wantCode: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, llmfake.Options{APIKey: testKey})
			srv.Enqueue(llmfake.Reply("hi"))

			_, err := newClient(srv, tc.key).CreateChatCompletion(context.Background(), summaryRequest(t))

			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatalf("CreateChatCompletion: %v", err)
				}
				return
			}
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *openai.APIError", err, err)
			}
			if apiErr.HTTPStatusCode != tc.wantStatus || apiErr.Code != tc.wantCode || apiErr.Type != llmfake.TypeInvalidRequest {
				t.Errorf("got %d %v %q, want %d %v", apiErr.HTTPStatusCode, apiErr.Code, apiErr.Type, tc.wantStatus, tc.wantCode)
			}
			if strings.Contains(apiErr.Message, tc.key) && tc.key != "" {
				t.Errorf("message %q leaks the whole key", apiErr.Message)
			}
			if len(srv.Requests()) != 0 || srv.Pending() != 1 {
				t.Errorf("rejected request was recorded (%d) or consumed the queue (%d left)", len(srv.Requests()), srv.Pending())
			}
		})
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	models := []string{"gpt-4o-mini", "gpt-4.1"}
	srv := startServer(t, llmfake.Options{APIKey: testKey, Models: models})
	client := newClient(srv, testKey)
	ctx := context.Background()

	list, err := client.ListModels(ctx)
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	var ids []string
	for _, m := range list.Models {
		ids = append(ids, m.ID)
	}
	if !slices.Equal(ids, models) {
		t.Errorf("ListModels = %q, want %q", ids, models)
	}

	tests := []struct {
		name  string
		model string
		want  int // HTTP status
	}{
		{name: "known model", model: "gpt-4.1", want: http.StatusOK},
		{name: "unknown model", model: "gpt-9", want: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := summaryRequest(t)
			req.Model = tc.model
			_, chatErr := client.CreateChatCompletion(ctx, req)
			_, getErr := client.GetModel(ctx, tc.model)
			for what, err := range map[string]error{"chat": chatErr, "get model": getErr} {
				if tc.want == http.StatusOK {
					if err != nil {
						t.Errorf("%s: %v", what, err)
					}
					continue
				}
				var apiErr *openai.APIError
				if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != tc.want || apiErr.Code != llmfake.CodeModelNotFound {
					t.Errorf("%s: err = %v, want %d %s", what, err, tc.want, llmfake.CodeModelNotFound)
				}
			}
		})
	}
}

// postJSON sends body to the chat endpoint with the test key.
func postJSON(t *testing.T, srv *llmfake.Server, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

type errorBody struct {
	Error *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func TestValidation(t *testing.T) {
	t.Parallel()
	const (
		user        = `{"role":"user","content":"summarise the incident"}`
		strictEmpty = `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`
		strictNest  = `{"type":"object","additionalProperties":false,"required":["s"],"properties":{"s":{"type":"array",` +
			`"items":{"type":"object","additionalProperties":false,"properties":{"x":{"type":"string"}}}}}}`
		strictOK = `{"type":"object","additionalProperties":false,"required":["s"],"properties":{"s":{"type":"array",` +
			`"items":{"type":"object","additionalProperties":false,"required":["x"],"properties":{"x":{"type":"string"}}}}}}`
	)
	withFormat := func(format string) string {
		return `{"model":"gpt-4o-mini","messages":[` + user + `],"response_format":` + format + `}`
	}
	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantParam   string
		wantMessage string
	}{
		{name: "invalid json", body: `{"model":`, wantStatus: 400, wantMessage: "could not parse the JSON body"},
		{name: "wrong field type", body: `{"model":"gpt-4o-mini","messages":"hi"}`, wantStatus: 400, wantParam: "messages"},
		{name: "missing model", body: `{"messages":[` + user + `]}`, wantStatus: 400, wantMessage: "must provide a model"},
		{name: "missing messages", body: `{"model":"gpt-4o-mini"}`, wantStatus: 400, wantParam: "messages"},
		{name: "empty messages", body: `{"model":"gpt-4o-mini","messages":[]}`, wantStatus: 400,
			wantParam: "messages", wantMessage: "empty array"},
		{name: "unknown role", body: `{"model":"gpt-4o-mini","messages":[{"role":"bot","content":"x"}]}`,
			wantStatus: 400, wantParam: "messages[0].role", wantMessage: "'bot'"},
		{name: "user message without content", body: `{"model":"gpt-4o-mini","messages":[{"role":"user"}]}`,
			wantStatus: 400, wantParam: "messages[0].content"},
		{name: "tool message without tool calls", body: `{"model":"gpt-4o-mini","messages":[` + user +
			`,{"role":"tool","tool_call_id":"c1","content":"42"}]}`, wantStatus: 400, wantParam: "messages[1].role"},
		{name: "stream options without stream", body: `{"model":"gpt-4o-mini","messages":[` + user +
			`],"stream_options":{"include_usage":true}}`, wantStatus: 400, wantParam: "stream_options"},
		{name: "unknown model", body: `{"model":"gpt-9","messages":[` + user + `]}`, wantStatus: 404},
		{name: "response format without type", body: withFormat(`{}`), wantStatus: 400, wantParam: "response_format.type"},
		{name: "response format unknown type", body: withFormat(`{"type":"xml"}`), wantStatus: 400,
			wantParam: "response_format.type"},
		{name: "json schema missing", body: withFormat(`{"type":"json_schema"}`), wantStatus: 400,
			wantParam: "response_format.json_schema"},
		{name: "json schema without name", body: withFormat(`{"type":"json_schema","json_schema":{"schema":{}}}`),
			wantStatus: 400, wantParam: "response_format.json_schema.name"},
		{name: "json schema name with spaces", body: withFormat(`{"type":"json_schema","json_schema":{"name":"a b"}}`),
			wantStatus: 400, wantParam: "response_format.json_schema.name"},
		{name: "schema not an object", body: withFormat(`{"type":"json_schema","json_schema":{"name":"s","schema":"x"}}`),
			wantStatus: 400, wantParam: "response_format.json_schema.schema"},
		{name: "strict schema allows extra properties",
			body:       withFormat(`{"type":"json_schema","json_schema":{"name":"s","strict":true,"schema":` + strictEmpty + `}}`),
			wantStatus: 400, wantParam: "response_format", wantMessage: "In context=(), 'additionalProperties'"},
		{name: "strict schema with nested optional property",
			body:       withFormat(`{"type":"json_schema","json_schema":{"name":"s","strict":true,"schema":` + strictNest + `}}`),
			wantStatus: 400, wantMessage: "In context=('properties', 's', 'items'), 'required'"},
		{name: "strict schema with array root",
			body:       withFormat(`{"type":"json_schema","json_schema":{"name":"s","strict":true,"schema":{"type":"array"}}}`),
			wantStatus: 400, wantMessage: `type: "object"`},
		{name: "json object without the word json", body: withFormat(`{"type":"json_object"}`), wantStatus: 400,
			wantParam: "messages", wantMessage: "must contain the word 'json'"},

		{name: "strict schema obeying the rules",
			body:       withFormat(`{"type":"json_schema","json_schema":{"name":"s","strict":true,"schema":` + strictOK + `}}`),
			wantStatus: 200},
		{name: "non-strict schema may allow extra properties",
			body:       withFormat(`{"type":"json_schema","json_schema":{"name":"s","schema":` + strictEmpty + `}}`),
			wantStatus: 200},
		{name: "json object mentioning JSON",
			body:       `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Answer in JSON"}],"response_format":{"type":"json_object"}}`,
			wantStatus: 200},
		{name: "array content and tool reply", body: `{"model":"gpt-4o-mini","messages":[` +
			`{"role":"user","content":[{"type":"text","text":"part one, "},{"type":"text","text":"part two"}]},` +
			`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":"42"}]}`, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, llmfake.Options{APIKey: testKey})
			resp, data := postJSON(t, srv, tc.body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, data)
			}
			if tc.wantStatus == http.StatusOK {
				if reqs := srv.Requests(); len(reqs) != 1 {
					t.Errorf("recorded %d requests, want 1", len(reqs))
				}
				return
			}
			var eb errorBody
			if err := json.Unmarshal(data, &eb); err != nil || eb.Error == nil || eb.Error.Type != llmfake.TypeInvalidRequest {
				t.Fatalf("body %s is not an invalid_request_error (%v)", data, err)
			}
			if tc.wantParam != "" && (eb.Error.Param == nil || *eb.Error.Param != tc.wantParam) {
				t.Errorf("param = %v, want %q", eb.Error.Param, tc.wantParam)
			}
			if !strings.Contains(eb.Error.Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", eb.Error.Message, tc.wantMessage)
			}
			if len(srv.Requests()) != 0 {
				t.Error("rejected request was recorded")
			}
		})
	}
}

func TestArrayContentIsFlattened(t *testing.T) {
	t.Parallel()
	srv := startServer(t, llmfake.Options{APIKey: testKey})
	resp, data := postJSON(t, srv, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":`+
		`[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]}]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, data)
	}
	if got := srv.Requests()[0].Messages[0].Content; got != "ab" {
		t.Errorf("content = %q, want text parts joined", got)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	srv := startServer(t, llmfake.Options{APIKey: testKey})
	srv.Enqueue(llmfake.RateLimited(1500 * time.Millisecond))
	resp, data := postJSON(t, srv, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)

	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.StatusCode)
	}
	wantHeaders := map[string]string{
		"Retry-After":                    "2",
		"Retry-After-Ms":                 "1500",
		"X-Ratelimit-Limit-Requests":     "60",
		"X-Ratelimit-Remaining-Requests": "0",
		"X-Ratelimit-Reset-Requests":     "1.5s",
		"Content-Type":                   "application/json",
	}
	for k, want := range wantHeaders {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var eb errorBody
	if err := json.Unmarshal(data, &eb); err != nil || eb.Error == nil || eb.Error.Code == nil ||
		*eb.Error.Code != llmfake.CodeRateLimitExceeded || eb.Error.Param != nil {
		t.Errorf("body = %s, want a rate_limit_exceeded error with null param", data)
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	srv := startServer(t, llmfake.Options{APIKey: testKey})
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/chat/completions", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb errorBody
	if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil || eb.Error == nil {
		t.Fatalf("decode: %v", err)
	}
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(eb.Error.Message, "Invalid URL (GET ") {
		t.Errorf("got %d %q, want 404 Invalid URL", resp.StatusCode, eb.Error.Message)
	}
}

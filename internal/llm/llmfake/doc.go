// Package llmfake is an in-process fake of the OpenAI chat-completions API
// for tests that drive a real OpenAI client (such as
// github.com/sashabaranov/go-openai) against scripted answers.
//
// A test creates a server, points the client at it and scripts what the
// "model" does next:
//
//	srv := llmfake.New(llmfake.Options{APIKey: "sk-test"})
//	srv.Start()
//	defer srv.Close()
//
//	cfg := openai.DefaultConfig("sk-test")
//	cfg.BaseURL = srv.URL() // already ends in /v1
//	client := openai.NewClientWithConfig(cfg)
//
//	srv.Enqueue(llmfake.Reply(`{"title":"db outage"}`))
//	srv.Enqueue(llmfake.RateLimited(2 * time.Second))
//
// The server serves POST /v1/chat/completions (plain and stream: true, as
// server-sent events), GET /v1/models and GET /v1/models/{id}. Every request
// must carry "Authorization: Bearer <APIKey>" and chat requests must name a
// model from Options.Models; failures use OpenAI's error body shape
// {"error":{"message","type","param","code"}} and status codes (401, 404,
// 400).
//
// Chat requests are validated the way the real API rejects them: a model and
// a non-empty messages array are required, roles must be known, user, system,
// developer and tool messages need content, tool messages need a tool_call_id
// and a preceding assistant message with tool_calls, stream_options needs
// stream: true, and response_format must be well formed. For json_object the
// messages must mention "json"; for json_schema the schema needs a valid name,
// and with strict: true every object in the schema must set
// additionalProperties: false and list all of its properties in required.
// Rejected requests answer 400 invalid_request_error and are not recorded.
//
// Accepted requests are recorded (see Server.Requests) and answered with the
// next queued Behaviour, or with the default behaviour once the queue is
// empty. Behaviours can reply with content, stop with finish_reason
// "length", return no choices, send a truncated JSON body, fail with an
// OpenAI error status (429 with Retry-After and x-ratelimit-* headers, 500,
// 503, ...) and wait before answering. A wait ends early when the client goes
// away or the server is closed, so tests using context deadlines finish
// promptly.
//
// Only the standard library is used; nothing here talks to the network
// beyond the loopback listener opened by Start.
package llmfake

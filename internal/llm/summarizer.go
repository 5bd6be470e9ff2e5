package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"

	"mimbot/mim"
)

// Defaults for the Config fields left zero.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultMaxTokens = 1500
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBaseURL = "OPENAI_BASE_URL"
	EnvAPIKey  = "OPENAI_API_KEY"
	EnvModel   = "MIMBOT_LLM_MODEL"
)

const (
	// temperature is low because a summary should restate the timeline, not embellish it.
	temperature = 0.2
	// maxAttempts allows one retry: a second failure means the summary goes out
	// without a draft rather than waiting longer.
	maxAttempts = 2
	// defaultBackoff is the wait before the retry when the server names none.
	defaultBackoff = 250 * time.Millisecond
)

// Config says which model to ask and how long to wait for it.
type Config struct {
	// BaseURL of the OpenAI-compatible API, version path included:
	// https://api.openai.com/v1, http://localhost:11434/v1 (Ollama).
	BaseURL string
	// APIKey is sent as a bearer token. Empty sends none, for local servers.
	APIKey string
	// Model names the chat model: gpt-4o-mini, llama3.1:8b.
	Model string
	// Timeout bounds one Draft, retry included. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxTokens bounds the length of the reply. Zero means DefaultMaxTokens.
	MaxTokens int
	// HTTPClient sends the requests. Nil means a plain client; Timeout bounds it either way.
	HTTPClient *http.Client
	// Logger gets one line per draft. Nil discards.
	Logger *slog.Logger
}

// Summarizer drafts post-incident summaries with a chat model. It is safe for
// concurrent use.
type Summarizer struct {
	cfg    Config
	host   string // BaseURL's host, for error messages
	schema json.RawMessage
	log    *slog.Logger
}

var _ mim.Summarizer = (*Summarizer)(nil)

// New checks cfg, fills in its defaults and returns a Summarizer. It does not contact
// the server.
func New(cfg Config) (*Summarizer, error) {
	cfg.BaseURL = strings.TrimSpace(cfg.BaseURL)
	cfg.Model = strings.TrimSpace(cfg.Model)
	if cfg.Model == "" {
		return nil, errors.New("llm: no model named")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		// The message leaves the URL out: it may hold a password.
		return nil, errors.New("llm: the base URL does not parse")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: base URL %q is not an http(s) URL", u.Redacted())
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("llm: negative timeout %s", cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.MaxTokens < 0:
		return nil, fmt.Errorf("llm: negative max tokens %d", cfg.MaxTokens)
	case cfg.MaxTokens == 0:
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	schema, err := draftSchema()
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	return &Summarizer{cfg: cfg, host: u.Host, schema: schema, log: cfg.Logger}, nil
}

// ConfigFromEnv reads OPENAI_BASE_URL, OPENAI_API_KEY and MIMBOT_LLM_MODEL. ok is false
// when the model or the base URL is unset: no summarizer is wanted. The API key may be
// empty, for local servers such as Ollama.
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool) {
	cfg = Config{
		BaseURL: strings.TrimSpace(getenv(EnvBaseURL)),
		APIKey:  strings.TrimSpace(getenv(EnvAPIKey)),
		Model:   strings.TrimSpace(getenv(EnvModel)),
	}
	return cfg, cfg.BaseURL != "" && cfg.Model != ""
}

// Draft asks the model for a draft of the summary of req. The error, if any, is a
// sentence fit for the summary note.
func (s *Summarizer) Draft(ctx context.Context, req mim.DraftRequest) (mim.Draft, error) {
	if len(req.Entries) == 0 {
		return mim.Draft{}, mim.Errorf(mim.EINVALID, "there is no timeline to draft from")
	}
	start := time.Now()
	budget := s.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < budget {
		budget = time.Until(dl)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	p := newPrompt(req)
	resp, c, err := s.complete(ctx, s.request(p))
	var d mim.Draft
	if err != nil {
		err = s.explain(ctx, err, c, budget)
	} else {
		d, err = s.decode(resp)
	}
	attrs := []any{
		"model", s.cfg.Model, "entries", len(req.Entries), "omitted", p.omitted,
		"prompt_runes", p.runes, "attempts", c.attempts, "status", c.last.status,
		"duration", time.Since(start).Round(time.Millisecond),
	}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
		var f *failure
		if errors.As(err, &f) && f.cause != nil {
			attrs = append(attrs, "cause", clip(f.cause.Error(), maxLoggedCauseRunes))
		}
		s.log.WarnContext(ctx, "llm draft failed", attrs...)
		return mim.Draft{}, err
	}
	s.log.InfoContext(ctx, "llm draft", append(attrs,
		"prompt_tokens", resp.Usage.PromptTokens, "completion_tokens", resp.Usage.CompletionTokens,
		"statements", len(d.Narrative)+len(d.Factors)+len(d.Questions)+len(d.Actions))...)
	return d, nil
}

// request builds the chat completion that asks for a draft of p.
func (s *Summarizer) request(p prompt) openai.ChatCompletionRequest {
	r := openai.ChatCompletionRequest{
		Model: s.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: p.text},
		},
		MaxTokens:   s.cfg.MaxTokens,
		Temperature: temperature,
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   schemaName,
				Schema: s.schema,
				Strict: true,
			},
		},
	}
	// Reasoning models (o-series, gpt-5) refuse max_tokens and a temperature. go-openai
	// knows which models those are, so ask it, and send what they accept instead.
	if openai.NewReasoningValidator().Validate(r) != nil {
		r.MaxTokens, r.MaxCompletionTokens, r.Temperature = 0, s.cfg.MaxTokens, 0
	}
	return r
}

// call is what complete learned on the way, for explaining a failure.
type call struct {
	attempts int
	last     *exchange
	// skipped is the wait the server asked for before a retry that did not fit in the
	// time left; zero when no retry was skipped for that reason.
	skipped time.Duration
}

// complete sends r, and once more after a 429 or 5xx answer when the wait before the
// retry leaves at least half of the remaining time for it.
func (s *Summarizer) complete(ctx context.Context, r openai.ChatCompletionRequest) (openai.ChatCompletionResponse, call, error) {
	var c call
	for {
		c.attempts++
		c.last = &exchange{client: s.cfg.HTTPClient}
		cfg := openai.DefaultConfig(s.cfg.APIKey)
		cfg.BaseURL = s.cfg.BaseURL
		cfg.HTTPClient = c.last
		resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(ctx, r)
		if err == nil || c.attempts >= maxAttempts || !retryable(c.last.status) {
			return resp, c, err
		}
		wait := defaultBackoff
		if c.last.hasRetryAfter {
			wait = c.last.retryAfter
		}
		dl, _ := ctx.Deadline()
		if wait > time.Until(dl)/2 {
			c.skipped = wait
			return resp, c, err
		}
		s.log.DebugContext(ctx, "llm retry", "model", s.cfg.Model, "status", c.last.status, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, c, ctx.Err()
		case <-t.C:
		}
	}
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= http.StatusInternalServerError
}

// decode turns the first choice of resp into a draft, or says why it cannot.
func (s *Summarizer) decode(resp openai.ChatCompletionResponse) (mim.Draft, error) {
	if len(resp.Choices) == 0 {
		return mim.Draft{}, fail(mim.EINTERNAL, nil, "the LLM returned no answer")
	}
	ch := resp.Choices[0]
	switch {
	case ch.FinishReason == openai.FinishReasonLength:
		return mim.Draft{}, fail(mim.EINTERNAL, nil,
			"the LLM ran out of output tokens (max %d) before finishing the draft", s.cfg.MaxTokens)
	case ch.FinishReason == openai.FinishReasonContentFilter:
		return mim.Draft{}, fail(mim.EINTERNAL, nil, "the LLM's content filter stopped the draft")
	case ch.Message.Refusal != "":
		return mim.Draft{}, fail(mim.EINTERNAL, errors.New(ch.Message.Refusal), "the LLM declined to write the draft")
	}
	d, err := decodeDraft(ch.Message.Content)
	if err != nil {
		return mim.Draft{}, fail(mim.EINTERNAL, err, "the LLM answered something that is not the requested JSON")
	}
	d.Model = resp.Model
	if d.Model == "" {
		d.Model = s.cfg.Model
	}
	return d, nil
}

package llmfake

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Wire shapes of chat.completion and chat.completion.chunk objects.
type (
	completion struct {
		ID                string             `json:"id"`
		Object            string             `json:"object"`
		Created           int64              `json:"created"`
		Model             string             `json:"model"`
		Choices           []completionChoice `json:"choices"`
		Usage             usage              `json:"usage"`
		SystemFingerprint string             `json:"system_fingerprint"`
	}
	completionChoice struct {
		Index        int               `json:"index"`
		Message      completionMessage `json:"message"`
		Logprobs     any               `json:"logprobs"`
		FinishReason string            `json:"finish_reason"`
	}
	completionMessage struct {
		Role    string `json:"role"`
		Content string `json:"content"`
		Refusal any    `json:"refusal"`
	}
	usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
	chunk struct {
		ID                string        `json:"id"`
		Object            string        `json:"object"`
		Created           int64         `json:"created"`
		Model             string        `json:"model"`
		SystemFingerprint string        `json:"system_fingerprint"`
		Choices           []chunkChoice `json:"choices"`
		Usage             *usage        `json:"usage,omitempty"`
	}
	chunkChoice struct {
		Index        int        `json:"index"`
		Delta        chunkDelta `json:"delta"`
		Logprobs     any        `json:"logprobs"`
		FinishReason *string    `json:"finish_reason"`
	}
	chunkDelta struct {
		Role    string  `json:"role,omitempty"`
		Content *string `json:"content,omitempty"`
	}
)

const systemFingerprint = "fp_llmfake"

// answer sends the response b scripts for req; id names the completion.
// A stream stops early once ctx is done.
func (s *Server) answer(ctx context.Context, w http.ResponseWriter, req Request, b Behaviour, id string) {
	h := w.Header()
	for k, vs := range b.Header {
		h[k] = append([]string(nil), vs...)
	}
	if b.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(b.RetryAfter.Seconds()))))
		h.Set("retry-after-ms", strconv.FormatInt(b.RetryAfter.Milliseconds(), 10))
	}
	switch {
	case b.Status >= http.StatusBadRequest:
		e := b.Error
		if e == (APIError{}) {
			e = defaultError(b.Status, req.Model, b.RetryAfter)
		}
		writeAPIError(w, b.Status, e)
	case req.Stream:
		s.stream(ctx, w, req, b, id)
	default:
		writeCompletion(w, req, b, id)
	}
}

func writeCompletion(w http.ResponseWriter, req Request, b Behaviour, id string) {
	c := completion{
		ID:                id,
		Object:            "chat.completion",
		Created:           time.Now().Unix(),
		Model:             req.Model,
		Choices:           []completionChoice{},
		Usage:             usageFor(req, b),
		SystemFingerprint: systemFingerprint,
	}
	if !b.EmptyChoices {
		c.Choices = append(c.Choices, completionChoice{
			Message:      completionMessage{Role: "assistant", Content: b.Content},
			FinishReason: b.finishReason(),
		})
	}
	if !b.Malformed {
		writeJSON(w, http.StatusOK, c)
		return
	}
	body, err := json.Marshal(c)
	if err != nil {
		http.Error(w, "llmfake: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
}

// stream sends the reply as server-sent events: a role chunk, the content
// split into deltas of at most s.chunkRunes runes, a chunk carrying the
// finish reason, a usage chunk if asked for, then [DONE].
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, req Request, b Behaviour, id string) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)

	base := chunk{
		ID:                id,
		Object:            "chat.completion.chunk",
		Created:           time.Now().Unix(),
		Model:             req.Model,
		SystemFingerprint: systemFingerprint,
	}
	// send writes one chunk; cut sends only its first half, as invalid JSON.
	send := func(choices []chunkChoice, u *usage, cut bool) bool {
		c := base
		c.Choices = choices
		c.Usage = u
		data, err := json.Marshal(c)
		if err != nil {
			return false
		}
		if cut {
			data = data[:len(data)/2]
		}
		return sendEvent(w, data) == nil && ctx.Err() == nil
	}
	delta := func(d chunkDelta, finish *string) []chunkChoice {
		return []chunkChoice{{Delta: d, FinishReason: finish}}
	}

	if b.EmptyChoices {
		if !send([]chunkChoice{}, nil, false) {
			return
		}
	} else {
		empty := ""
		if !send(delta(chunkDelta{Role: "assistant", Content: &empty}, nil), nil, false) {
			return
		}
		for _, piece := range splitRunes(b.Content, s.chunkRunes) {
			if !send(delta(chunkDelta{Content: &piece}, nil), nil, b.Malformed) || b.Malformed {
				return // a cut-off chunk ends the stream, without [DONE]
			}
		}
		finish := b.finishReason()
		if !send(delta(chunkDelta{}, &finish), nil, b.Malformed) || b.Malformed {
			return
		}
	}
	if req.IncludeUsage {
		u := usageFor(req, b)
		if !send([]chunkChoice{}, &u, false) {
			return
		}
	}
	_ = sendEvent(w, []byte("[DONE]"))
}

func sendEvent(w http.ResponseWriter, data []byte) error {
	if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
		return err
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// splitRunes cuts s into pieces of at most n runes, never splitting a rune.
func splitRunes(s string, n int) []string {
	var pieces []string
	for s != "" {
		end, count := 0, 0
		for end < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			count++
		}
		pieces = append(pieces, s[:end])
		s = s[end:]
	}
	return pieces
}

// usageFor estimates token counts at about four characters per token.
func usageFor(req Request, b Behaviour) usage {
	prompt := 3
	for _, m := range req.Messages {
		prompt += 4 + estimateTokens(m.Content)
	}
	out := estimateTokens(b.Content)
	if b.EmptyChoices {
		out = 0
	}
	return usage{PromptTokens: prompt, CompletionTokens: out, TotalTokens: prompt + out}
}

func estimateTokens(s string) int {
	return (utf8.RuneCountInString(s) + 3) / 4
}

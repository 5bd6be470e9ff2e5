package llmfake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used when Options leaves a field empty.
const (
	DefaultAPIKey           = "sk-llmfake"
	DefaultModel            = "gpt-4o-mini"
	DefaultStreamChunkRunes = 8
	// DefaultReply is the content the default behaviour answers with.
	DefaultReply = "{}"
)

const maxBodyBytes = 8 << 20

// Options configures a Server.
type Options struct {
	// APIKey is the only accepted bearer token; empty means DefaultAPIKey.
	APIKey string
	// Models lists the model names the server knows and GET /v1/models
	// returns; empty means DefaultModel only.
	Models []string
	// StreamChunkRunes bounds the runes in each streamed content delta;
	// zero or less means DefaultStreamChunkRunes.
	StreamChunkRunes int
}

// Server is a fake OpenAI chat-completions API. It is an http.Handler, and
// Start serves it on a loopback port. All methods are safe for concurrent
// use.
type Server struct {
	apiKey     string
	models     []string
	chunkRunes int
	created    int64

	done      chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	http     *httptest.Server
	queue    []Behaviour
	fallback Behaviour
	requests []Request
	seq      int // completions answered, for completion ids
	httpSeq  int // HTTP requests served, for x-request-id
}

// New returns a server configured by opts. Call Start to listen, or use the
// Server directly as an http.Handler.
func New(opts Options) *Server {
	s := &Server{
		apiKey:     opts.APIKey,
		models:     slices.Clone(opts.Models),
		chunkRunes: opts.StreamChunkRunes,
		created:    time.Now().Unix(),
		done:       make(chan struct{}),
		fallback:   Reply(DefaultReply),
	}
	if s.apiKey == "" {
		s.apiKey = DefaultAPIKey
	}
	if len(s.models) == 0 {
		s.models = []string{DefaultModel}
	}
	if s.chunkRunes <= 0 {
		s.chunkRunes = DefaultStreamChunkRunes
	}
	return s
}

// Start serves on 127.0.0.1 at a free port. It panics if called twice or
// after Close, or if it cannot listen.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		panic("llmfake: Start after Close")
	default:
	}
	if s.http != nil {
		panic("llmfake: Start called twice")
	}
	s.http = httptest.NewServer(s)
}

// URL returns the base URL to use as go-openai's ClientConfig.BaseURL,
// such as http://127.0.0.1:41234/v1. It panics before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.http == nil {
		panic("llmfake: URL called before Start")
	}
	return s.http.URL + "/v1"
}

// Close stops the server. Requests still waiting out a Delay end at once
// without an answer. Close is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	h := s.http
	s.mu.Unlock()
	if h != nil {
		h.Close()
	}
}

// Enqueue appends behaviours that answer the next accepted chat requests,
// one each, in order.
func (s *Server) Enqueue(bs ...Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range bs {
		s.queue = append(s.queue, b.clone())
	}
}

// SetDefault sets the behaviour used while the queue is empty. Initially it
// is Reply(DefaultReply).
func (s *Server) SetDefault(b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = b.clone()
}

// Pending returns how many queued behaviours have not been used yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Requests returns copies of the accepted chat requests, oldest first.
// Requests rejected with 400, 401 or 404 are not included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-request-id", fmt.Sprintf("req_llmfake_%d", s.nextHTTPSeq()))
	if apiErr := s.authenticate(r); apiErr != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="OpenAI API"`)
		writeAPIError(w, http.StatusUnauthorized, *apiErr)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/v1/chat/completions" && r.Method == http.MethodPost:
		s.serveChat(w, r)
	case path == "/v1/models" && r.Method == http.MethodGet:
		s.serveModels(w)
	case strings.HasPrefix(path, "/v1/models/") && r.Method == http.MethodGet:
		s.serveModel(w, strings.TrimPrefix(path, "/v1/models/"))
	default:
		writeAPIError(w, http.StatusNotFound, APIError{
			Message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path),
			Type:    TypeInvalidRequest,
		})
	}
}

func (s *Server) authenticate(r *http.Request) *APIError {
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(key) == "" {
		return &APIError{
			Message: "You didn't provide an API key. You need to provide your API key in an Authorization " +
				"header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
			Type: TypeInvalidRequest,
		}
	}
	if key != s.apiKey {
		return &APIError{
			Message: fmt.Sprintf("Incorrect API key provided: %s. You can find your API key at "+
				"https://platform.openai.com/account/api-keys.", maskKey(key)),
			Type: TypeInvalidRequest,
			Code: CodeInvalidAPIKey,
		}
	}
	return nil
}

// maskKey hides all but the ends of a key, as the real API's message does.
func maskKey(key string) string {
	if len(key) <= 8 {
		return strings.Repeat("*", len(key))
	}
	return key[:3] + strings.Repeat("*", len(key)-7) + key[len(key)-4:]
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		status := http.StatusBadRequest
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		writeAPIError(w, status, *invalidRequest("", "", "llmfake: reading request body: %v", err))
		return
	}
	req, apiErr := parseRequest(body)
	if apiErr != nil {
		writeAPIError(w, http.StatusBadRequest, *apiErr)
		return
	}
	if !slices.Contains(s.models, req.Model) {
		writeAPIError(w, http.StatusNotFound, modelNotFound(req.Model))
		return
	}
	req.Header = r.Header.Clone()

	b, id := s.accept(req)
	if b.Delay > 0 && !s.wait(r.Context(), b.Delay) {
		// The client left or the server is closing: drop the connection
		// without an answer rather than send an empty 200.
		panic(http.ErrAbortHandler)
	}
	s.answer(r.Context(), w, req, b, id)
}

// accept records req and takes the behaviour that answers it.
func (s *Server) accept(req Request) (Behaviour, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	s.seq++
	id := fmt.Sprintf("chatcmpl-llmfake-%d", s.seq)
	if len(s.queue) == 0 {
		return s.fallback.clone(), id
	}
	b := s.queue[0]
	s.queue = s.queue[1:]
	return b, id
}

func (s *Server) nextHTTPSeq() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.httpSeq++
	return s.httpSeq
}

// wait sleeps for d and reports whether it ran to the end, rather than
// being cut short by ctx or by Close.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func (s *Server) model(id string) model {
	return model{ID: id, Object: "model", Created: s.created, OwnedBy: "llmfake"}
}

func (s *Server) serveModels(w http.ResponseWriter) {
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, id := range s.models {
		list.Data = append(list.Data, s.model(id))
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) serveModel(w http.ResponseWriter, id string) {
	if !slices.Contains(s.models, id) {
		writeAPIError(w, http.StatusNotFound, modelNotFound(id))
		return
	}
	writeJSON(w, http.StatusOK, s.model(id))
}

package discordfake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxRequestBody bounds a request body (Discord's edge rejects bigger ones).
const maxRequestBody = 26 << 20

// Server is the fake Discord: REST API, gateway and the sender of HTTP
// interactions. It is an http.Handler; Start serves it on 127.0.0.1.
type Server struct {
	opts    Options
	clock   func() time.Time
	ids     *snowflakes
	priv    ed25519.PrivateKey
	botUser User
	table   []*route
	limiter *rateLimiter
	faults  *faultTable
	chaos   *chaosTable
	calls   *callLog
	gw      *gateway
	client  *http.Client

	// mu guards the Discord-side state below. Never hold it while writing to
	// the gateway.
	mu           sync.Mutex
	users        map[string]User
	channels     map[string]*Channel
	channelOrder []string
	messages     map[string][]*Message
	messageByID  map[string]*Message
	nonces       map[string]nonceEntry
	dmByUser     map[string]string
	commands     map[string][]*Command
	interactions map[string]*interaction
	byToken      map[string]*interaction
	modals       map[string]string
	createdAt    time.Time

	lifeMu   sync.Mutex
	listener net.Listener
	httpSrv  *http.Server
	baseURL  string
}

// New builds a Server from opts. It does not listen until Start.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:         opts,
		clock:        opts.Clock,
		ids:          &snowflakes{clock: opts.Clock},
		priv:         opts.PrivateKey,
		limiter:      newRateLimiter(opts.RateLimitScale, opts.RouteLimits, opts.GlobalLimit),
		faults:       &faultTable{},
		chaos:        &chaosTable{},
		calls:        &callLog{},
		client:       &http.Client{Timeout: 30 * time.Second},
		users:        map[string]User{},
		channels:     map[string]*Channel{},
		messages:     map[string][]*Message{},
		messageByID:  map[string]*Message{},
		nonces:       map[string]nonceEntry{},
		dmByUser:     map[string]string{},
		commands:     map[string][]*Command{},
		interactions: map[string]*interaction{},
		byToken:      map[string]*interaction{},
		modals:       map[string]string{},
		createdAt:    opts.Clock(),
	}
	if s.priv == nil {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic("discordfake: generating ed25519 key: " + err.Error())
		}
		s.priv = priv
	}
	s.botUser = User{ID: opts.ApplicationID, Username: opts.BotUsername, Bot: true, Permissions: opts.BotPermissions}
	if opts.BotRoleID != "" {
		s.botUser.Roles = []string{opts.BotRoleID}
	}
	for _, u := range opts.Users {
		s.users[u.ID] = u.clone()
	}
	for _, c := range opts.Channels {
		c := c.clone()
		if c.ID == "" {
			c.ID = s.ids.next()
		}
		c.GuildID = opts.GuildID
		c.CreatedAt = s.createdAt
		s.channels[c.ID] = &c
		s.channelOrder = append(s.channelOrder, c.ID)
	}
	s.table = s.routes()
	s.gw = newGateway(s)
	return s
}

// Start serves the fake on 127.0.0.1 on a free port.
func (s *Server) Start() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.listener != nil {
		return errors.New("discordfake: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.listener = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return nil
}

// URL is the base URL, e.g. http://127.0.0.1:1234 ("" before Start).
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.baseURL
}

// GatewayURL is the websocket URL that GET /gateway returns.
func (s *Server) GatewayURL() string {
	u := s.URL()
	if u == "" {
		return ""
	}
	return "ws://" + strings.TrimPrefix(u, "http://") + "/gateway"
}

// Close disconnects gateway clients and stops serving.
func (s *Server) Close() {
	s.gw.closeAll()
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.httpSrv != nil {
		_ = s.httpSrv.Close()
	}
}

// PublicKeyHex is the application's public key as the developer portal shows
// it: the hex Ed25519 key bots verify interaction signatures with.
func (s *Server) PublicKeyHex() string {
	return hex.EncodeToString(s.priv.Public().(ed25519.PublicKey))
}

// ApplicationID is the application (and bot user) id.
func (s *Server) ApplicationID() string { return s.opts.ApplicationID }

// GuildID is the fake guild's id.
func (s *Server) GuildID() string { return s.opts.GuildID }

// BotToken is the token the bot must use.
func (s *Server) BotToken() string { return s.opts.BotToken }

// Calls returns every REST call received so far, in arrival order.
func (s *Server) Calls() []Call { return s.calls.snapshot() }

// ResetCalls forgets recorded calls (rate-limit state is kept).
func (s *Server) ResetCalls() { s.calls.reset() }

// EarlyRetries counts requests that arrived before a retry_after the fake had
// given for their bucket (or the global limit) had elapsed.
func (s *Server) EarlyRetries() int { return s.limiter.earlyRetries() }

// SetLatency delays the answer of every matching REST call by d (the call takes
// effect when it arrives); d <= 0
// removes the entry. The prefix "" matches every call; otherwise it is
// matched against the path without /api/vN ("/channels/123"), the route
// pattern ("/channels/{channel_id}/messages"), or either preceded by the
// method ("POST /channels/"). The longest matching prefix wins.
func (s *Server) SetLatency(routePrefix string, d time.Duration) {
	s.faults.setLatency(routePrefix, d)
}

// InjectFault makes the next f.Times calls matching routePrefix (see
// SetLatency) fail with f. Faults apply after authentication and rate
// limiting, so failed calls still count against their bucket.
func (s *Server) InjectFault(routePrefix string, f Fault) {
	s.faults.inject(routePrefix, f)
}

// Transport returns a RoundTripper that sends requests meant for
// discord.com (or discordapp.com) to the fake, for use as a discordgo
// Session's Client transport.
func (s *Server) Transport() http.RoundTripper {
	return rewriteTransport{target: s.URL, base: http.DefaultTransport}
}

// Client returns an http.Client using Transport.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport(), Timeout: 30 * time.Second}
}

type rewriteTransport struct {
	target func() string
	base   http.RoundTripper
}

func (t rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	host := strings.TrimPrefix(r.URL.Hostname(), "www.")
	if host != "discord.com" && host != "discordapp.com" {
		return t.base.RoundTrip(r)
	}
	target := t.target()
	if target == "" {
		return nil, errors.New("discordfake: server not started")
	}
	r = r.Clone(r.Context())
	r.URL.Scheme = "http"
	r.URL.Host = strings.TrimPrefix(target, "http://")
	r.Host = r.URL.Host
	return t.base.RoundTrip(r)
}

// ServeHTTP serves the REST API under /api/v9 and /api/v10 and the gateway
// at /gateway.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/gateway" || r.URL.Path == "/gateway/" {
		s.gw.serve(w, r)
		return
	}
	start := time.Now()
	call := Call{Time: s.clock(), Method: r.Method, Path: r.URL.Path}
	done := func(rep reply) {
		call.Status = rep.status
		call.Duration = time.Since(start)
		s.write(w, rep)
		s.calls.add(call)
	}
	path, ok := stripVersion(r.URL.Path)
	if !ok {
		done(notFound())
		return
	}
	rt, params, miss := s.match(r.Method, path)
	if rt == nil {
		done(miss)
		return
	}
	call.Route = rt.key()
	if !s.authorized(rt, r) {
		done(unauthorized())
		return
	}
	dec := s.limiter.admit(rt.bucket, rt.majorKey(params), rt.noGlobal, start)
	dec.setHeaders(w.Header())
	call.Bucket, call.EarlyRetry = dec.hash, dec.early
	if !dec.allowed {
		call.RateLimited, call.Global = true, dec.global
		done(jsonReply(http.StatusTooManyRequests, dec.body()))
		return
	}
	// Latency holds the answer, not the work: the call takes effect when it arrives
	// and its answer comes back after the latency, as with slackfake, so that what
	// the bot does at once and what it does one call after another show apart.
	latency := s.faults.latencyFor(r.Method, path, rt.pattern)
	wait := func() {
		if latency <= 0 {
			return
		}
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	f, ok := s.faults.take(r.Method, path, rt.pattern)
	if !ok && rt.bucket != BucketGateway {
		fate := s.chaos.roll()
		latency += fate.spike
		if fate.rateLimited {
			dec := s.limiter.block(rt.bucket, rt.majorKey(params), start, fate.retryAfter)
			dec.setHeaders(w.Header())
			call.Fault, call.RateLimited = true, true
			wait()
			done(jsonReply(http.StatusTooManyRequests, dec.body()))
			return
		}
		if fate.fault != nil {
			f, ok = *fate.fault, true
		}
	}
	if ok {
		call.Fault = true
		wait()
		if f.Drop {
			call.Duration = time.Since(start)
			s.calls.add(call)
			dropConnection(w)
			return
		}
		done(f.reply())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		done(errReply(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "Request entity too large"))
		return
	}
	rep := rt.handle(&request{http: r, params: params, query: r.URL.Query(), body: body, now: s.clock()})
	if rep.limit != nil {
		rep.limit.setHeaders(w.Header())
		call.RateLimited = true
	}
	wait()
	done(rep)
}

func (s *Server) authorized(rt *route, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if rt.auth == authToken && h == "" {
		return true
	}
	return h == "Bot "+s.opts.BotToken
}

func (s *Server) write(w http.ResponseWriter, rep reply) {
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	switch {
	case rep.raw != nil:
		w.Header().Set("Content-Type", rep.contentType)
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.raw)
	case rep.body == nil || rep.status == http.StatusNoContent:
		w.WriteHeader(rep.status)
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep.body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write(buf.Bytes())
	}
}

// dropConnection closes the client connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// gatewayURLFor is the ws URL for clients of r.
func (s *Server) gatewayURLFor(r *http.Request) string {
	if u := s.GatewayURL(); u != "" {
		return u
	}
	return "ws://" + r.Host + "/gateway"
}

func (s *Server) getGateway(q *request) reply {
	return jsonReply(http.StatusOK, map[string]any{"url": s.gatewayURLFor(q.http)})
}

func (s *Server) getGatewayBot(q *request) reply {
	remaining := 1000 - s.gw.identifyCount()
	return jsonReply(http.StatusOK, map[string]any{
		"url":    s.gatewayURLFor(q.http),
		"shards": 1,
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": max(remaining, 0), "reset_after": 86400000, "max_concurrency": 1,
		},
	})
}

func (s *Server) getCurrentUser(*request) reply {
	u := userJSON(s.botUser)
	u["verified"] = true
	u["mfa_enabled"] = false
	u["locale"] = "en-US"
	return jsonReply(http.StatusOK, u)
}

// waitCtx sleeps for d or until ctx ends.
func waitCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

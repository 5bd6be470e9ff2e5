package slackfake

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is the fake Slack platform: Web API, Socket Mode endpoint, response
// URLs and file upload URLs, all served from one base URL. Every method is
// safe for concurrent use.
type Server struct {
	opts     Options
	now      func() time.Time
	log      *slog.Logger
	handlers map[string]handlerFunc
	client   *http.Client

	limiter  *limiter
	faults   *faultTable
	chaos    *chaosTable
	calls    *callLog
	underWay *underWay
	hub      *socketHub

	// mu guards the workspace state below.
	mu           sync.Mutex
	seq          int
	lastTS       int64
	users        map[string]*user
	userOrder    []string
	channels     map[string]*channel
	channelOrder []string
	files        map[string]*file
	fileOrder    []string
	uploads      map[string]string // upload path -> file id
	views        map[string]*view
	viewOrder    []string
	triggers     map[string]*trigger
	responseURLs map[string]*responseURL
	posts        []ResponseURLPost

	baseMu  sync.RWMutex
	baseURL string

	lifeMu sync.Mutex
	srv    *http.Server
	closed bool
}

// New builds a Server from opts and seeds its users and channels. It panics
// if a seed is invalid (a bad channel name, a duplicate id, an unknown member):
// seeds are test fixtures, and a broken fixture should fail loudly.
func New(opts Options) *Server {
	o := opts.withDefaults()
	s := &Server{
		opts:         o,
		now:          o.Clock,
		log:          o.Logger,
		client:       &http.Client{},
		limiter:      newLimiter(o.RateLimitScale, o.RateLimits, o.InFlightGrace),
		faults:       newFaultTable(),
		chaos:        &chaosTable{},
		calls:        &callLog{},
		underWay:     &underWay{n: map[string]int{}},
		users:        map[string]*user{},
		channels:     map[string]*channel{},
		files:        map[string]*file{},
		uploads:      map[string]string{},
		views:        map[string]*view{},
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseURL{},
	}
	s.hub = newSocketHub(s)
	s.handlers = s.methodTable()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserLocked(&user{id: o.BotUserID, name: o.BotUserName, realName: o.BotUserName, isBot: true})
	for _, u := range o.Users {
		if _, err := s.addUserSeedLocked(u); err != nil {
			panic("slackfake: " + err.Error())
		}
	}
	hasGeneral := false
	for _, c := range o.Channels {
		hasGeneral = hasGeneral || c.Name == "general"
	}
	if !hasGeneral {
		g := s.newChannelLocked("general", false, "")
		g.general = true
		for _, id := range s.userOrder {
			if id != o.BotUserID {
				g.addMember(id)
			}
		}
	}
	for _, c := range o.Channels {
		if _, err := s.seedChannelLocked(c); err != nil {
			panic("slackfake: " + err.Error())
		}
	}
	return s
}

// Start listens on 127.0.0.1 with a random port and serves in the background.
// Use URL to find the address and Close to stop.
func (s *Server) Start() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.closed {
		return errors.New("slackfake: server closed")
	}
	if s.srv != nil {
		return errors.New("slackfake: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("slackfake: listen: %w", err)
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.SetURL("http://" + ln.Addr().String())
	srv := s.srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("slackfake: serve", "err", err)
		}
	}()
	return nil
}

// URL returns the base URL, e.g. "http://127.0.0.1:1234". The Web API lives
// under URL()+"/api/<method>"; configure slack-go with
// slack.OptionAPIURL(fake.URL()+"/api/"). Empty until Start or SetURL.
func (s *Server) URL() string {
	s.baseMu.RLock()
	defer s.baseMu.RUnlock()
	return s.baseURL
}

// SetURL tells the fake its own base URL when it is served by something other
// than Start, e.g. httptest.NewServer(fake). The fake uses it to build
// response_url, Socket Mode and upload URLs. Without it, URLs in Web API
// responses fall back to the request's Host, and the Send* helpers fail.
func (s *Server) SetURL(base string) {
	s.baseMu.Lock()
	defer s.baseMu.Unlock()
	s.baseURL = strings.TrimRight(base, "/")
}

// baseFor returns the base URL to put in a response to r.
func (s *Server) baseFor(r *http.Request) string {
	if u := s.URL(); u != "" {
		return u
	}
	return "http://" + r.Host
}

// Close stops the HTTP server started by Start (if any) and closes every
// Socket Mode connection. It is safe to call more than once.
func (s *Server) Close() {
	s.lifeMu.Lock()
	srv := s.srv
	already := s.closed
	s.closed = true
	s.lifeMu.Unlock()
	if already {
		return
	}
	s.hub.closeAll()
	if srv != nil {
		_ = srv.Close()
	}
}

// ServeHTTP routes requests: /api/<method> (Web API), /socket (Socket Mode
// WebSocket), /commands/... and /actions/... (response URLs), /upload/...
// (file upload URLs).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"):
		s.serveAPI(w, r)
	case p == "/socket":
		s.serveSocket(w, r)
	case strings.HasPrefix(p, "/commands/"), strings.HasPrefix(p, "/actions/"):
		s.serveResponseURL(w, r)
	case strings.HasPrefix(p, "/upload/"):
		s.serveUpload(w, r)
	default:
		http.NotFound(w, r)
	}
}

// TeamID returns the workspace id.
func (s *Server) TeamID() string { return s.opts.TeamID }

// BotUserID returns the bot user's id.
func (s *Server) BotUserID() string { return s.opts.BotUserID }

// BotToken returns the bot token the fake accepts.
func (s *Server) BotToken() string { return s.opts.BotToken }

// AppToken returns the app-level token the fake accepts.
func (s *Server) AppToken() string { return s.opts.AppToken }

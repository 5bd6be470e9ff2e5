package teamsfake

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Path prefixes of the fake's services under its base URL.
const (
	loginPrefix     = "/login"
	openIDPath      = "/botframework/v1/.well-known/openidconfiguration"
	keysPath        = "/botframework/v1/.well-known/keys"
	connectorPrefix = "/connector"
	graphPrefix     = "/graph"
)

// Server is the fake Microsoft side of a Teams bot: the Entra token
// endpoint, the Bot Framework's OpenID metadata and signing keys, the Bot
// Connector and the part of Microsoft Graph mimbot uses, from one base URL.
// Every method is safe for concurrent use.
type Server struct {
	opts  Options
	now   func() time.Time
	keys  *keyRing
	calls *callLog
	fault *faultTable
	pace  *pacer

	// mu guards the tenant's state below.
	mu        sync.Mutex
	lastID    int64
	seq       int
	users     []User
	tokens    map[string]token
	issued    int
	channels  map[string]*channel
	chanOrder []string
	reserved  map[string]time.Time // lower-cased names of deleted channels -> end of reservation
	convs     map[string]*conversation
	personal  map[string]string // user AAD object id -> personal conversation id
	meetings  []Meeting

	lifeMu sync.Mutex
	srv    *http.Server
	base   string
	closed bool
}

// New builds a Server from opts: the team with its General channel, the
// users, the extra conversations and one RSA signing key. It panics on a
// user without an AADObjectID or a repeated id: seeds are fixtures, and a
// broken fixture should fail loudly.
func New(opts Options) *Server {
	o := opts.withDefaults()
	seen := map[string]bool{}
	for _, u := range o.Users {
		if u.AADObjectID == "" {
			panic("teamsfake: user " + u.Name + " has no AADObjectID")
		}
		if seen[u.AADObjectID] || seen[u.ID] {
			panic("teamsfake: user id repeated: " + u.AADObjectID)
		}
		seen[u.AADObjectID], seen[u.ID] = true, true
	}
	s := &Server{
		opts:     o,
		now:      o.Clock,
		keys:     newKeyRing(o.SigningKey),
		calls:    &callLog{},
		fault:    newFaultTable(),
		pace:     newPacer(),
		users:    o.Users,
		tokens:   map[string]token{},
		channels: map[string]*channel{},
		reserved: map[string]time.Time{},
		convs:    map[string]*conversation{},
		personal: map[string]string{},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.addChannelLocked(generalName, "")
	g.general = true
	for _, id := range o.Conversations {
		s.convs[id] = &conversation{id: id, kind: "groupChat", known: map[string]string{}}
	}
	return s
}

// Start listens on 127.0.0.1 with a free port and serves in the background.
func (s *Server) Start() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.closed {
		return errors.New("teamsfake: server closed")
	}
	if s.srv != nil {
		return errors.New("teamsfake: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("teamsfake: listen: %w", err)
	}
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(discard{}, "", 0)}
	srv := s.srv
	go func() { _ = srv.Serve(ln) }()
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Close stops the server. It is safe to call more than once.
func (s *Server) Close() {
	s.lifeMu.Lock()
	srv := s.srv
	already := s.closed
	s.closed = true
	s.lifeMu.Unlock()
	if !already && srv != nil {
		_ = srv.Close()
	}
}

// URL is the base URL, e.g. "http://127.0.0.1:1234"; empty before Start.
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.base
}

// SetURL tells the fake its base URL when something other than Start
// serves it, e.g. httptest.NewServer(fake): the OpenID metadata's jwks_uri
// and the activities' serviceUrl are built from it.
func (s *Server) SetURL(base string) {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	s.base = strings.TrimRight(base, "/")
}

// LoginURL is the Entra login base: tokens at LoginURL()+"/{tenant}/oauth2/v2.0/token".
func (s *Server) LoginURL() string { return s.URL() + loginPrefix }

// OpenIDURL is the Bot Framework's OpenID metadata document.
func (s *Server) OpenIDURL() string { return s.URL() + openIDPath }

// GraphURL is the Microsoft Graph base (without "/v1.0").
func (s *Server) GraphURL() string { return s.URL() + graphPrefix }

// ServiceURL is the Bot Connector base, with its trailing slash as Teams sends it.
func (s *Server) ServiceURL() string { return s.URL() + connectorPrefix + "/" }

// AppID is the bot's Microsoft App ID.
func (s *Server) AppID() string { return s.opts.AppID }

// AppPassword is the client secret the token endpoint accepts.
func (s *Server) AppPassword() string { return s.opts.AppPassword }

// TenantID is the tenant id.
func (s *Server) TenantID() string { return s.opts.TenantID }

// TeamID is the team id.
func (s *Server) TeamID() string { return s.opts.TeamID }

// BotID is the bot's account id in activities, "28:" + AppID.
func (s *Server) BotID() string { return "28:" + s.opts.AppID }

// ServeHTTP serves every route: faults, latency and the call log wrap them.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, s.route)
}

// route dispatches a request to its service.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == openIDPath:
		s.serveOpenID(w, r)
	case p == keysPath:
		s.serveKeys(w, r)
	case strings.HasPrefix(p, loginPrefix+"/"):
		s.serveToken(w, r)
	case strings.HasPrefix(p, connectorPrefix+"/"):
		s.serveConnector(w, r)
	case strings.HasPrefix(p, graphPrefix+"/"):
		s.serveGraph(w, r)
	default:
		http.NotFound(w, r)
	}
}

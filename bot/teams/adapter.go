package teams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
	"mimbot/mim"
)

// Platform is Teams' platform name in requests, rooms and the outbox.
const Platform = "teams"

// DefaultOpenIDURL is the Bot Framework's OpenID metadata: its jwks_uri lists the
// keys that sign the activities sent to the bot.
const DefaultOpenIDURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"

// DefaultServiceURL is the Connector of the public cloud's Teams, used for proactive
// posts before any activity told the adapter where its tenant's Connector is.
const DefaultServiceURL = "https://smba.trafficmanager.net/teams/"

// workTimeout bounds the work behind one activity (the reply, a declaration's
// progress): a stuck Connector must not pile goroutines up forever.
const workTimeout = 2 * time.Minute

// Config is what the adapter needs from the environment.
type Config struct {
	// AppID and AppPassword are the bot's Microsoft app id and client secret
	// (TEAMS_APP_ID, TEAMS_APP_PASSWORD); TenantID is its tenant (TEAMS_TENANT_ID).
	AppID, AppPassword, TenantID string
	// TeamID is the team whose channels are war rooms (TEAMS_TEAM_ID).
	TeamID string
	// OpenIDURL, LoginURL and GraphURL replace Microsoft's (TEAMS_OPENID_URL,
	// TEAMS_LOGIN_URL, TEAMS_GRAPH_URL); "": Microsoft's.
	OpenIDURL, LoginURL, GraphURL string
	// ServiceURL is the Connector for proactive posts before any activity arrived
	// (TEAMS_SERVICE_URL); "": DefaultServiceURL. Activities then tell the one in use.
	ServiceURL string
	// HTTPClient makes every call to Microsoft; default: a 30-second timeout.
	HTTPClient *http.Client
	// Concurrency bounds the work done after answers (replies, progress) at once;
	// default 32.
	Concurrency int
	// Clock paces the Connector, checks the tokens' times and ages the declarations'
	// progress; default mim.SystemClock.
	Clock mim.Clock
	// RateScale divides the Connector's pacing windows, for tests and benchmarks
	// against a teamsfake whose RateLimitScale is not 1 (see
	// msapi.Connector.SetRateScale); 0: Teams' own windows.
	RateScale float64
}

// Adapter is the Microsoft Teams adapter. It is the mim.Chat of the teams platform.
type Adapter struct {
	cfg     Config
	surface bot.Surface
	log     *slog.Logger
	botID   string // 28:<app id>, the bot in conversations

	tokens    *msapi.Tokens
	connector *msapi.Connector
	graph     *msapi.Graph
	verifier  atomic.Pointer[verifier] // set by Start; nil: every activity is refused

	work     *bot.Workers
	progress *bot.Progress[*reply]
	seen     *bot.Recent // activity ids handled: a delivery repeated is handled once

	mu         sync.Mutex
	serviceURL string                   // the Connector the last activity came through
	members    map[string]string        // 29: user id -> Entra object id
	personal   map[string]string        // Entra object id -> personal conversation id
	channels   map[string]msapi.Channel // by id, as last seen
	stop       context.CancelFunc
}

var _ mim.Chat = (*Adapter)(nil)

// NewAdapter returns an adapter; Start checks the credentials and loads the signing
// keys.
func NewAdapter(cfg Config, surface bot.Surface, log *slog.Logger) (*Adapter, error) {
	switch {
	case cfg.AppID == "" || cfg.AppPassword == "":
		return nil, errors.New("teams: no app id or password (TEAMS_APP_ID, TEAMS_APP_PASSWORD)")
	case cfg.TenantID == "":
		return nil, errors.New("teams: no tenant (TEAMS_TENANT_ID): the bot's tokens are issued by its tenant")
	case cfg.TeamID == "":
		return nil, errors.New("teams: no team (TEAMS_TEAM_ID): war rooms are channels of one team")
	case surface == nil:
		return nil, errors.New("teams: no bot.Surface")
	}
	if cfg.OpenIDURL == "" {
		cfg.OpenIDURL = DefaultOpenIDURL
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = msapi.DefaultLoginURL
	}
	if cfg.GraphURL == "" {
		cfg.GraphURL = msapi.DefaultGraphURL
	}
	if cfg.ServiceURL == "" {
		cfg.ServiceURL = DefaultServiceURL
	}
	bot.Defaults(&cfg.HTTPClient, &cfg.Concurrency, &cfg.Clock, &log)
	tokens := msapi.NewTokens(cfg.LoginURL, cfg.TenantID, cfg.AppID, cfg.AppPassword, cfg.HTTPClient, cfg.Clock)
	connector := msapi.NewConnector(tokens, cfg.HTTPClient, cfg.Clock)
	connector.SetRateScale(cfg.RateScale)
	return &Adapter{
		cfg:        cfg,
		surface:    surface,
		log:        log.With("platform", Platform),
		botID:      "28:" + cfg.AppID,
		tokens:     tokens,
		connector:  connector,
		graph:      msapi.NewGraph(cfg.GraphURL, cfg.TeamID, tokens, cfg.HTTPClient, cfg.Clock),
		work:       bot.NewWorkers("teams", cfg.Concurrency, workTimeout),
		progress:   bot.NewProgress[*reply](progressTTL, cfg.Clock),
		seen:       bot.NewRecent(10000),
		serviceURL: cfg.ServiceURL,
		members:    map[string]string{},
		personal:   map[string]string{},
		channels:   map[string]msapi.Channel{},
	}, nil
}

// Start gets a token for each API (a wrong secret is said at once), loads the Bot
// Framework's signing keys from its OpenID metadata, and lists the team's channels.
// Until it has returned, every activity is refused.
func (a *Adapter) Start(ctx context.Context) error {
	for _, scope := range []string{msapi.ConnectorScope, msapi.GraphScope} {
		if _, err := a.tokens.Token(ctx, scope); err != nil {
			return fmt.Errorf("teams: start: token for %s (check TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID): %w", scope, err)
		}
	}
	// The keys are refreshed in the background until Shutdown.
	keysCtx, stop := context.WithCancel(context.Background())
	v, err := newVerifier(ctx, keysCtx, a.cfg)
	if err != nil {
		stop()
		return fmt.Errorf("teams: start: %w", err)
	}
	a.mu.Lock()
	a.stop = stop
	a.mu.Unlock()
	a.verifier.Store(v)
	chans, err := a.graph.Channels(ctx)
	if err != nil {
		// The first declaration lists them again; activities are taken meanwhile.
		a.log.Warn("teams: the team's channels not listed", "team", a.cfg.TeamID, "err", err)
		return nil
	}
	for _, c := range chans {
		a.rememberChannel(c)
	}
	a.log.Info("teams: connected", "app", a.cfg.AppID, "team", a.cfg.TeamID, "channels", len(chans))
	return nil
}

// Shutdown waits for the work in flight, until ctx ends; then it cancels what is
// left and stops refreshing the signing keys. Call it once the HTTP server and the
// outbox relay have stopped handing the adapter new work.
func (a *Adapter) Shutdown(ctx context.Context) error {
	err := a.work.Shutdown(ctx)
	a.mu.Lock()
	if a.stop != nil {
		a.stop()
	}
	a.mu.Unlock()
	return err
}

// connectorURL is the Connector to post through: the one the last activity came
// from, else the configured one.
func (a *Adapter) connectorURL() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.serviceURL
}

// sawServiceURL records the Connector a verified activity came through.
func (a *Adapter) sawServiceURL(u string) {
	if u == "" {
		return
	}
	a.mu.Lock()
	a.serviceURL = u
	a.mu.Unlock()
}

// rememberChannel keeps a channel's name and link, to name it in replies.
func (a *Adapter) rememberChannel(c msapi.Channel) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.channels) > 20000 {
		clear(a.channels)
	}
	a.channels[c.ID] = c
}

// channel is a channel as last seen; ok false when the adapter never saw it.
func (a *Adapter) channel(id string) (msapi.Channel, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.channels[id]
	return c, ok
}

// teamsID is a person's Entra object id, or "".
func (a *Adapter) teamsID(key string) string {
	return bot.UserID(a.surface.Config().People[key], Platform)
}

// coded gives an error of the Microsoft APIs the mim code that tells the relay what
// to do with it (msapi.Code): EUNAVAILABLE when it may work later (429, 5xx, network,
// a refused token, out of time), EINVALID for a request that will never pass. An
// error that already carries a code keeps it.
func coded(err error) error {
	if err == nil {
		return nil
	}
	var me *mim.Error
	if errors.As(err, &me) {
		return err
	}
	// msapi.Code classifies Microsoft's answers (a refused secret is retried until
	// someone fixes it, never given up); a delivery cut short is tried again too.
	code := msapi.Code(err)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		code = mim.EUNAVAILABLE
	}
	return codedError{mim: mim.Errorf(code, "%s", strings.TrimPrefix(err.Error(), "msapi: ")), err: err}
}

// codedError is an msapi error with the mim error that classifies it.
type codedError struct {
	mim *mim.Error
	err error
}

func (e codedError) Error() string   { return e.err.Error() }
func (e codedError) Unwrap() []error { return []error{e.mim, e.err} }

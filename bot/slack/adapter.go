package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// Platform is Slack's platform name in requests, rooms and the outbox.
const Platform = "slack"

// DefaultAPIURL is the Web API's base URL; the method name is appended.
const DefaultAPIURL = "https://slack.com/api/"

// workTimeout bounds the work behind one inbound request (a command, a button, an
// event), so that a stuck dependency cannot pile goroutines up forever.
const workTimeout = 2 * time.Minute

// Config is what the adapter needs from the environment.
type Config struct {
	BotToken      string // xoxb-...: Web API
	AppToken      string // xapp-...: Socket Mode; "" without it
	SigningSecret string // HTTP endpoints; "" refuses every HTTP request
	// APIURL replaces https://slack.com/api/ (SLACK_API_URL); the method name is
	// appended to it.
	APIURL string
	// TeamID is the workspace the bot serves; requests from any other are refused.
	// Empty: learned from auth.test in Start.
	TeamID     string
	HTTPClient *http.Client // default: 30-second timeout
	// Concurrency bounds the work done after acknowledgements (answers, progress) at
	// once; default 32.
	Concurrency int
	// RateScale multiplies every rate-limit tier (tests run with a fake whose limits
	// are scaled the same way); default 1.
	RateScale float64
	// Clock paces the rate limits and ages the declarations' progress; default
	// mim.SystemClock.
	Clock mim.Clock
}

// Adapter is the Slack adapter. It is the mim.Chat of the slack platform.
type Adapter struct {
	cfg     Config
	surface bot.Surface
	log     *slog.Logger
	api     *slackapi.Client
	http    *http.Client
	clock   mim.Clock

	limits   *limits
	lanes    *bot.Lanes
	events   *bot.Recent // event ids already handled
	pinned   *bot.Recent // "channel/ts" of messages already captured
	created  *bot.Recent // war rooms this process created and has not set up yet
	progress *bot.Progress[replier]

	work *bot.Workers

	mu      sync.Mutex
	team    string
	botUser string
	dms     map[string]string // Slack user id -> DM channel id
}

var _ mim.Chat = (*Adapter)(nil)

// NewAdapter returns an adapter; Start checks the token before it is used.
func NewAdapter(cfg Config, surface bot.Surface, log *slog.Logger) (*Adapter, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slack: no bot token (SLACK_BOT_TOKEN)")
	}
	if surface == nil {
		return nil, errors.New("slack: no bot.Surface")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	bot.Defaults(&cfg.HTTPClient, &cfg.Concurrency, &cfg.Clock, &log)
	if cfg.RateScale <= 0 {
		cfg.RateScale = 1
	}
	a := &Adapter{
		cfg:      cfg,
		surface:  surface,
		log:      log.With("platform", Platform),
		api:      slackapi.New(cfg.BotToken, slackapi.OptionAPIURL(cfg.APIURL), slackapi.OptionHTTPClient(cfg.HTTPClient)),
		http:     cfg.HTTPClient,
		clock:    cfg.Clock,
		limits:   newLimits(cfg.RateScale, cfg.Clock),
		lanes:    bot.NewLanes(),
		events:   bot.NewRecent(10000),
		pinned:   bot.NewRecent(10000),
		created:  bot.NewRecent(10000),
		progress: bot.NewProgress[replier](progressTTL, cfg.Clock),
		work:     bot.NewWorkers("slack", cfg.Concurrency, workTimeout),
		team:     cfg.TeamID,
		dms:      map[string]string{},
	}
	return a, nil
}

// Start checks the bot token with auth.test and learns the bot's user id and, unless
// configured, the workspace id.
func (a *Adapter) Start(ctx context.Context) error {
	var res *slackapi.AuthTestResponse
	err := a.call(ctx, "auth.test", "", func(ctx context.Context) error {
		var err error
		res, err = a.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		switch code := slackCode(err); code {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
			return fmt.Errorf("slack: start: Slack refused the bot token (%s); check SLACK_BOT_TOKEN", code)
		}
		return fmt.Errorf("slack: start: auth.test: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfg.TeamID != "" && res.TeamID != a.cfg.TeamID {
		return fmt.Errorf("slack: start: the bot token belongs to workspace %s, not the configured %s", res.TeamID, a.cfg.TeamID)
	}
	a.team, a.botUser = res.TeamID, res.UserID
	a.log.Info("slack: connected", "team", res.TeamID, "bot_user", res.UserID)
	return nil
}

// errForeignTeam refuses a request from a workspace the bot does not serve.
var errForeignTeam = errors.New("slack: request from another workspace")

// checkTeam refuses a request that names no workspace, and one from another
// workspace when the bot knows its own.
func (a *Adapter) checkTeam(team string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if team == "" || a.team != "" && team != a.team {
		return errForeignTeam
	}
	return nil
}

// person returns the person key of a Slack user, or "" when nobody configured has
// that id.
func (a *Adapter) person(user string) string {
	k, err := a.surface.Person(Platform, user)
	if err != nil {
		return ""
	}
	return k
}

// botUserID returns the bot's own user id, once Start learned it.
func (a *Adapter) botUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUser
}

// Shutdown waits for the work in flight, until ctx ends; then it cancels what is
// left. Call it once the HTTP server, the inbound connection and the outbox relay
// have stopped handing the adapter new work.
func (a *Adapter) Shutdown(ctx context.Context) error { return a.work.Shutdown(ctx) }

// spawn runs fn in the background once one of the Concurrency slots is free.
func (a *Adapter) spawn(fn func(ctx context.Context)) { a.work.Go(fn) }

// spawnNow runs fn in the background at once, outside the slots: opening a modal
// must use its trigger id within three seconds, whatever else is going on.
func (a *Adapter) spawnNow(fn func(ctx context.Context)) { a.work.Now(10*time.Second, fn) }

package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// Platform is Discord's platform name in requests, rooms and the outbox.
const Platform = "discord"

// DefaultAPIURL is where Discord's REST API lives; Config.APIURL replaces its scheme
// and host (the paths, /api/v10/..., stay).
const DefaultAPIURL = "https://discord.com"

// workTimeout bounds the work behind one interaction: the interaction token that
// answers it works for fifteen minutes, and a stuck dependency must not pile
// goroutines up forever.
const workTimeout = 2 * time.Minute

// Config is what the adapter needs from the environment.
type Config struct {
	BotToken string // DISCORD_BOT_TOKEN
	// AppID is the application id (DISCORD_APP_ID); empty: the bot user's id, which
	// Discord makes the same for bot applications.
	AppID string
	// GuildID is the one guild (server) the bot serves (DISCORD_GUILD_ID): the
	// command is registered there and war rooms are opened there.
	GuildID string
	// PublicKey is the application's hex Ed25519 key (DISCORD_PUBLIC_KEY). Set, the
	// interactions arrive at POST /discord/interactions (Routes) instead of the gateway.
	PublicKey string
	// APIURL replaces https://discord.com (DISCORD_API_URL); paths stay as they are.
	APIURL string
	// HTTPClient makes every REST call (its transport is wrapped to rewrite the host);
	// default: a 30-second timeout.
	HTTPClient *http.Client
	// Concurrency bounds the work done after answers (long answers, progress) at
	// once; default 32.
	Concurrency int
	// Clock paces the rate limits and ages interaction tokens and the declarations'
	// progress; default mim.SystemClock.
	Clock mim.Clock
}

// Adapter is the Discord adapter. It is the mim.Chat of the discord platform.
type Adapter struct {
	cfg     Config
	surface bot.Surface
	log     *slog.Logger
	http    *http.Client // every call to Discord, discordgo's included, goes through it
	rest    *client
	key     ed25519.PublicKey // nil: HTTP interactions are refused

	lanes    *bot.Lanes
	progress *bot.Progress[*reply]
	granted  *bot.Recent // "channel/user" overwrites known to be in place
	guild    guild       // the guild's channels as last seen
	// attempted holds the incidents whose war room this process tried to open: one
	// tried again may have left a channel behind.
	attempted *bot.Recent

	work *bot.Workers

	mu    sync.Mutex
	appID string
	botID string
	dms   map[string]string // Discord user id -> DM channel id
	// created holds the war rooms this process created and has not set up yet.
	created map[string]channel
}

var _ mim.Chat = (*Adapter)(nil)

// NewAdapter returns an adapter; Start checks the token and registers the command.
func NewAdapter(cfg Config, surface bot.Surface, log *slog.Logger) (*Adapter, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("discord: no bot token (DISCORD_BOT_TOKEN)")
	}
	if cfg.GuildID == "" {
		return nil, errors.New("discord: no guild (DISCORD_GUILD_ID): war rooms and the /incident command live in one guild")
	}
	if surface == nil {
		return nil, errors.New("discord: no bot.Surface")
	}
	var key ed25519.PublicKey
	if cfg.PublicKey != "" {
		b, err := hex.DecodeString(strings.TrimSpace(cfg.PublicKey))
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, errors.New("discord: DISCORD_PUBLIC_KEY is not a hex Ed25519 public key (64 hex digits, from the developer portal)")
		}
		key = b
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	target, err := url.Parse(strings.TrimRight(cfg.APIURL, "/"))
	if err != nil || target.Scheme == "" || target.Host == "" {
		return nil, fmt.Errorf("discord: DISCORD_API_URL %q is not an absolute URL such as https://discord.com", cfg.APIURL)
	}
	bot.Defaults(&cfg.HTTPClient, &cfg.Concurrency, &cfg.Clock, &log)
	hc := *cfg.HTTPClient
	hc.Transport = &transport{base: cfg.HTTPClient.Transport, target: target}
	a := &Adapter{
		cfg:       cfg,
		surface:   surface,
		log:       log.With("platform", Platform),
		http:      &hc,
		key:       key,
		lanes:     bot.NewLanes(),
		progress:  bot.NewProgress[*reply](progressTTL, cfg.Clock),
		granted:   bot.NewRecent(20000),
		attempted: bot.NewRecent(10000),
		work:      bot.NewWorkers("discord", cfg.Concurrency, workTimeout),
		appID:     cfg.AppID,
		dms:       map[string]string{},
		created:   map[string]channel{},
	}
	a.rest = &client{http: &hc, token: cfg.BotToken, limits: newLimiter(cfg.Clock), clock: cfg.Clock, log: a.log}
	return a, nil
}

// Start checks the bot token (GET /users/@me), registers the /incident command on
// the guild with a bulk overwrite, which changes nothing when the command is already
// as it should be, and lists the guild's channels, where war rooms will be opened.
func (a *Adapter) Start(ctx context.Context) error {
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if err := a.rest.do(ctx, call{method: http.MethodGet, path: "/users/@me", route: "GET /users/@me"}, &me); err != nil {
		if statusOf(err) == http.StatusUnauthorized {
			return errors.New("discord: start: Discord refused the bot token; check DISCORD_BOT_TOKEN")
		}
		return fmt.Errorf("discord: start: check the token: %w", err)
	}
	a.mu.Lock()
	a.botID = me.ID
	if a.appID == "" {
		a.appID = me.ID
	}
	app := a.appID
	a.mu.Unlock()
	var registered []struct {
		ID      string `json:"id"`
		Version string `json:"version"`
	}
	err := a.rest.do(ctx, call{
		method: http.MethodPut, path: "/applications/" + app + "/guilds/" + a.cfg.GuildID + "/commands",
		route: "PUT /applications/{app}/guilds/{guild}/commands", major: app, body: commands(), idempotent: true,
	}, &registered)
	if err != nil {
		return fmt.Errorf("discord: start: register /incident on guild %s: %w", a.cfg.GuildID, err)
	}
	a.log.Info("discord: connected", "bot_user", me.ID, "application", app, "guild", a.cfg.GuildID, "commands", len(registered))
	// Knowing the guild's channels now spares the first declaration a listing; if
	// Discord does not answer, that declaration lists them.
	if _, err := a.listChannels(ctx); err != nil {
		a.log.Warn("discord: guild channels not listed", "guild", a.cfg.GuildID, "err", err)
	}
	return nil
}

// application returns the application id (known after Start, or configured).
func (a *Adapter) application() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.appID
}

// botUserID returns the bot's own user id, once Start learned it.
func (a *Adapter) botUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.botID != "" {
		return a.botID
	}
	return a.appID
}

// discordID returns the Discord user id of a person key, or "".
func (a *Adapter) discordID(key string) string {
	return a.surface.Config().People[key].Discord
}

// Shutdown waits for the work in flight, until ctx ends; then it cancels what is
// left. Call it once the HTTP server, the inbound connection and the outbox relay
// have stopped handing the adapter new work.
func (a *Adapter) Shutdown(ctx context.Context) error { return a.work.Shutdown(ctx) }

// spawn runs fn in the background once one of the Concurrency slots is free.
func (a *Adapter) spawn(fn func(ctx context.Context)) { a.work.Go(fn) }

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/bot"
	"mimbot/bot/discord"
	"mimbot/bot/shell"
	"mimbot/bot/slack"
	"mimbot/bot/teams"
	"mimbot/internal/email"
	"mimbot/internal/llm"
	"mimbot/internal/metrics"
	"mimbot/internal/pagerduty"
	"mimbot/internal/web"
	"mimbot/internal/webhook"
	"mimbot/mim"
	"mimbot/templates"
)

// app is everything wired: store, service, relay and engine, and the metrics they
// report to.
type app struct {
	store   Store
	where   string
	service *mim.Service
	relay   *mim.Relay
	engine  *mim.Engine
	router  *bot.Router
	reg     *prometheus.Registry
	metrics *metrics.Metrics
}

// client is the HTTP client of a platform's API: every attempt goes through
// bot.Outbound, which counts it.
func (a *app) client(platform string, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &bot.Outbound{Platform: platform, Observer: a.metrics}}
}

// wire loads the configuration and opens the store for the given chat platforms; the
// caller puts each platform's mim.Chat into a.relay.Chats before the engine runs.
func (m *Main) wire(ctx context.Context, platforms ...string) (*app, error) {
	cfg, cfgWhere, err := m.loadConfig()
	if err != nil {
		return nil, err
	}
	tmpl, err := m.templates()
	if err != nil {
		return nil, err
	}
	log, err := m.logger()
	if err != nil {
		return nil, err
	}
	st, where, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	sort.Strings(platforms)
	log.Debug("wired", "config", cfgWhere, "store", where, "platforms", platforms)
	s := mim.NewService(st, cfg, tmpl, m.clock(), log, platforms...)
	reg := m.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	met := metrics.New(reg, m.clock())
	s.Observer = met
	if lc, ok := llm.ConfigFromEnv(m.Getenv); ok {
		lc.Logger = log
		if v := m.Getenv("MIMBOT_LLM_TIMEOUT"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				st.Close()
				return nil, usagef("MIMBOT_LLM_TIMEOUT=%s: use a duration such as 30s", v)
			}
			lc.Timeout = d
		}
		sum, err := llm.New(lc)
		if err != nil {
			st.Close()
			return nil, usagef("LLM configuration: %v", err)
		}
		s.Summarizer = sum
		if lc.Timeout > 0 {
			s.DraftTimeout = lc.Timeout + 5*time.Second
		}
	}
	own := owner()
	lease := 30 * time.Second
	if v := m.Getenv("MIMBOT_LEASE"); v != "" {
		if lease, err = time.ParseDuration(v); err != nil || lease < time.Second {
			st.Close()
			return nil, usagef("MIMBOT_LEASE=%s: use a duration of at least 1s, such as 30s", v)
		}
	}
	relay := &mim.Relay{Service: s, Chats: map[string]mim.Chat{}, Owner: own, Lease: lease}
	a := &app{store: st, where: where, service: s, relay: relay, router: &bot.Router{Service: s},
		engine: &mim.Engine{Service: s, Relay: relay, Owner: own, Lease: lease}, reg: reg, metrics: met}
	// PagerDuty is always wired: it is called only for towers with a routing key.
	pd, err := pagerduty.New(pagerduty.Config{EventsURL: m.Getenv("PAGERDUTY_EVENTS_URL"), HTTPClient: a.client(mim.PagerDuty, 10*time.Second)}, cfg, log)
	if err != nil {
		st.Close()
		return nil, usagef("PAGERDUTY_EVENTS_URL: %v", err)
	}
	relay.Pagers = map[string]mim.Pager{mim.PagerDuty: pd}
	// Every process renders webhook bodies when their events happen; one with
	// webhooks configured also delivers them.
	s.Hooks = webhook.Body{}
	if len(cfg.Webhooks) > 0 {
		relay.Hooks = webhook.New(webhook.Config{Webhooks: cfg.Webhooks, Clock: s.Clock, Log: log})
	}
	if err := a.engine.Start(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return a, nil
}

// shell runs the terminal chat with the engine in the background.
func (m *Main) shell(ctx context.Context) error {
	a, err := m.wire(ctx, shell.Platform)
	if err != nil {
		return err
	}
	defer a.store.Close()
	sh := shell.New(a.router, m.Stdout, firstTypist(a.service.Config))
	sh.Relay = a.relay
	a.relay.Chats[shell.Platform] = sh
	if f, ok := m.Stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			sh.Interactive = true
		}
	}
	a.engine.Lock = &sh.Gate
	if m.Advance != nil {
		sh.Sleep = func(ctx context.Context, d time.Duration) {
			m.Advance(d)
			sh.Gate.Lock()
			defer sh.Gate.Unlock()
			if _, err := a.service.FireDue(ctx, a.engine.Owner, time.Minute); err != nil {
				fmt.Fprintln(m.Stderr, "fire:", err)
			}
			if _, err := a.relay.Drain(ctx); err != nil {
				fmt.Fprintln(m.Stderr, "relay:", err)
			}
		}
	}
	a.relay.InFlight = 1 // one at a time: the terminal shows messages in the order decided
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if m.Advance == nil { // with a test clock, time moves only at /sleep, which fires what is due
		wg.Go(func() { a.engine.Run(ctx) })
	}
	err = sh.Run(ctx, m.Stdin)
	cancel()
	wg.Wait()
	return err
}

// firstTypist is who the shell starts as: the first declarer, else the service desk,
// else the first person who is neither in the SMO nor a tower lead, else the first
// person.
func firstTypist(cfg *mim.Config) string {
	keys := cfg.PersonKeys()
	if len(cfg.Declarers) > 0 {
		return cfg.Declarers[0]
	}
	if len(cfg.ServiceDesk) > 0 {
		return cfg.ServiceDesk[0]
	}
	for _, k := range keys {
		if !cfg.IsSMO(k) && len(cfg.Leads(k)) == 0 {
			return k
		}
	}
	return keys[0]
}

// serve runs the engine, the chat adapters and the HTTP listener until ctx ends.
func (m *Main) serve(ctx context.Context) error {
	log, err := m.logger()
	if err != nil {
		return err
	}
	var platforms []string
	if m.Getenv("SLACK_BOT_TOKEN") != "" {
		platforms = append(platforms, slack.Platform)
	}
	if m.Getenv("DISCORD_BOT_TOKEN") != "" {
		platforms = append(platforms, discord.Platform)
	}
	if m.Getenv("TEAMS_APP_ID") != "" {
		platforms = append(platforms, teams.Platform)
	}
	a, err := m.wire(ctx, platforms...)
	if err != nil {
		return err
	}
	defer a.store.Close()
	if len(platforms) == 0 {
		log.Warn("no chat platform is configured (set SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN or TEAMS_APP_ID): incidents from the API and alerts are recorded, " +
			"but pages, war rooms and stakeholder posts reach nobody but PagerDuty, and each page's timeline entry says so")
	}
	mux := http.NewServeMux()
	html, err := templates.LoadHTML(m.Getenv("MIMBOT_TEMPLATES"))
	if err != nil {
		return usagef("%v", err)
	}
	web.New(web.Config{Service: a.service, Token: m.Getenv("MIMBOT_API_TOKEN"), PagerDutySecret: m.Getenv("PAGERDUTY_WEBHOOK_SECRET"), HTML: html, Log: log, Registry: a.reg}).Routes(mux)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var shutdowns []func(context.Context) error

	if slices.Contains(platforms, slack.Platform) {
		ad, err := m.slack(ctx, a, log)
		if err != nil {
			return err
		}
		a.relay.Chats[slack.Platform] = ad
		shutdowns = append(shutdowns, ad.Shutdown)
		if m.Getenv("SLACK_APP_TOKEN") != "" {
			wg.Go(func() {
				if err := ad.RunSocketMode(ctx); err != nil && ctx.Err() == nil {
					log.Error("slack socket mode stopped", "err", err)
				}
			})
		}
		if m.Getenv("SLACK_SIGNING_SECRET") != "" {
			ad.Routes(mux)
		}
		if m.Getenv("SLACK_APP_TOKEN") == "" && m.Getenv("SLACK_SIGNING_SECRET") == "" {
			log.Warn("slack: neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP) is set: mimbot can post to Slack but will receive no commands")
		}
	}

	if slices.Contains(platforms, discord.Platform) {
		ad, err := m.discord(ctx, a, log)
		if err != nil {
			return err
		}
		a.relay.Chats[discord.Platform] = ad
		shutdowns = append(shutdowns, ad.Shutdown)
		if m.Getenv("DISCORD_PUBLIC_KEY") != "" {
			ad.Routes(mux)
		} else {
			wg.Go(func() {
				if err := ad.RunGateway(ctx); err != nil && ctx.Err() == nil {
					log.Error("discord gateway stopped", "err", err)
				}
			})
		}
	}

	if slices.Contains(platforms, teams.Platform) {
		ad, err := m.teams(ctx, a, log)
		if err != nil {
			return err
		}
		a.relay.Chats[teams.Platform] = ad
		shutdowns = append(shutdowns, ad.Shutdown)
		ad.Routes(mux)
	}

	ln := m.Listener
	if ln == nil {
		addr := m.env("MIMBOT_ADDR", ":8080")
		if ln, err = net.Listen("tcp", addr); err != nil {
			return usagef("MIMBOT_ADDR=%s: %v", addr, err)
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.store.Ping(pctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	mail, err := m.smtp(ctx, a, log, &wg)
	if err != nil {
		return err
	}
	a.relay.Grace = deliveryGrace
	wg.Go(func() { a.engine.Run(ctx) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("mimbot serving", "addr", ln.Addr().String(), "store", a.where, "platforms", platforms,
		"webhooks", len(a.service.Config.Webhooks), "pagerduty_webhook", m.Getenv("PAGERDUTY_WEBHOOK_SECRET") != "")
	if m.Getenv("PAGERDUTY_WEBHOOK_SECRET") != "" && !slices.ContainsFunc(a.service.Config.TowerNames(), func(t string) bool {
		return a.service.Config.Towers[t].PagerDutyRoutingKey != ""
	}) {
		log.Warn("PAGERDUTY_WEBHOOK_SECRET is set but no tower has a pagerduty_routing_key: no page goes to PagerDuty, so no acknowledgement can come back")
	}
	// Messages for a platform this process does not serve wait for one that does; say
	// so, or they wait unnoticed.
	if pending, err := a.store.PendingMessages(ctx); err != nil {
		log.Warn("outbox: count pending messages", "err", err)
	} else {
		for _, p := range slices.Sorted(maps.Keys(pending)) {
			_, chat := a.relay.Chats[p]
			_, pager := a.relay.Pagers[p]
			hook := p == mim.WebhookPlatform && a.relay.Hooks != nil
			if !chat && !pager && !hook {
				log.Warn("outbox: messages wait for a platform this process does not serve", "platform", p, "pending", pending[p])
			}
		}
	}
	if m.Ready != nil {
		m.Ready(ln.Addr())
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
		if mail != nil {
			mail.Shutdown(context.Background()) // nothing else stops its Serve, which wg waits for
		}
		cancel()
		wg.Wait()
		return fmt.Errorf("http: %w", err)
	}
	stopping := time.Now()
	log.Info("mimbot stopping")
	sctx, scancel := context.WithTimeout(context.Background(), stopBudget)
	defer scancel()
	// The engine saw ctx end too: it claims nothing more, and its deliveries under way
	// finish meanwhile (Relay.Grace). Requests under way get their answers; new
	// connections are refused.
	err = srv.Shutdown(sctx)
	if mail != nil {
		// Before the context ends: a mail being committed finishes and gets its 250.
		if serr := mail.Shutdown(sctx); serr != nil {
			log.Warn("smtp shutdown", "err", serr)
		}
	}
	cancel()
	stopped := make(chan struct{})
	go func() {
		wg.Wait()
		close(stopped)
	}()
	select {
	case <-stopped: // the engine released its leases as it stopped
	case <-sctx.Done():
		log.Warn("shutdown: work still under way at the deadline is left to the other replicas when its leases run out", "after", stopBudget)
	}
	for _, shut := range shutdowns {
		if serr := shut(sctx); serr != nil {
			log.Warn("adapter shutdown", "err", serr)
		}
	}
	log.Info("mimbot stopped", "took", time.Since(stopping).Round(time.Millisecond).String())
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// stopBudget bounds serve's shutdown: under the 10 s `docker stop` waits after SIGTERM
// before it kills (Kubernetes waits 30 s).
const stopBudget = 9 * time.Second

// deliveryGrace is how long the deliveries under way at shutdown may take to finish,
// within stopBudget: a platform call with its retries on a 429 is seconds at most.
const deliveryGrace = 6 * time.Second

// smtp starts the e-mail intake on MIMBOT_SMTP_ADDR; nil when the variable is unset.
// It runs on wg until Shutdown.
func (m *Main) smtp(ctx context.Context, a *app, log *slog.Logger, wg *sync.WaitGroup) (*email.Server, error) {
	addr := m.Getenv("MIMBOT_SMTP_ADDR")
	if addr == "" {
		return nil, nil
	}
	in := a.service.Config.Intake.Email
	if len(in.To) == 0 || len(in.AllowedDomains) == 0 {
		return nil, usagef("MIMBOT_SMTP_ADDR=%s but intake.email has no to or no allowed_domains in the configuration: no mail could be accepted", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("MIMBOT_SMTP_ADDR=%s: %v", addr, err)
	}
	srv := email.New(email.Config{Service: a.service, Log: log})
	wg.Go(func() {
		if err := srv.Serve(ctx, ln); err != nil {
			log.Error("smtp intake stopped", "err", err)
		}
	})
	log.Info("smtp intake listening", "addr", ln.Addr().String(), "to", in.To, "allowed_domains", in.AllowedDomains)
	return srv, nil
}

// slack builds and starts the Slack adapter from the environment; a bad token is a
// configuration error.
func (m *Main) slack(ctx context.Context, a *app, log *slog.Logger) (*slack.Adapter, error) {
	ad, err := slack.NewAdapter(slack.Config{
		BotToken:      m.Getenv("SLACK_BOT_TOKEN"),
		AppToken:      m.Getenv("SLACK_APP_TOKEN"),
		SigningSecret: m.Getenv("SLACK_SIGNING_SECRET"),
		APIURL:        m.Getenv("SLACK_API_URL"),
		TeamID:        m.Getenv("SLACK_TEAM_ID"),
		HTTPClient:    a.client(slack.Platform, 30*time.Second),
	}, a.router, log)
	if err != nil {
		return nil, usagef("slack: %v", err)
	}
	if err := ad.Start(ctx); err != nil {
		return nil, usagef("%v", err)
	}
	return ad, nil
}

// discord builds and starts the Discord adapter from the environment (token checked,
// /incident registered on the guild); a bad token or guild is a configuration error.
func (m *Main) discord(ctx context.Context, a *app, log *slog.Logger) (*discord.Adapter, error) {
	if m.Getenv("DISCORD_GUILD_ID") == "" {
		return nil, usagef("DISCORD_BOT_TOKEN is set but DISCORD_GUILD_ID is not: mimbot registers /incident on one guild")
	}
	ad, err := discord.NewAdapter(discord.Config{
		BotToken:   m.Getenv("DISCORD_BOT_TOKEN"),
		AppID:      m.Getenv("DISCORD_APP_ID"),
		GuildID:    m.Getenv("DISCORD_GUILD_ID"),
		PublicKey:  m.Getenv("DISCORD_PUBLIC_KEY"),
		APIURL:     m.Getenv("DISCORD_API_URL"),
		HTTPClient: a.client(discord.Platform, 30*time.Second),
	}, a.router, log)
	if err != nil {
		return nil, usagef("discord: %v", err)
	}
	if err := ad.Start(ctx); err != nil {
		return nil, usagef("%v", err)
	}
	return ad, nil
}

// teams builds and starts the Teams adapter from the environment (credentials checked
// by a token for each API, the Bot Framework's signing keys loaded); a missing or
// wrong setting is a configuration error.
func (m *Main) teams(ctx context.Context, a *app, log *slog.Logger) (*teams.Adapter, error) {
	for _, k := range []string{"TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_TEAM_ID"} {
		if m.Getenv(k) == "" {
			return nil, usagef("TEAMS_APP_ID is set but %s is not: Teams needs the app id, its client secret (TEAMS_APP_PASSWORD), the tenant (TEAMS_TENANT_ID) and the team whose channels are war rooms (TEAMS_TEAM_ID)", k)
		}
	}
	ad, err := teams.NewAdapter(teams.Config{
		AppID:       m.Getenv("TEAMS_APP_ID"),
		AppPassword: m.Getenv("TEAMS_APP_PASSWORD"),
		TenantID:    m.Getenv("TEAMS_TENANT_ID"),
		TeamID:      m.Getenv("TEAMS_TEAM_ID"),
		OpenIDURL:   m.Getenv("TEAMS_OPENID_URL"),
		LoginURL:    m.Getenv("TEAMS_LOGIN_URL"),
		GraphURL:    m.Getenv("TEAMS_GRAPH_URL"),
		ServiceURL:  m.Getenv("TEAMS_SERVICE_URL"),
		HTTPClient:  a.client(teams.Platform, 30*time.Second),
	}, a.router, log)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if err := ad.Start(ctx); err != nil {
		return nil, usagef("%v", err)
	}
	return ad, nil
}

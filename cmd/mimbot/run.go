package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"mimbot/bot"
	"mimbot/bot/shell"
	"mimbot/internal/llm"
	"mimbot/mim"
)

// app is everything wired: store, service, relay and engine.
type app struct {
	store   Store
	where   string
	service *mim.Service
	relay   *mim.Relay
	engine  *mim.Engine
	router  *bot.Router
}

// wire loads the configuration and opens the store; chats are the running platforms.
func (m *Main) wire(ctx context.Context, chats map[string]mim.Chat) (*app, error) {
	cfg, cfgWhere, err := m.loadConfig()
	if err != nil {
		return nil, err
	}
	tmpl, err := m.templates()
	if err != nil {
		return nil, err
	}
	st, where, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	var platforms []string
	for p := range chats {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	log := m.logger()
	log.Debug("wired", "config", cfgWhere, "store", where, "platforms", platforms)
	s := mim.NewService(st, cfg, tmpl, m.clock(), log, platforms...)
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
	relay := &mim.Relay{Service: s, Chats: chats, Owner: own}
	a := &app{store: st, where: where, service: s, relay: relay, router: &bot.Router{Service: s},
		engine: &mim.Engine{Service: s, Relay: relay, Owner: own}}
	if err := a.engine.Start(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return a, nil
}

// shell runs the terminal chat with the engine in the background.
func (m *Main) shell(ctx context.Context) error {
	chats := map[string]mim.Chat{}
	var sh *shell.Shell
	chats[shell.Platform] = chatFunc(func() mim.Chat { return sh })
	a, err := m.wire(ctx, chats)
	if err != nil {
		return err
	}
	defer a.store.Close()
	sh = shell.New(a.router, m.Stdout, firstTypist(a.service.Config))
	sh.Relay = a.relay
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
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { a.engine.Run(ctx) })
	err = sh.Run(ctx, m.Stdin)
	cancel()
	wg.Wait()
	return err
}

// chatFunc defers to a Chat made after wiring (the shell needs the router first).
type chatFunc func() mim.Chat

func (f chatFunc) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	return f().OpenRoom(ctx, req)
}

func (f chatFunc) Send(ctx context.Context, d mim.Delivery) error { return f().Send(ctx, d) }

// firstTypist is who the shell starts as: the first person who is neither in the SMO
// nor a tower lead (someone from the service desk), else the first person.
func firstTypist(cfg *mim.Config) string {
	keys := cfg.PersonKeys()
	if len(cfg.Declarers) > 0 {
		return cfg.Declarers[0]
	}
	for _, k := range keys {
		if !cfg.IsSMO(k) && len(cfg.Leads(k)) == 0 {
			return k
		}
	}
	return keys[0]
}

// serve runs the engine and the HTTP listener until ctx ends.
func (m *Main) serve(ctx context.Context) error {
	log := m.logger()
	a, err := m.wire(ctx, map[string]mim.Chat{})
	if err != nil {
		return err
	}
	defer a.store.Close()
	ln := m.Listener
	if ln == nil {
		addr := m.env("MIMBOT_ADDR", ":8080")
		if ln, err = net.Listen("tcp", addr); err != nil {
			return usagef("MIMBOT_ADDR=%s: %v", addr, err)
		}
	}
	mux := http.NewServeMux()
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { a.engine.Run(ctx) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("mimbot serving", "addr", ln.Addr().String(), "store", a.where)
	if m.Ready != nil {
		m.Ready(ln.Addr())
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
		cancel()
		wg.Wait()
		return fmt.Errorf("http: %w", err)
	}
	log.Info("mimbot stopping")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	err = srv.Shutdown(sctx)
	wg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

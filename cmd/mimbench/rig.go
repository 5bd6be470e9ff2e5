package main

import (
	"context"
	"flag"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"mimbot/bot"
	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/store"
	"mimbot/templates"
)

// benchConfig is the demo configuration with nothing in the way of a benchmark: any
// number of incidents per IM, no digest.
func benchConfig() *mim.Config {
	cfg := config.Demo()
	cfg.MaxConcurrent = math.MaxInt32
	cfg.Digest = nil
	return cfg
}

// httpAdapter is a chat adapter that takes its requests over HTTP.
type httpAdapter interface {
	mim.Chat
	Start(ctx context.Context) error
	Routes(mux *http.ServeMux)
	Shutdown(ctx context.Context) error
}

// rig is a chat benchmark's mimbot: a service on a fresh SQLite file, its relay and
// engine delivering to one adapter, and the adapter's routes on a test server.
type rig struct {
	srv  *httptest.Server
	stop func()
}

// newRig starts the rig for platform with the adapter newAdapter makes (then Starts);
// stop ends it all and closes the fake after it.
func newRig(ctx context.Context, cfg *mim.Config, platform string, fake interface{ Close() }, newAdapter func(bot.Surface, *slog.Logger) (httpAdapter, error)) (*rig, error) {
	dir, err := os.MkdirTemp("", "mimbench-"+platform)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := mim.NewService(db, cfg, templates.Must(), nil, log, platform)
	ad, err := newAdapter(&bot.Router{Service: svc}, log)
	if err != nil {
		return nil, err
	}
	if err := ad.Start(ctx); err != nil {
		return nil, err
	}
	relay := &mim.Relay{Service: svc, Chats: map[string]mim.Chat{platform: ad}, Owner: "bench"}
	engine := &mim.Engine{Service: svc, Relay: relay, Owner: "bench", Poll: 100 * time.Millisecond}
	mux := http.NewServeMux()
	ad.Routes(mux)
	srv := httptest.NewServer(mux)
	ectx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { engine.Run(ectx) })
	return &rig{srv: srv, stop: func() {
		cancel()
		wg.Wait()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		ad.Shutdown(sctx)
		srv.Close()
		fake.Close()
		db.Close()
		os.RemoveAll(dir)
	}}, nil
}

// readyFlags parses a chat benchmark's flags: L, the declare-to-ready runs and the
// pause between them.
func readyFlags(name string, gap time.Duration, args []string) (l time.Duration, runs int, pause time.Duration) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	latency := fs.Duration("latency", 100*time.Millisecond, "L: the fake's answer time for declare-to-ready")
	n := fs.Int("runs", 9, "declare-to-ready runs")
	g := fs.Duration("gap", gap, "pause between declare-to-ready runs")
	fs.Parse(args)
	return *latency, *n, *g
}

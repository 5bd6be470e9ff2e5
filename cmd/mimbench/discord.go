package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"mimbot/bot"
	"mimbot/bot/discord"
	"mimbot/bot/discord/discordfake"
	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/store"
	"mimbot/templates"
)

// discordBench is mimbot's Discord adapter, service, relay and engine on a fake guild,
// taking interactions over signed HTTP.
type discordBench struct {
	fake    *discordfake.Server
	srv     *httptest.Server
	general string
	stake   string
	ids     atomic.Int64
	stop    func()
}

func newDiscordBench(ctx context.Context) (*discordBench, error) {
	cfg := config.Demo()
	cfg.MaxConcurrent = math.MaxInt32
	cfg.Digest = nil
	opts := discordfake.Options{}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		opts.Users = append(opts.Users, discordfake.User{ID: p.Discord, Username: k, GlobalName: p.Name})
	}
	opts.Channels = append(opts.Channels,
		discordfake.Channel{Name: "general", Type: discordfake.ChannelText},
		discordfake.Channel{ID: cfg.Stakeholders["discord"], Name: "stakeholders", Type: discordfake.ChannelText, Position: 1})
	fake := discordfake.New(opts)
	if err := fake.Start(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mimbench-discord")
	if err != nil {
		return nil, err
	}
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := mim.NewService(db, cfg, templates.Must(), nil, log, discord.Platform)
	ad, err := discord.NewAdapter(discord.Config{BotToken: fake.BotToken(), AppID: fake.ApplicationID(), GuildID: fake.GuildID(),
		PublicKey: fake.PublicKeyHex(), APIURL: fake.URL()}, &bot.Router{Service: svc}, log)
	if err != nil {
		return nil, err
	}
	if err := ad.Start(ctx); err != nil {
		return nil, err
	}
	relay := &mim.Relay{Service: svc, Chats: map[string]mim.Chat{discord.Platform: ad}, Owner: "bench"}
	engine := &mim.Engine{Service: svc, Relay: relay, Owner: "bench", Poll: 100 * time.Millisecond}
	mux := http.NewServeMux()
	ad.Routes(mux)
	srv := httptest.NewServer(mux)
	ectx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { engine.Run(ectx) })
	general, _ := fake.ChannelByName("general")
	b := &discordBench{fake: fake, srv: srv, general: general.ID, stake: cfg.Stakeholders["discord"]}
	b.stop = func() {
		cancel()
		wg.Wait()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		ad.Shutdown(sctx)
		srv.Close()
		fake.Close()
		db.Close()
		os.RemoveAll(dir)
	}
	return b, nil
}

// declare posts a signed `/incident declare` and returns the bot's answer time.
func (b *discordBench) declare(ctx context.Context, title, impact string, towers string) (int, time.Duration, error) {
	list := []any{
		map[string]any{"type": 3, "name": "title", "value": title},
		map[string]any{"type": 3, "name": "impact", "value": impact},
		map[string]any{"type": 3, "name": "urgency", "value": impact},
	}
	if towers != "" {
		list = append(list, map[string]any{"type": 3, "name": "towers", "value": towers})
	}
	data := map[string]any{"name": "incident", "type": 1, "options": []any{map[string]any{"type": 1, "name": "declare", "options": list}}}
	i := discordfake.Interaction{ID: strconv.FormatInt(1500000000000000000+b.ids.Add(1), 10), Type: discordfake.InteractionApplicationCommand,
		UserID: "100000000000000012", ChannelID: b.general, Data: data}
	status, _, took, err := b.fake.PostInteraction(ctx, b.srv.URL+"/discord/interactions", i)
	return status, took, err
}

func discordBenchmarks(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("discord", flag.ExitOnError)
	latency := fs.Duration("latency", 100*time.Millisecond, "L: the fake's answer time for declare-to-ready")
	runs := fs.Int("runs", 9, "declare-to-ready runs")
	gap := fs.Duration("gap", 2500*time.Millisecond, "pause between declare-to-ready runs")
	fs.Parse(args)
	if err := discordAnswer(ctx); err != nil {
		return err
	}
	return discordReady(ctx, *latency, *runs, *gap)
}

// discordAnswer sends 200 declarations at once while Discord's REST answers after 2 s;
// each is answered once it is committed.
func discordAnswer(ctx context.Context) error {
	b, err := newDiscordBench(ctx)
	if err != nil {
		return err
	}
	defer b.stop()
	b.fake.SetLatency("", 2*time.Second)
	var mu sync.Mutex
	var took []time.Duration
	failed := 0
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Go(func() {
			status, d, err := b.declare(ctx, fmt.Sprintf("Slow Discord %d", i), "low", "")
			mu.Lock()
			defer mu.Unlock()
			if err != nil || status != http.StatusOK {
				failed++
				return
			}
			took = append(took, d)
		})
	}
	wg.Wait()
	slices.Sort(took)
	fmt.Printf("\n## Discord: answer (after the commit) while REST answers after 2 s (200 concurrent declarations)\n\n| figure | value |\n|---|---|\n")
	fmt.Printf("| answered | %d (failed %d) |\n| response latency p50 / p99 / max | %s / %s / %s |\n| Discord's limit | 3000ms |\n",
		len(took), failed, pct(took, 0.5), pct(took, 0.99), pct(took, 1))
	return nil
}

// discordReady measures declare to ready (text and voice channels, pinned card, both
// leads DMed, stakeholders told) with every REST call taking L.
func discordReady(ctx context.Context, l time.Duration, runs int, gap time.Duration) error {
	b, err := newDiscordBench(ctx)
	if err != nil {
		return err
	}
	defer b.stop()
	b.fake.SetLatency("", l)
	dms := func(user string) int {
		if ch, ok := b.fake.DMChannel(user); ok {
			return len(b.fake.Messages(ch.ID))
		}
		return 0
	}
	var took []time.Duration
	for i := 1; i <= runs; i++ {
		if i > 1 {
			// Declares a few seconds apart, as incidents come: back to back, Discord's
			// channel-creation bucket (two channels a declare) would be measured instead.
			time.Sleep(gap)
		}
		dave, frank, stake := dms("100000000000000005"), dms("100000000000000007"), len(b.fake.Messages(b.stake))
		start := time.Now()
		if status, _, err := b.declare(ctx, fmt.Sprintf("Payments down %d", i), "high", "application,database"); err != nil || status != 200 {
			return fmt.Errorf("declare: %d %v", status, err)
		}
		name := fmt.Sprintf("mi-%d-payments-down-%d", i, i)
		for {
			c, ok := b.fake.ChannelByName(name)
			voice := false
			for _, ch := range b.fake.Channels() {
				voice = voice || ch.Type == discordfake.ChannelVoice && ch.ParentID == c.ParentID && ch.ParentID != ""
			}
			if ok && voice && len(b.fake.Pins(c.ID)) == 1 && dms("100000000000000005") > dave && dms("100000000000000007") > frank && len(b.fake.Messages(b.stake)) > stake {
				break
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("declare %d not ready after a minute", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		took = append(took, time.Since(start))
		if os.Getenv("MIMBENCH_TRACE") != "" && i == runs {
			for _, c := range b.fake.Calls() {
				if d := c.Time.Sub(start); d >= 0 {
					fmt.Printf("  +%4dms %s %s\n", d.Milliseconds(), c.Method, c.Route)
				}
			}
		}
	}
	slices.Sort(took)
	med := pct(took, 0.5)
	fmt.Printf("\n## Discord: declare to ready, every REST call taking L = %s, declares %s apart\n\n| figure | value |\n|---|---|\n| declare-to-ready median (of %d) | %s = %.2f L |\n| slowest | %s = %.2f L |\n", l, gap, runs, med, float64(med)/float64(l), pct(took, 1), float64(pct(took, 1))/float64(l))
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"mimbot/bot"
	"mimbot/bot/discord"
	"mimbot/bot/discord/discordfake"
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
	cfg := benchConfig()
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
	r, err := newRig(ctx, cfg, discord.Platform, fake, func(s bot.Surface, log *slog.Logger) (httpAdapter, error) {
		return discord.NewAdapter(discord.Config{BotToken: fake.BotToken(), AppID: fake.ApplicationID(), GuildID: fake.GuildID(),
			PublicKey: fake.PublicKeyHex(), APIURL: fake.URL()}, s, log)
	})
	if err != nil {
		return nil, err
	}
	general, _ := fake.ChannelByName("general")
	return &discordBench{fake: fake, srv: r.srv, general: general.ID, stake: cfg.Stakeholders["discord"], stop: r.stop}, nil
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
	l, runs, gap := readyFlags("discord", 2500*time.Millisecond, args)
	if err := discordAnswer(ctx); err != nil {
		return err
	}
	return discordReady(ctx, l, runs, gap)
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
	took, failed := answerTimes(200, func(i int) (int, time.Duration, error) {
		return b.declare(ctx, fmt.Sprintf("Slow Discord %d", i), "low", "")
	})
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

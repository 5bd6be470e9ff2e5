package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/bot/slack"
	"mimbot/bot/slack/slackfake"
	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/store"
	"mimbot/templates"
)

const benchSecret = "bench-signing-secret"

// slackBench is mimbot's Slack adapter, service, relay and engine on a fake Slack.
type slackBench struct {
	fake    *slackfake.Server
	srv     *httptest.Server
	db      *store.DB
	path    string
	svc     *mim.Service
	general string
	stop    func()
}

func newSlackBench(ctx context.Context, scale float64) (*slackBench, error) {
	cfg := config.Demo()
	cfg.MaxConcurrent = math.MaxInt32
	cfg.Digest = nil
	opts := slackfake.Options{RateLimitScale: scale, Channels: []slackfake.ChannelSeed{{ID: cfg.Stakeholders["slack"], Name: "stakeholders", BotIsMember: true}}}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		opts.Users = append(opts.Users, slackfake.UserSeed{ID: p.Slack, Name: k, RealName: p.Name, Email: p.Email})
	}
	fake := slackfake.New(opts)
	if err := fake.Start(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mimbench-slack")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "bench.db")
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := mim.NewService(db, cfg, templates.Must(), nil, log, slack.Platform)
	router := &bot.Router{Service: svc}
	ad, err := slack.NewAdapter(slack.Config{BotToken: fake.BotToken(), AppToken: fake.AppToken(), SigningSecret: benchSecret,
		APIURL: fake.URL() + "/api/", RateScale: scale}, router, log)
	if err != nil {
		return nil, err
	}
	if err := ad.Start(ctx); err != nil {
		return nil, err
	}
	relay := &mim.Relay{Service: svc, Chats: map[string]mim.Chat{slack.Platform: ad}, Owner: "bench"}
	engine := &mim.Engine{Service: svc, Relay: relay, Owner: "bench", Poll: 100 * time.Millisecond}
	mux := http.NewServeMux()
	ad.Routes(mux)
	srv := httptest.NewServer(mux)
	ectx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { engine.Run(ectx) })
	general, _ := fake.ChannelByName("general")
	b := &slackBench{fake: fake, srv: srv, db: db, path: path, svc: svc, general: general.ID}
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

func (b *slackBench) command(ctx context.Context, text string) (int, time.Duration, error) {
	resp, took, err := b.fake.PostSlashCommand(ctx, b.srv.URL+"/slack/commands", benchSecret,
		slackfake.SlashCommand{Command: "/incident", Text: text, UserID: "U01SAM", ChannelID: b.general})
	if err != nil {
		return 0, took, err
	}
	resp.Body.Close()
	return resp.StatusCode, took, nil
}

// ready tells whether incident n's declare is done on Slack: channel, invites, topic,
// bookmark, pinned card, both leads paged by DM, stakeholders told.
func (b *slackBench) ready(name string, dms map[string]int, stake int) bool {
	ch, ok := b.fake.ChannelByName(name)
	if !ok || ch.Topic == "" || len(b.fake.Pins(ch.ID)) == 0 || len(b.fake.Bookmarks(ch.ID)) == 0 || len(ch.Members) < 4 {
		return false
	}
	for user, before := range dms {
		if len(b.fake.DMs(user)) <= before {
			return false
		}
	}
	return len(b.fake.Messages("C01STAKE")) > stake
}

func slackBenchmarks(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("slack", flag.ExitOnError)
	latency := fs.Duration("latency", 100*time.Millisecond, "L: the fake's answer time for declare-to-ready")
	runs := fs.Int("runs", 9, "declare-to-ready runs")
	gap := fs.Duration("gap", 2500*time.Millisecond, "pause between declare-to-ready runs")
	fs.Parse(args)
	if err := ackLatency(ctx); err != nil {
		return err
	}
	if err := declareToReady(ctx, *latency, *runs, *gap); err != nil {
		return err
	}
	return burst(ctx)
}

// ackLatency sends 200 commands at once while Slack answers every call after 2 s.
func ackLatency(ctx context.Context) error {
	b, err := newSlackBench(ctx, 1e6)
	if err != nil {
		return err
	}
	defer b.stop()
	b.fake.SetLatency("", 2*time.Second)
	took, failed := answerTimes(200, func(i int) (int, time.Duration, error) {
		return b.command(ctx, fmt.Sprintf("declare Slow Slack %d impact=low urgency=low", i))
	})
	fmt.Printf("\n## Slack: acknowledgement (after the commit) while Slack answers after 2 s (200 concurrent declarations)\n\n| figure | value |\n|---|---|\n")
	fmt.Printf("| acked | %d (failed %d) |\n| ack latency p50 / p99 / max | %s / %s / %s |\n| Slack's limit | 3000ms |\n",
		len(took), failed, pct(took, 0.5), pct(took, 0.99), pct(took, 1))
	return nil
}

// declareToReady measures one declare at a time with every Slack call taking L, and
// the same calls made one after another by a plain client.
func declareToReady(ctx context.Context, l time.Duration, runs int, gap time.Duration) error {
	b, err := newSlackBench(ctx, 1e6)
	if err != nil {
		return err
	}
	defer b.stop()
	b.fake.SetLatency("", l)
	var took []time.Duration
	calls := 0
	for i := 1; i <= runs; i++ {
		if i > 1 {
			time.Sleep(gap) // declares a few seconds apart, as incidents come
		}
		dms := map[string]int{"U01DAVE": len(b.fake.DMs("U01DAVE")), "U01FRANK": len(b.fake.DMs("U01FRANK"))}
		stake := len(b.fake.Messages("C01STAKE"))
		before := len(b.fake.Calls())
		start := time.Now()
		if status, _, err := b.command(ctx, fmt.Sprintf("declare Payments down %d impact=high urgency=high towers=application,database", i)); err != nil || status != 200 {
			return fmt.Errorf("declare: %d %v", status, err)
		}
		name := fmt.Sprintf("mi-%d-payments-down-%d", i, i)
		for !b.ready(name, dms, stake) {
			if time.Since(start) > time.Minute {
				return fmt.Errorf("declare %d not ready after a minute", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		took = append(took, time.Since(start))
		calls = len(b.fake.Calls()) - before
	}
	slices.Sort(took)
	seq, n, err := sequentialFlow(ctx, b, l)
	if err != nil {
		return err
	}
	med := pct(took, 0.5)
	fmt.Printf("\n## Slack: declare to ready, every call taking L = %s\n\n| figure | value |\n|---|---|\n", l)
	fmt.Printf("| declare-to-ready median (of %d) | %s = %.2f L |\n| Slack calls per declare | %d |\n| the same flow one call at a time (%d calls) | %s = %.2f L |\n| ratio one-at-a-time / mimbot | %.1fx |\n",
		runs, med, float64(med)/float64(l), calls, n, seq.Round(time.Millisecond), float64(seq)/float64(l), float64(seq)/float64(med))
	return nil
}

// sequentialFlow makes the calls of a declare one after another with slack-go.
func sequentialFlow(ctx context.Context, b *slackBench, l time.Duration) (time.Duration, int, error) {
	api := slackapi.New(b.fake.BotToken(), slackapi.OptionAPIURL(b.fake.URL()+"/api/"))
	start := time.Now()
	n := 0
	step := func(err error) error {
		n++
		return err
	}
	ch, err := api.CreateConversationContext(ctx, slackapi.CreateConversationParams{ChannelName: "sequential-flow"})
	if err := step(err); err != nil {
		return 0, 0, err
	}
	if _, err := api.InviteUsersToConversationContext(ctx, ch.ID, "U01CAROL", "U01SAM", "U01DAVE", "U01FRANK"); step(err) != nil {
		return 0, 0, err
	}
	if _, err := api.SetTopicOfConversationContext(ctx, ch.ID, "P0 · investigating · IM Carol Diaz"); step(err) != nil {
		return 0, 0, err
	}
	if _, err := api.AddBookmarkContext(ctx, ch.ID, slackapi.AddBookmarkParameters{Title: "Bridge", Type: "link", Link: "https://meet.jit.si/x"}); step(err) != nil {
		return 0, 0, err
	}
	_, ts, err := api.PostMessageContext(ctx, ch.ID, slackapi.MsgOptionText("card", false))
	if step(err) != nil {
		return 0, 0, err
	}
	if err := api.AddPinContext(ctx, ch.ID, slackapi.NewRefToMessage(ch.ID, ts)); step(err) != nil {
		return 0, 0, err
	}
	for _, text := range []string{"announcement", "paging dave", "paging frank"} {
		if _, _, err := api.PostMessageContext(ctx, ch.ID, slackapi.MsgOptionText(text, false)); step(err) != nil {
			return 0, 0, err
		}
	}
	for _, u := range []string{"U01CAROL", "U01DAVE", "U01FRANK"} {
		im, _, _, err := api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{u}})
		if step(err) != nil {
			return 0, 0, err
		}
		if _, _, err := api.PostMessageContext(ctx, im.ID, slackapi.MsgOptionText("page", false)); step(err) != nil {
			return 0, 0, err
		}
	}
	if _, _, err := api.PostMessageContext(ctx, "C01STAKE", slackapi.MsgOptionText("declared", false)); step(err) != nil {
		return 0, 0, err
	}
	return time.Since(start), n, nil
}

// burst sends 100 declares within one second against Slack's tier limits scaled 60x and
// compares the time to finish everything with the least the limits allow.
func burst(ctx context.Context) error {
	const scale, n = 60.0, 100
	b, err := newSlackBench(ctx, scale)
	if err != nil {
		return err
	}
	defer b.stop()
	stake := len(b.fake.Messages("C01STAKE"))
	start := time.Now()
	var wg sync.WaitGroup
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			time.Sleep(time.Duration(i-1) * 10 * time.Millisecond)
			b.command(ctx, fmt.Sprintf("declare Burst %d impact=high urgency=high towers=application,database", i))
		})
	}
	wg.Wait()
	raw, err := sql.Open("sqlite", b.path)
	if err != nil {
		return err
	}
	defer raw.Close()
	pending := func() (int, int, error) {
		var open, failed int
		err := raw.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE done_at IS NULL), count(*) FILTER (WHERE failure IS NOT NULL AND failure <> '') FROM outbox`).Scan(&open, &failed)
		return open, failed, err
	}
	var incidents int
	for {
		open, _, err := pending()
		if err != nil {
			return err
		}
		raw.QueryRowContext(ctx, `SELECT count(*) FROM incidents`).Scan(&incidents)
		if open == 0 && incidents == n {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("burst not done after 10 minutes (%d messages pending)", open)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	_, failed, err := pending()
	if err != nil {
		return err
	}
	// The least time the limits allow for the calls that were made: per rate-limit
	// bucket, the calls beyond its burst at its sustained rate.
	perBucket := map[string]int{}
	limits := map[string]slackfake.RateLimit{}
	limited := map[string]int{}
	for _, c := range b.fake.Calls() {
		if c.Status == http.StatusTooManyRequests {
			limited[c.Method]++
		}
		lim, ok := slackfake.DefaultRateLimit(c.Method)
		if !ok || c.Status != 200 {
			continue
		}
		key := c.Method
		if lim.PerChannel {
			key += " " + c.Channel
		}
		perBucket[key]++
		limits[key] = lim
	}
	minimum, binding := time.Duration(0), ""
	for key, calls := range perBucket {
		lim := limits[key]
		rate := lim.PerMinute * scale / 60
		if d := time.Duration(float64(max(0, calls-lim.Burst)) / rate * float64(time.Second)); d > minimum {
			minimum, binding = d, fmt.Sprintf("%s: %d calls at %.0f/s, burst %d", key, calls, rate, lim.Burst)
		}
	}
	rooms := 0
	for _, c := range b.fake.Channels() {
		if strings.HasPrefix(c.Name, "mi-") && len(b.fake.Pins(c.ID)) == 1 {
			rooms++
		}
	}
	fmt.Printf("\n## Slack: %d declares in one second, tier limits scaled %.0fx\n\n| figure | value |\n|---|---|\n", n, scale)
	fmt.Printf("| war rooms with a pinned card | %d |\n| stakeholder posts | %d |\n| completion | %s |\n| least the limits allow | %s (%s) |\n| completion / least | %.2f |\n| calls answered 429 | %v |\n| calls before a Retry-After expired | %d |\n| messages lost (given up) | %d |\n",
		rooms, len(b.fake.Messages("C01STAKE"))-stake, took.Round(time.Millisecond), minimum.Round(time.Millisecond), binding, float64(took)/float64(minimum), limited, b.fake.EarlyRetries(), failed)
	return nil
}

func pct(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	return xs[min(len(xs)-1, int(p*float64(len(xs))))].Round(time.Millisecond)
}

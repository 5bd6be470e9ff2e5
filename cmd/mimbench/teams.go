package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"mimbot/bot"
	"mimbot/bot/teams"
	"mimbot/bot/teams/msapi"
	"mimbot/bot/teams/teamsfake"
	"mimbot/mim"
)

// teamsBench is mimbot's Teams adapter, service, relay and engine on a fake Microsoft
// (Bot Framework, Connector, Graph), taking signed activities over HTTP.
type teamsBench struct {
	fake    *teamsfake.Server
	srv     *httptest.Server
	cfg     *mim.Config
	general string
	stop    func()
}

func newTeamsBench(ctx context.Context) (*teamsBench, error) {
	cfg := benchConfig()
	opts := teamsfake.Options{Conversations: []string{cfg.Stakeholders["teams"]}}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		opts.Users = append(opts.Users, teamsfake.User{AADObjectID: p.Teams, Name: p.Name, UPN: k + "@example.com", AppInstalled: true})
	}
	fake := teamsfake.New(opts)
	if err := fake.Start(); err != nil {
		return nil, err
	}
	r, err := newRig(ctx, cfg, teams.Platform, fake, func(s bot.Surface, log *slog.Logger) (httpAdapter, error) {
		return teams.NewAdapter(teams.Config{AppID: fake.AppID(), AppPassword: fake.AppPassword(), TenantID: fake.TenantID(), TeamID: fake.TeamID(),
			OpenIDURL: fake.OpenIDURL(), LoginURL: fake.LoginURL(), GraphURL: fake.GraphURL(), ServiceURL: fake.ServiceURL()}, s, log)
	})
	if err != nil {
		return nil, err
	}
	general, _ := fake.ChannelByName("General")
	return &teamsBench{fake: fake, srv: r.srv, cfg: cfg, general: general.ID, stop: r.stop}, nil
}

// say delivers a signed message typed by sam in the General channel and returns the
// time to the bot's answer.
func (b *teamsBench) say(ctx context.Context, text string) (int, time.Duration, error) {
	a := b.fake.Message(b.general, b.cfg.People["sam"].Teams, text)
	status, _, took, err := b.fake.Deliver(ctx, b.srv.URL+"/teams/messages", a)
	return status, took, err
}

// quiet waits until the bot has replied to every declaration in General and then
// made no call to Microsoft for half a second (a minute at most).
func (b *teamsBench) quiet(ctx context.Context) {
	deadline := time.Now().Add(time.Minute)
	calls, since := -1, time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		n := len(b.fake.Calls())
		if n != calls {
			calls, since = n, time.Now()
		}
		if b.posts(b.general) > 0 && time.Since(since) > 500*time.Millisecond {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// posts counts what the bot posted in a conversation; personal ones by person key.
func (b *teamsBench) posts(conv string) int { return len(b.fake.Posts(conv)) }

func (b *teamsBench) personal(key string) int {
	if conv, ok := b.fake.Personal(b.cfg.People[key].Teams); ok {
		return b.posts(conv)
	}
	return 0
}

func teamsBenchmarks(ctx context.Context, args []string) error {
	l, runs, gap := readyFlags("teams", 1500*time.Millisecond, args)
	if err := teamsAnswer(ctx); err != nil {
		return err
	}
	return teamsReady(ctx, l, runs, gap)
}

// teamsAnswer sends 200 declarations at once, twice, while the Connector answers
// after 2 s: the Bot Framework wants its POST answered, and the work done after.
func teamsAnswer(ctx context.Context) error {
	b, err := newTeamsBench(ctx)
	if err != nil {
		return err
	}
	defer b.stop()
	b.fake.SetLatency("/connector", 2*time.Second)
	// Every activity is signed before the first is sent: signing (RSA) is the Bot
	// Framework's work, not mimbot's, and 200 signatures at once would hold the CPU
	// the bot answers on.
	type signed struct {
		body  []byte
		token string
	}
	const burst = 200
	reqs := make([]signed, 2*burst)
	for i := range reqs {
		a := b.fake.Message(b.general, b.cfg.People["sam"].Teams, fmt.Sprintf("incident declare Slow Teams %d impact=low urgency=low", i))
		body, err := json.Marshal(a)
		if err != nil {
			return err
		}
		reqs[i] = signed{body: body, token: b.fake.SignToken(a.ServiceURL)}
	}
	// The first burst opens its 200 connections, as the Slack and Discord benchmarks
	// do; the second, a moment later, finds them open, as the Bot Framework keeps them.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: burst, MaxConnsPerHost: burst}}
	send := func(r signed) (int, time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL+"/teams/messages", bytes.NewReader(r.body))
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+r.token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, time.Since(start), err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(start), nil
	}
	// The first burst also meets a process that has served nothing yet: no
	// connection to the database kept, no statement prepared. The second comes once
	// the first one's work is done (replies included: the Connector's 2 s).
	fmt.Printf("\n## Teams: answer to the Bot Framework while the Connector answers after 2 s (%d concurrent declarations)\n\n", burst)
	fmt.Printf("| burst | answered | p50 / p99 / max |\n|---|---|---|\n")
	for i, name := range []string{"first: 200 new connections, just started", "second: the 200 connections kept open"} {
		if i > 0 {
			b.quiet(ctx)
		}
		took, failed := answerTimes(burst, func(j int) (int, time.Duration, error) { return send(reqs[i*burst+j]) })
		fmt.Printf("| %s | %d (failed %d) | %s / %s / %s |\n", name, len(took), failed, pct(took, 0.5), pct(took, 0.99), pct(took, 1))
	}
	fmt.Printf("\ntarget p99: 100ms (Teams' limit: 15 s)\n")
	return nil
}

// teamsReady measures declare to ready (the channel with its card and first message,
// both leads paged in personal conversations, the stakeholders told) with every call
// to Microsoft taking L, and the same calls made one after another.
func teamsReady(ctx context.Context, l time.Duration, runs int, gap time.Duration) error {
	b, err := newTeamsBench(ctx)
	if err != nil {
		return err
	}
	defer b.stop()
	b.fake.SetLatency("/connector", l)
	b.fake.SetLatency("/graph", l)
	stakeConv := b.cfg.Stakeholders["teams"]
	var took []time.Duration
	calls := 0
	for i := 1; i <= runs; i++ {
		if i > 1 {
			time.Sleep(gap) // declares a few seconds apart, as incidents come
		}
		dave, frank, stake := b.personal("dave"), b.personal("frank"), b.posts(stakeConv)
		before := len(b.fake.Calls())
		start := time.Now()
		if status, _, err := b.say(ctx, fmt.Sprintf("incident declare Payments down %d impact=high urgency=high towers=application,database", i)); err != nil || status != 200 {
			return fmt.Errorf("declare: %d %v", status, err)
		}
		name := fmt.Sprintf("mi-%d-payments-down-%d", i, i)
		for {
			c, ok := b.fake.ChannelByName(name)
			card := false
			if ok {
				for _, p := range b.fake.Posts(c.ID) {
					for _, at := range p.Attachments {
						card = card || strings.Contains(string(at.Content), "AdaptiveCard")
					}
				}
			}
			if card && b.posts(c.ID) >= 2 && b.personal("dave") > dave && b.personal("frank") > frank && b.posts(stakeConv) > stake {
				break
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("declare %d not ready after a minute", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		took = append(took, time.Since(start))
		calls = len(b.fake.Calls()) - before
	}
	slices.Sort(took)
	seq, n, err := teamsSequential(ctx, b)
	if err != nil {
		return err
	}
	med := pct(took, 0.5)
	fmt.Printf("\n## Teams: declare to ready, every Connector and Graph call taking L = %s\n\n| figure | value |\n|---|---|\n", l)
	fmt.Printf("| declare-to-ready median (of %d) | %s = %.2f L |\n| slowest | %s = %.2f L |\n| calls to Microsoft per declare | %d |\n| the same flow one call at a time (%d calls) | %s = %.2f L |\n| ratio one-at-a-time / mimbot | %.1fx |\n",
		runs, med, float64(med)/float64(l), pct(took, 1), float64(pct(took, 1))/float64(l), calls, n, seq.Round(time.Millisecond), float64(seq)/float64(l), float64(seq)/float64(med))
	return nil
}

// teamsSequential makes the calls of a declare one after another: the channel, the
// card with the announcement (one activity, as mimbot posts them), a personal
// conversation and a page for the IM and each lead, the stakeholders' post.
func teamsSequential(ctx context.Context, b *teamsBench) (time.Duration, int, error) {
	tokens := msapi.NewTokens(b.fake.LoginURL(), b.fake.TenantID(), b.fake.AppID(), b.fake.AppPassword(), http.DefaultClient, mim.SystemClock{})
	conn := msapi.NewConnector(tokens, http.DefaultClient, mim.SystemClock{})
	graph := msapi.NewGraph(b.fake.GraphURL(), b.fake.TeamID(), tokens, http.DefaultClient, mim.SystemClock{})
	svc := b.fake.ServiceURL()
	// Tokens first, outside the timing: mimbot holds them already.
	for _, scope := range []string{msapi.ConnectorScope, msapi.GraphScope} {
		if _, err := tokens.Token(ctx, scope); err != nil {
			return 0, 0, err
		}
	}
	start := time.Now()
	n := 0
	step := func(err error) error {
		n++
		return err
	}
	ch, err := graph.CreateChannel(ctx, "sequential-flow", "P0 payments down")
	if step(err) != nil {
		return 0, 0, err
	}
	msg := msapi.Activity{Type: "message", Text: "card and announcement"}
	if _, err := conn.Send(ctx, svc, ch.ID, msg); step(err) != nil {
		return 0, 0, err
	}
	for _, k := range []string{"carol", "dave", "frank"} {
		conv, err := conn.CreatePersonal(ctx, svc, b.fake.TenantID(), b.fake.BotID(), b.cfg.People[k].Teams)
		if step(err) != nil {
			return 0, 0, err
		}
		msg.Text = "page"
		if _, err := conn.Send(ctx, svc, conv, msg); step(err) != nil {
			return 0, 0, err
		}
	}
	msg.Text = "declared"
	if _, err := conn.Send(ctx, svc, b.cfg.Stakeholders["teams"], msg); step(err) != nil {
		return 0, 0, err
	}
	return time.Since(start), n, nil
}

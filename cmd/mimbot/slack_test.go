package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/bot/slack/slackfake"
	"mimbot/internal/config"
	"mimbot/mim"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slackEnv is a test environment with a fake Slack that knows the demo's people.
type slackEnv struct {
	*env
	fake    *slackfake.Server
	general string
}

func newSlackEnv(t *testing.T) *slackEnv {
	t.Helper()
	e := newEnv(t)
	cfg := config.Demo()
	opts := slackfake.Options{RateLimitScale: 60, Channels: []slackfake.ChannelSeed{{ID: cfg.Stakeholders["slack"], Name: "stakeholders", BotIsMember: true}}}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		opts.Users = append(opts.Users, slackfake.UserSeed{ID: p.Slack, Name: k, RealName: p.Name, Email: p.Email})
	}
	fake := slackfake.New(opts)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	general, _ := fake.ChannelByName("general")
	e.vars["SLACK_BOT_TOKEN"] = fake.BotToken()
	e.vars["SLACK_APP_TOKEN"] = fake.AppToken()
	e.vars["SLACK_SIGNING_SECRET"] = slackSecret
	e.vars["SLACK_API_URL"] = fake.URL() + "/api/"
	return &slackEnv{env: e, fake: fake, general: general.ID}
}

// serving is a running `mimbot serve`.
type serving struct {
	url    string
	stop   func() int
	stderr *bytes.Buffer
	logs   *syncBuffer // stderr, safe to read while serve runs
}

// serve starts `mimbot serve` on the wall clock and waits until it listens.
func (e *env) serve(t *testing.T) *serving {
	t.Helper()
	return e.serveOn(t, nil, nil)
}

// serveOn starts `mimbot serve` on clock (nil: the wall clock), with its metrics in
// reg (nil: its own registry), and waits until it listens.
func (e *env) serveOn(t *testing.T, clock mim.Clock, reg *prometheus.Registry) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	errOut := &syncBuffer{}
	ready := make(chan net.Addr, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: errOut, Getenv: func(k string) string { return e.vars[k] },
		Listener: ln, Ready: func(a net.Addr) { ready <- a }, Clock: clock, Registry: reg}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	select {
	case a := <-ready:
		s := &serving{url: "http://" + a.String(), stderr: &errOut.b, logs: errOut}
		var once sync.Once
		code := 0
		s.stop = func() int {
			once.Do(func() { cancel(); code = <-done })
			return code
		}
		t.Cleanup(func() { s.stop() })
		return s
	case code := <-done:
		cancel()
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond for up to 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// connected waits for mimbot's Socket Mode connection.
func (e *slackEnv) connected(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.fake.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("no Socket Mode connection: %v", err)
	}
}

func (e *slackEnv) roomReady(t *testing.T, name string) slackfake.Channel {
	t.Helper()
	var ch slackfake.Channel
	eventually(t, "war room #"+name+" with a pinned card", func() bool {
		c, ok := e.fake.ChannelByName(name)
		ch = c
		return ok && len(e.fake.Pins(c.ID)) == 1
	})
	return ch
}

func TestSlackDeclareOverHTTPAndSocketMode(t *testing.T) {
	e := newSlackEnv(t)
	srv := e.serve(t)
	ctx := context.Background()
	e.connected(t)
	declare := slackfake.SlashCommand{Command: "/incident", Text: "declare Payments down impact=high urgency=high towers=application,database", UserID: "U01SAM", ChannelID: e.general}

	for _, bad := range []struct {
		name string
		opt  slackfake.SignOption
	}{{"unsigned", slackfake.WithoutSignature()}, {"wrong secret", slackfake.WithSigningSecret("not-the-secret")}, {"six minutes old", slackfake.WithTimestamp(time.Now().Add(-6 * time.Minute))}} {
		calls := len(e.fake.Calls())
		resp, _, err := e.fake.PostSlashCommand(ctx, srv.url+"/slack/commands", slackSecret, declare, bad.opt)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", bad.name, resp.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
		if got := len(e.fake.Calls()); got != calls {
			t.Errorf("%s: %d Slack calls after a refused request", bad.name, got-calls)
		}
	}
	if code, out, _ := e.run("", "incident", "list", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused requests created incidents: %s", out)
	}

	resp, took, err := e.fake.PostSlashCommand(ctx, srv.url+"/slack/commands", slackSecret, declare)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || took > 3*time.Second {
		t.Fatalf("signed declare: status %d after %s", resp.StatusCode, took)
	}
	room := e.roomReady(t, "mi-1-payments-down")
	eventually(t, "pages and the stakeholder post", func() bool {
		return len(e.fake.DMs("U01DAVE")) > 0 && len(e.fake.DMs("U01FRANK")) > 0 && len(e.fake.Messages("C01STAKE")) > 0
	})
	if !strings.Contains(room.Topic, "P0") {
		t.Errorf("topic %q", room.Topic)
	}

	declare.Text = "declare Checkout slow impact=high urgency=medium towers=application"
	ack, err := e.fake.SendSlashCommand(ctx, declare)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Latency > 3*time.Second {
		t.Errorf("socket mode ack after %s", ack.Latency)
	}
	e.roomReady(t, "mi-2-checkout-slow")
	inc := e.show("2")
	if inc.Priority != "P1" || len(inc.WarRooms) != 1 || inc.WarRooms[0].Platform != "slack" {
		t.Errorf("incident 2 over socket mode: %+v", inc)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited %d: %s", code, srv.stderr.String())
	}
}

// TestSlackRestartAfterChannelCreated stops the bot after the war room exists but
// before its card could be pinned; the next process finishes the same room.
func TestSlackRestartAfterChannelCreated(t *testing.T) {
	e := newSlackEnv(t)
	e.fake.InjectFault("pins.add", slackfake.Fault{Status: 503, Times: 1000})
	first := e.serve(t)
	e.connected(t)
	declare := slackfake.SlashCommand{Command: "/incident", Text: "declare Payments down impact=high urgency=high towers=database", UserID: "U01SAM", ChannelID: e.general}
	if _, err := e.fake.SendSlashCommand(context.Background(), declare); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the war room channel", func() bool { _, ok := e.fake.ChannelByName("mi-1-payments-down"); return ok })
	eventually(t, "the failed pin", func() bool { return len(e.fake.CallsTo("pins.add")) > 0 })
	first.stop()
	e.fake.ClearFaults()

	e.serve(t)
	e.connected(t)
	room := e.roomReady(t, "mi-1-payments-down")
	count := 0
	for _, c := range e.fake.Channels() {
		if strings.HasPrefix(c.Name, "mi-1-") {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d war-room channels for incident 1, want 1", count)
	}
	if inc := e.show("1"); len(inc.WarRooms) != 1 || inc.WarRooms[0].ID != room.ID {
		t.Errorf("recorded rooms %+v, want %s", inc.WarRooms, room.ID)
	}
}

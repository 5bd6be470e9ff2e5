package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mimbot/bot"
	"mimbot/bot/slack"
	"mimbot/bot/slack/slackfake"
	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

// scale shrinks Slack's rate limits, in the fake and in the adapter alike, so that
// tests run in seconds (Tier 2: 20 calls a second instead of a minute).
const scale = 60

const secret = "test-signing-secret"

// t0 is a Monday morning; the demo rotation has someone on call.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// countingStore counts the store calls a request may cause, to prove that refused
// requests cause none.
type countingStore struct {
	mim.Store
	n atomic.Int64
	// before, when set, runs before every CreateIncident: a slow or failing database.
	before atomic.Pointer[func(ctx context.Context) error]
}

func (s *countingStore) CreateIncident(ctx context.Context, key string, build func(*mim.Incident, map[string]int, *mim.Change) error) (*mim.Incident, bool, error) {
	s.n.Add(1)
	if before := s.before.Load(); before != nil {
		if err := (*before)(ctx); err != nil {
			return nil, false, err
		}
	}
	return s.Store.CreateIncident(ctx, key, build)
}

func (s *countingStore) UpdateIncident(ctx context.Context, n int, fn func(*mim.Incident, *mim.Change) error) (*mim.Incident, error) {
	s.n.Add(1)
	return s.Store.UpdateIncident(ctx, n, fn)
}

func (s *countingStore) Incident(ctx context.Context, n int) (*mim.Incident, error) {
	s.n.Add(1)
	return s.Store.Incident(ctx, n)
}

func (s *countingStore) Incidents(ctx context.Context, f mim.Filter) ([]*mim.Incident, error) {
	s.n.Add(1)
	return s.Store.Incidents(ctx, f)
}

func (s *countingStore) IncidentByRoom(ctx context.Context, platform, room string) (*mim.Incident, error) {
	s.n.Add(1)
	return s.Store.IncidentByRoom(ctx, platform, room)
}

// logBuffer keeps what the adapter logs.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// harness is the Slack adapter on a fake Slack, a service on a fresh SQLite file with
// the demo configuration, and the adapter's HTTP endpoints on a test server.
type harness struct {
	t       testing.TB
	ctx     context.Context
	fake    *slackfake.Server
	clock   *mimtest.Clock // the service's clock, moved by tests
	store   *countingStore
	svc     *mim.Service
	router  *bot.Router
	adapter *slack.Adapter
	cfg     slack.Config // the adapter's configuration
	relay   *mim.Relay
	srv     *httptest.Server
	logs    *logBuffer
	path    string
	general string // #general, where everyone is
}

type option func(*harnessOptions)

type harnessOptions struct {
	fake    slackfake.Options
	adapter slack.Config
	noStart bool
}

func withChannel(c slackfake.ChannelSeed) option {
	return func(o *harnessOptions) { o.fake.Channels = append(o.fake.Channels, c) }
}

func withAdapter(edit func(*slack.Config)) option {
	return func(o *harnessOptions) { edit(&o.adapter) }
}

func withoutStart() option { return func(o *harnessOptions) { o.noStart = true } }

func newHarness(t testing.TB, opts ...option) *harness {
	t.Helper()
	cfg := config.Demo()
	var o harnessOptions
	o.fake.RateLimitScale = scale
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		o.fake.Users = append(o.fake.Users, slackfake.UserSeed{ID: p.Slack, Name: k, RealName: p.Name, Email: p.Email})
	}
	o.fake.Channels = append(o.fake.Channels, slackfake.ChannelSeed{ID: cfg.Stakeholders["slack"], Name: "stakeholders", BotIsMember: true})
	for _, opt := range opts {
		opt(&o)
	}
	fake := slackfake.New(o.fake)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)

	h := &harness{t: t, ctx: context.Background(), fake: fake, clock: mimtest.NewClock(t0), logs: &logBuffer{}, path: filepath.Join(t.TempDir(), "mim.db")}
	db, err := store.OpenSQLite(h.ctx, h.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.store = &countingStore{Store: db}
	h.svc = mim.NewService(h.store, cfg, templates.Must(), h.clock, nil, slack.Platform)
	h.router = &bot.Router{Service: h.svc}

	ac := o.adapter
	ac.BotToken, ac.AppToken, ac.SigningSecret = fake.BotToken(), fake.AppToken(), secret
	ac.APIURL = fake.URL() + "/api/"
	ac.RateScale = scale
	h.cfg = ac
	h.adapter = h.newAdapter(ac, !o.noStart)

	mux := http.NewServeMux()
	h.adapter.Routes(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	general, ok := fake.ChannelByName("general")
	if !ok {
		t.Fatal("no #general in the fake")
	}
	h.general = general.ID
	return h
}

// newAdapter starts an adapter with its own relay, as a (re)started process would.
func (h *harness) newAdapter(ac slack.Config, start bool) *slack.Adapter {
	h.t.Helper()
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := slack.NewAdapter(ac, h.router, log)
	if err != nil {
		h.t.Fatal(err)
	}
	if start {
		if err := a.Start(h.ctx); err != nil {
			h.t.Fatal(err)
		}
	}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	h.relay = &mim.Relay{Service: h.svc, Chats: map[string]mim.Chat{slack.Platform: a}, Owner: "test"}
	return a
}

// runSocket runs Socket Mode until the test ends and waits for the connection.
func (h *harness) runSocket() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- h.adapter.RunSocketMode(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("RunSocketMode: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer wcancel()
	if err := h.fake.WaitConnected(wctx, 1); err != nil {
		h.t.Fatalf("socket mode did not connect: %v", err)
	}
}

// slash posts a signed `/incident text` to the HTTP endpoint, typed by user in channel.
func (h *harness) slash(user, channel, text string, sign ...slackfake.SignOption) (*http.Response, time.Duration) {
	h.t.Helper()
	resp, took, err := h.fake.PostSlashCommand(h.ctx, h.srv.URL+"/slack/commands", secret,
		slackfake.SlashCommand{Command: "/incident", Text: text, UserID: user, ChannelID: channel}, sign...)
	if err != nil {
		h.t.Fatalf("post slash command: %v", err)
	}
	return resp, took
}

// drain delivers the outbox (opening war rooms first).
func (h *harness) drain() {
	h.t.Helper()
	if _, err := h.relay.Drain(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

// eventually waits up to five seconds for cond.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// incident waits for incident n and returns it.
func (h *harness) incident(n int) *mim.Incident {
	h.t.Helper()
	var inc *mim.Incident
	h.eventually("incident to exist", func() bool {
		var err error
		inc, err = h.svc.Store.Incident(h.ctx, n)
		return err == nil
	})
	return inc
}

// declare declares over HTTP as sam and delivers everything it caused.
func (h *harness) declare(text string) *mim.Incident {
	h.t.Helper()
	resp, _ := h.slash(id(h, "sam"), h.general, "declare "+text)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("declare: HTTP %d", resp.StatusCode)
	}
	inc := h.incident(1)
	h.drain()
	return h.incidentNow(inc.Number)
}

func (h *harness) incidentNow(n int) *mim.Incident {
	h.t.Helper()
	inc, err := h.svc.Store.Incident(h.ctx, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

// room returns the incident's Slack war room.
func (h *harness) room(inc *mim.Incident) mim.WarRoom {
	h.t.Helper()
	r, ok := inc.Room(slack.Platform)
	if !ok {
		h.t.Fatalf("%s has no Slack war room: %+v", inc.Ref(), inc.WarRooms)
	}
	return r
}

// replies returns the texts posted to response_urls.
func (h *harness) replies() []string {
	var out []string
	for _, p := range h.fake.ResponseURLPosts() {
		out = append(out, p.Text)
	}
	return out
}

// id is a person's Slack id.
func id(h *harness, key string) string { return h.svc.Config.People[key].Slack }

// texts lists the texts of messages.
func texts(msgs []slackfake.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

// containing returns the messages whose text contains every word.
func containing(msgs []slackfake.Message, words ...string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range msgs {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(m.Text, w)
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// button is a button found in a message's blocks.
type button struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Text     struct {
		Text string `json:"text"`
	} `json:"text"`
	BlockID string `json:"-"`
}

// buttons lists the buttons of a message.
func buttons(t *testing.T, m slackfake.Message) []button {
	t.Helper()
	var blocks []struct {
		Type     string          `json:"type"`
		BlockID  string          `json:"block_id"`
		Elements json.RawMessage `json:"elements"`
	}
	if len(m.Blocks) == 0 {
		return nil
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var out []button
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		var els []button
		if err := json.Unmarshal(b.Elements, &els); err != nil {
			t.Fatalf("actions: %v", err)
		}
		for _, e := range els {
			e.BlockID = b.BlockID
			out = append(out, e)
		}
	}
	return out
}

// openRoom opens a war room as the outbox relay does, in mim.Chat's two steps: the
// room as soon as it exists, saved with record (which may fail, as a crash before
// the room was recorded), then the remaining steps.
func openRoom(ctx context.Context, chat mim.Chat, req mim.RoomRequest, record func(ctx context.Context, room mim.WarRoom) error) (mim.WarRoom, error) {
	if req.Existing == nil {
		room, err := chat.OpenRoom(ctx, req)
		if err != nil {
			return room, err
		}
		if err := record(ctx, room); err != nil {
			return room, err
		}
		req.Existing = &room
	}
	return chat.OpenRoom(ctx, req)
}

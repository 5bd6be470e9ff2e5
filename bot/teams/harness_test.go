package teams_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot"
	"mimbot/bot/teams"
	"mimbot/bot/teams/teamsfake"
	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

// t0 is a Monday morning; the demo rotation has someone on call.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// stakeholders is the stakeholders' group chat in Teams.
const stakeholders = "19:stakeholders@thread.v2"

// aad is the Entra object id a person key has in the tests.
func aad(key string) string { return "aad-" + key }

// movingClock is the time Microsoft's side (the fake) and the adapter read: the
// service's clock plus the wall time since the test began, so that the Connector's
// pacing windows slide while the service's clock stands still, and a jump of the
// service's clock is a jump of this one.
type movingClock struct {
	svc   *mimtest.Clock
	start time.Time
}

func (c movingClock) Now() time.Time { return c.svc.Now().Add(time.Since(c.start)) }

// logBuffer keeps what the adapter logs, a record a line.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(p))
	l.mu.Unlock()
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "")
}

// harness is the Teams adapter on a fake Microsoft, a service on a fresh SQLite file
// with the demo configuration (everyone with a Teams id), and the adapter's endpoint
// on a test server.
type harness struct {
	t       testing.TB
	ctx     context.Context
	fake    *teamsfake.Server
	clock   *mimtest.Clock // the service's clock, moved by tests
	ms      movingClock
	svc     *mim.Service
	router  *bot.Router
	adapter *teams.Adapter
	cfg     teams.Config
	relay   *mim.Relay
	srv     *httptest.Server
	logs    *logBuffer
	general string // the team's General channel, where people type
}

type harnessOptions struct {
	fake      teamsfake.Options
	config    func(*mim.Config)
	noInstall []string // person keys without the app installed
}

type option func(*harnessOptions)

func withConfig(edit func(*mim.Config)) option {
	return func(o *harnessOptions) { o.config = edit }
}

func withoutApp(keys ...string) option {
	return func(o *harnessOptions) { o.noInstall = append(o.noInstall, keys...) }
}

func newHarness(t testing.TB, opts ...option) *harness {
	t.Helper()
	var o harnessOptions
	for _, opt := range opts {
		opt(&o)
	}
	cfg := config.Demo()
	giveTeamsIDs(cfg)
	if o.config != nil {
		o.config(cfg)
	}
	h := &harness{t: t, ctx: context.Background(), clock: mimtest.NewClock(t0), logs: &logBuffer{}}
	h.ms = movingClock{svc: h.clock, start: time.Now()}
	o.fake.Clock = h.ms.Now
	// Teams' pacing windows a tenth as long: the tests send bursts.
	o.fake.RateLimitScale = 10
	o.fake.Conversations = append(o.fake.Conversations, stakeholders)
	for _, k := range cfg.PersonKeys() {
		installed := true
		for _, n := range o.noInstall {
			installed = installed && n != k
		}
		o.fake.Users = append(o.fake.Users, teamsfake.User{AADObjectID: aad(k), Name: cfg.People[k].Name, UPN: k + "@example.com", AppInstalled: installed})
	}
	h.fake = teamsfake.New(o.fake)
	if err := h.fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.fake.Close)

	db, err := store.OpenSQLite(h.ctx, filepath.Join(t.TempDir(), "mim.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.svc = mim.NewService(db, cfg, templates.Must(), h.clock, nil, teams.Platform)
	h.router = &bot.Router{Service: h.svc}
	h.cfg = teams.Config{
		AppID: h.fake.AppID(), AppPassword: h.fake.AppPassword(), TenantID: h.fake.TenantID(), TeamID: h.fake.TeamID(),
		OpenIDURL: h.fake.OpenIDURL(), LoginURL: h.fake.LoginURL(), GraphURL: h.fake.GraphURL(), ServiceURL: h.fake.ServiceURL(),
		Clock: h.ms, RateScale: 10,
	}
	h.adapter = h.newAdapter()
	mux := http.NewServeMux()
	h.adapter.Routes(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	general, ok := h.fake.ChannelByName("General")
	if !ok {
		t.Fatal("no General channel in the fake")
	}
	h.general = general.ID
	return h
}

// newAdapter starts an adapter with its own relay, as a (re)started process would.
func (h *harness) newAdapter() *teams.Adapter {
	h.t.Helper()
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := teams.NewAdapter(h.cfg, h.router, log)
	if err == nil {
		err = a.Start(h.ctx)
	}
	if err != nil {
		h.t.Fatalf("start the adapter: %v", err)
	}
	h.t.Cleanup(func() {
		ctx, stop := context.WithTimeout(h.ctx, 10*time.Second)
		defer stop()
		if err := a.Shutdown(ctx); err != nil {
			h.t.Errorf("shutdown: %v", err)
		}
	})
	h.relay = &mim.Relay{Service: h.svc, Chats: map[string]mim.Chat{teams.Platform: a}, Owner: "test"}
	return a
}

// deliver sends an activity to the adapter's endpoint, signed as opts say.
func (h *harness) deliver(a teamsfake.Activity, opts ...teamsfake.SignOption) (int, []byte, time.Duration) {
	h.t.Helper()
	status, body, took, err := h.fake.Deliver(h.ctx, h.srv.URL, a, opts...)
	if err != nil {
		h.t.Fatalf("deliver: %v", err)
	}
	return status, body, took
}

// say delivers a message typed by a person in a channel and wants it taken.
func (h *harness) say(key, channel, text string) teamsfake.Activity {
	h.t.Helper()
	a := h.fake.Message(channel, aad(key), text)
	if status, body, _ := h.deliver(a); status != http.StatusOK {
		h.t.Fatalf("message %q: HTTP %d %s", text, status, body)
	}
	return a
}

// drain delivers the outbox (opening war rooms first).
func (h *harness) drain() {
	h.t.Helper()
	if _, err := h.relay.Drain(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

// eventually waits up to ten seconds for cond, looking every 10 ms.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			h.t.Fatalf("timed out waiting for %s; the adapter logged:\n%s", what, h.logs)
		}
	}
}

func (h *harness) incident(n int) *mim.Incident {
	h.t.Helper()
	inc, err := h.svc.Store.Incident(h.ctx, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

var declaredRE = regexp.MustCompile(`Declared #([0-9]+)`)

// declare declares in General as sam and delivers everything it caused.
func (h *harness) declare(text string) *mim.Incident {
	h.t.Helper()
	a := h.say("sam", h.general, "incident declare "+text)
	n := 0
	h.eventually("the declare reply", func() bool {
		for _, p := range h.replies(h.general, a.ID) {
			if m := declaredRE.FindStringSubmatch(p.Text); m != nil {
				n, _ = strconv.Atoi(m[1])
			}
		}
		return n > 0
	})
	h.drain()
	return h.incident(n)
}

// replies are the bot's replies in the thread of activity id in channel.
func (h *harness) replies(channel, id string) []teamsfake.Activity {
	var out []teamsfake.Activity
	for _, p := range h.fake.Posts(channel + ";messageid=" + id) {
		if p.ReplyToID == id || p.ID != id {
			out = append(out, p)
		}
	}
	return out
}

// room returns the incident's Teams war room.
func (h *harness) room(inc *mim.Incident) mim.WarRoom {
	h.t.Helper()
	r, ok := inc.Room(teams.Platform)
	if !ok {
		h.t.Fatalf("%s has no Teams war room: %+v", inc.Ref(), inc.WarRooms)
	}
	return r
}

// text is what an activity says: its text, or its card's text blocks and facts.
func text(a teamsfake.Activity) string {
	var b strings.Builder
	b.WriteString(a.Text)
	for _, at := range a.Attachments {
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for _, k := range []string{"title", "text", "value"} {
					if s, ok := x[k].(string); ok && s != "" {
						b.WriteString("\n" + s)
					}
				}
				for k, c := range x {
					if k != "msteams" {
						walk(c)
					}
				}
			case []any:
				for _, c := range x {
					walk(c)
				}
			}
		}
		var content any
		_ = json.Unmarshal(at.Content, &content)
		walk(content)
	}
	return b.String()
}

// containing returns the activities whose text has every word.
func containing(posts []teamsfake.Activity, words ...string) []teamsfake.Activity {
	var out []teamsfake.Activity
	for _, p := range posts {
		s, ok := text(p), true
		for _, w := range words {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// cardEntities are the mention entities of an activity's card.
func cardEntities(t *testing.T, a teamsfake.Activity) []teamsfake.Entity {
	t.Helper()
	var out []teamsfake.Entity
	for _, at := range a.Attachments {
		var c struct {
			MSTeams struct {
				Entities []teamsfake.Entity `json:"entities"`
			} `json:"msteams"`
		}
		if err := json.Unmarshal(at.Content, &c); err != nil {
			t.Fatalf("card %s: %v", at.Content, err)
		}
		out = append(out, c.MSTeams.Entities...)
	}
	return out
}

// connectorCalls counts the calls to the Connector and Graph (the fake's APIs, not
// its keys or tokens).
func (h *harness) apiCalls() int {
	n := 0
	for _, c := range h.fake.Calls() {
		if strings.HasPrefix(c.Path, "/connector/") || strings.HasPrefix(c.Path, "/graph/") {
			n++
		}
	}
	return n
}

func timelineText(inc *mim.Incident) string {
	var b strings.Builder
	for _, e := range inc.Timeline {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

package discord_test

import (
	"bytes"
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
	"sync/atomic"
	"testing"
	"time"

	"mimbot/bot"
	"mimbot/bot/discord"
	"mimbot/bot/discord/discordfake"
	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

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

func (s *countingStore) Models(ctx context.Context) ([]mim.Model, error) {
	s.n.Add(1)
	return s.Store.Models(ctx)
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

// harness is the Discord adapter on a fake Discord, a service on a fresh SQLite file
// with the demo configuration, and the adapter's HTTP endpoint on a test server.
type harness struct {
	t       testing.TB
	ctx     context.Context
	fake    *discordfake.Server
	clock   *mimtest.Clock // the service's clock, moved by tests
	store   *countingStore
	svc     *mim.Service
	router  *bot.Router
	adapter *discord.Adapter
	cfg     discord.Config
	relay   *mim.Relay
	srv     *httptest.Server
	logs    *logBuffer
	general string // #general, where everyone types
	stake   string // the stakeholders channel
	ids     atomic.Int64
}

type option func(*harnessOptions)

type harnessOptions struct {
	fake discordfake.Options
}

func withChannel(c discordfake.Channel) option {
	return func(o *harnessOptions) { o.fake.Channels = append(o.fake.Channels, c) }
}

func withFake(edit func(*discordfake.Options)) option {
	return func(o *harnessOptions) { edit(&o.fake) }
}

func newHarness(t testing.TB, opts ...option) *harness {
	t.Helper()
	cfg := config.Demo()
	var o harnessOptions
	// Discord's windows a tenth as long: 5 messages per 500 ms per channel.
	o.fake.RateLimitScale = 0.1
	// The bot could ping @everyone: only allowed_mentions stops it.
	o.fake.BotPermissions = discordfake.DefaultBotPermissions | discordfake.PermMentionEveryone
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		o.fake.Users = append(o.fake.Users, discordfake.User{ID: p.Discord, Username: k, GlobalName: p.Name})
	}
	o.fake.Channels = append(o.fake.Channels,
		discordfake.Channel{Name: "general", Type: discordfake.ChannelText},
		discordfake.Channel{ID: cfg.Stakeholders[discord.Platform], Name: "stakeholders", Type: discordfake.ChannelText, Position: 1})
	for _, opt := range opts {
		opt(&o)
	}
	fake := discordfake.New(o.fake)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)

	h := &harness{t: t, ctx: context.Background(), fake: fake, clock: mimtest.NewClock(t0), logs: &logBuffer{}, stake: cfg.Stakeholders[discord.Platform]}
	db, err := store.OpenSQLite(h.ctx, filepath.Join(t.TempDir(), "mim.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.store = &countingStore{Store: db}
	h.svc = mim.NewService(h.store, cfg, templates.Must(), h.clock, nil, discord.Platform)
	h.router = &bot.Router{Service: h.svc}
	h.cfg = discord.Config{
		BotToken: fake.BotToken(), AppID: fake.ApplicationID(), GuildID: fake.GuildID(),
		PublicKey: fake.PublicKeyHex(), APIURL: fake.URL(),
	}
	h.adapter = h.newAdapter(h.cfg)
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
func (h *harness) newAdapter(ac discord.Config) *discord.Adapter {
	h.t.Helper()
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := discord.NewAdapter(ac, h.router, log)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := a.Start(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	h.relay = &mim.Relay{Service: h.svc, Chats: map[string]mim.Chat{discord.Platform: a}, Owner: "test"}
	return a
}

// runGateway connects the adapter to the fake's gateway until the test ends.
func (h *harness) runGateway() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- h.adapter.RunGateway(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("RunGateway: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer wcancel()
	if err := h.fake.WaitReady(wctx); err != nil {
		h.t.Fatalf("the gateway did not connect: %v", err)
	}
}

// opt is one option of a command as Discord sends it.
func opt(name string, value any) map[string]any {
	typ := 3
	switch value.(type) {
	case int:
		typ = 4
	case bool:
		typ = 5
	}
	return map[string]any{"type": typ, "name": name, "value": value}
}

// incidentCmd is the data of /incident <path...> with options: path is the subcommand,
// or the group and its subcommand.
func incidentCmd(path string, opts ...map[string]any) map[string]any {
	list := []any{}
	for _, o := range opts {
		list = append(list, o)
	}
	words := strings.Fields(path)
	leaf := map[string]any{"type": 1, "name": words[len(words)-1], "options": list}
	top := leaf
	if len(words) == 2 {
		top = map[string]any{"type": 2, "name": words[0], "options": []any{leaf}}
	}
	return map[string]any{"name": "incident", "type": 1, "options": []any{top}}
}

// command is /incident typed by a person (a key of the demo configuration) in channel.
func (h *harness) command(user, channel, path string, opts ...map[string]any) discordfake.Interaction {
	return discordfake.Interaction{ID: h.newID(), Type: discordfake.InteractionApplicationCommand, UserID: id(h, user), ChannelID: channel, Data: incidentCmd(path, opts...)}
}

// newID is a fresh interaction id, so that a test knows the request key
// (discord:<id>) of what it sends.
func (h *harness) newID() string {
	return strconv.FormatInt(1300000000000000000+h.ids.Add(1), 10)
}

// post sends a signed interaction to the HTTP endpoint.
func (h *harness) post(i discordfake.Interaction, sign ...discordfake.SignOption) (int, []byte, time.Duration) {
	h.t.Helper()
	status, body, took, err := h.fake.PostInteraction(h.ctx, h.srv.URL+"/discord/interactions", i, sign...)
	if err != nil {
		h.t.Fatalf("post interaction: %v", err)
	}
	return status, body, took
}

// dispatch sends an interaction over the gateway.
func (h *harness) dispatch(i discordfake.Interaction) discordfake.InteractionResult {
	h.t.Helper()
	res, err := h.fake.DispatchInteraction(h.ctx, i)
	if err != nil {
		h.t.Fatalf("dispatch interaction: %v", err)
	}
	return res
}

// drain delivers the outbox (opening war rooms first).
func (h *harness) drain() {
	h.t.Helper()
	if _, err := h.relay.Drain(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

// eventually waits up to ten seconds for cond.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Logf("adapter logs:\n%s", h.logs.String())
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

func (h *harness) incidentNow(n int) *mim.Incident {
	h.t.Helper()
	inc, err := h.svc.Store.Incident(h.ctx, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

// declare declares over HTTP as sam in #general and delivers everything it caused.
func (h *harness) declare(title string, opts ...map[string]any) *mim.Incident {
	h.t.Helper()
	i := h.command("sam", h.general, "declare", append([]map[string]any{opt("title", title)}, opts...)...)
	status, body, _ := h.post(i)
	if status != http.StatusOK {
		h.t.Fatalf("declare: HTTP %d %s", status, body)
	}
	n := h.declared(i.ID)
	h.drain()
	return h.incidentNow(n)
}

var declaredRE = regexp.MustCompile(`Declared #([0-9]+)`)

// declared waits for the answer to the declaration of interaction id and returns the
// incident's number.
func (h *harness) declared(id string) int {
	h.t.Helper()
	n := 0
	h.eventually("the declare answer", func() bool {
		m := declaredRE.FindStringSubmatch(h.answer(id).Content)
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		return n > 0
	})
	return n
}

// room returns the incident's Discord war room.
func (h *harness) room(inc *mim.Incident) mim.WarRoom {
	h.t.Helper()
	r, ok := inc.Room(discord.Platform)
	if !ok {
		h.t.Fatalf("%s has no Discord war room: %+v", inc.Ref(), inc.WarRooms)
	}
	return r
}

// answer is the latest text of an interaction's original response.
func (h *harness) answer(interactionID string) discordfake.Message {
	res, _ := h.fake.InteractionResult(interactionID)
	m, _ := h.fake.Message(res.OriginalMessageID)
	return m
}

// id is a person's Discord id.
func id(h *harness, key string) string { return h.svc.Config.People[key].Discord }

// botMessages returns the bot's own (non-system) messages in a channel.
func (h *harness) botMessages(channel string) []discordfake.Message {
	var out []discordfake.Message
	for _, m := range h.fake.Messages(channel) {
		if m.AuthorID == h.fake.ApplicationID() && m.Type == discordfake.MessageDefault {
			out = append(out, m)
		}
	}
	return out
}

// embedText is what a message's embeds say: titles, descriptions, fields, footers.
func embedText(m discordfake.Message) string {
	var embeds []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Fields      []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
		Footer struct {
			Text string `json:"text"`
		} `json:"footer"`
	}
	_ = json.Unmarshal(m.Embeds, &embeds)
	var b strings.Builder
	for _, e := range embeds {
		b.WriteString(e.Title + "\n" + e.Description + "\n")
		for _, f := range e.Fields {
			b.WriteString(f.Name + ": " + f.Value + "\n")
		}
		b.WriteString(e.Footer.Text + "\n")
	}
	return b.String()
}

// containing returns the messages whose content (or embeds) contains every word.
func containing(msgs []discordfake.Message, words ...string) []discordfake.Message {
	var out []discordfake.Message
	for _, m := range msgs {
		text := m.Content + "\n" + embedText(m)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

func contents(msgs []discordfake.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Content+embedText(m))
	}
	return out
}

// button is a button of a message.
type button struct {
	CustomID string `json:"custom_id"`
	Label    string `json:"label"`
}

// buttons lists the buttons of a message.
func buttons(t *testing.T, m discordfake.Message) []button {
	t.Helper()
	var rows []struct {
		Components []button `json:"components"`
	}
	if err := json.Unmarshal(m.Components, &rows); err != nil {
		t.Fatalf("components %s: %v", m.Components, err)
	}
	var out []button
	for _, r := range rows {
		out = append(out, r.Components...)
	}
	return out
}

// channelNamed finds a guild channel by name and type.
func (h *harness) channelNamed(name string, typ int) (discordfake.Channel, bool) {
	for _, c := range h.fake.Channels() {
		if c.Name == name && c.Type == typ {
			return c, true
		}
	}
	return discordfake.Channel{}, false
}

// overwriteOf returns the overwrite for id in c.
func overwriteOf(c discordfake.Channel, id string) (discordfake.PermissionOverwrite, bool) {
	for _, o := range c.PermissionOverwrites {
		if o.ID == id {
			return o, true
		}
	}
	return discordfake.PermissionOverwrite{}, false
}

func timelineText(inc *mim.Incident) string {
	var b strings.Builder
	for _, e := range inc.Timeline {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
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

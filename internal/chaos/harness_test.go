package chaos

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the outbox queries
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"mimbot/bot/discord/discordfake"
	"mimbot/bot/slack/slackfake"
	"mimbot/internal/config"
	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/internal/pgtest"
	"mimbot/mim"
	"mimbot/store"
)

const (
	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	// routingKey makes the application tower page on PagerDuty too.
	routingKey = "0123456789abcdef0123456789abcdef"
	// shortLease is MIMBOT_LEASE where processes are killed: how long a dead
	// process's messages and timers wait before another takes them.
	shortLease = 10 * time.Second
	// inFlightGrace is slackfake's Options.InFlightGrace in every scenario.
	inFlightGrace = 100 * time.Millisecond
)

// discordKey signs the Discord interactions: a fixed test key, so that a failing run
// can be replayed byte for byte.
var discordKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

type dialect string

const (
	onSQLite   dialect = "sqlite"
	onPostgres dialect = "postgres"
)

// eachDialect runs fn on SQLite and on PostgreSQL.
func eachDialect(t *testing.T, fn func(t *testing.T, d dialect)) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary on the wall clock; skipped with -short")
	}
	t.Parallel() // the scenarios mostly wait (leases, Retry-After, settling): side by side they fit the budget
	for _, d := range []dialect{onSQLite, onPostgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// world is one scenario's fakes, database and configuration; processes come and go.
type world struct {
	t       *testing.T
	dialect dialect
	dir     string
	cfgPath string
	dbPath  string // SQLite file
	dbURL   string // PostgreSQL URL
	slack   *slackfake.Server
	discord *discordfake.Server
	pd      *pagerdutyfake.Server
	general struct{ slack, discord string }
	logs    *syncBuffer
	sql     *sql.DB
	store   incidentLister
}

type incidentLister interface {
	Incidents(ctx context.Context, f mim.Filter) ([]*mim.Incident, error)
	Incident(ctx context.Context, n int) (*mim.Incident, error)
	Close() error
}

// newWorld starts the fakes and prepares a migrated database; yaml edits the demo
// configuration (nil keeps it).
func newWorld(t *testing.T, d dialect, yaml func(string) string) *world {
	t.Helper()
	w := &world{t: t, dialect: d, dir: t.TempDir(), logs: &syncBuffer{}}
	conf := strings.NewReplacer(
		"max_concurrent: 1 ", "max_concurrent: 1000 ",
		`pagerduty_routing_key: ""`, `pagerduty_routing_key: "`+routingKey+`"`,
	).Replace(string(config.DemoYAML()))
	if !strings.Contains(conf, routingKey) || !strings.Contains(conf, "max_concurrent: 1000") {
		t.Fatal("the demo configuration changed: no routing key or max_concurrent to set")
	}
	if yaml != nil {
		conf = yaml(conf)
	}
	w.cfgPath = filepath.Join(w.dir, "mimbot.yaml")
	if err := os.WriteFile(w.cfgPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	switch d {
	case onSQLite:
		w.dbPath = filepath.Join(w.dir, "mimbot.db")
		db, err := store.OpenSQLite(ctx, w.dbPath)
		if err != nil {
			t.Fatal(err)
		}
		w.store = db
		if w.sql, err = sql.Open("sqlite", w.dbPath+"?_pragma=busy_timeout(10000)"); err != nil {
			t.Fatal(err)
		}
	case onPostgres:
		w.dbURL = pgtest.DB(t)
		db, err := store.OpenPostgres(ctx, w.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		w.store = db
		if w.sql, err = sql.Open("pgx", w.dbURL); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { w.sql.Close(); w.store.Close() })
	w.startFakes()
	return w
}

func (w *world) startFakes() {
	t := w.t
	cfg := config.Demo()
	// inFlightGrace: a call the bot had already sent when a 429 of its method came
	// back is not an early retry; on a loaded 2-core machine such a call can take
	// tens of milliseconds to arrive.
	sopts := slackfake.Options{RateLimitScale: 60, InFlightGrace: inFlightGrace, Channels: []slackfake.ChannelSeed{{ID: cfg.Stakeholders["slack"], Name: "stakeholders", BotIsMember: true}}}
	dopts := discordfake.Options{RateLimitScale: 0.1, PrivateKey: discordKey}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		sopts.Users = append(sopts.Users, slackfake.UserSeed{ID: p.Slack, Name: k, RealName: p.Name, Email: p.Email})
		dopts.Users = append(dopts.Users, discordfake.User{ID: p.Discord, Username: k, GlobalName: p.Name})
	}
	dopts.Channels = append(dopts.Channels,
		discordfake.Channel{Name: "general", Type: discordfake.ChannelText},
		discordfake.Channel{ID: cfg.Stakeholders["discord"], Name: "stakeholders", Type: discordfake.ChannelText, Position: 1})
	w.slack = slackfake.New(sopts)
	if err := w.slack.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.slack.Close)
	w.discord = discordfake.New(dopts)
	if err := w.discord.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.discord.Close)
	w.pd = pagerdutyfake.New(pagerdutyfake.Options{})
	w.pd.Start()
	t.Cleanup(w.pd.Close)
	g, _ := w.slack.ChannelByName("general")
	w.general.slack = g.ID
	dg, _ := w.discord.ChannelByName("general")
	w.general.discord = dg.ID
}

// serveOptions says which platforms a process serves and where its database is.
type serveOptions struct {
	slack, discord bool
	dbURL          string // PostgreSQL URL instead of the world's (a proxy)
	name           string // prefix of its log lines
	// lease is MIMBOT_LEASE; zero leaves mimbot's default (30 s).
	lease time.Duration
}

// proc is one running `mimbot serve`.
type proc struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
}

// start runs `mimbot serve` and waits until it answers /healthz.
func (w *world) start(o serveOptions) *proc {
	w.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := []string{"HOME=" + w.dir, "PATH=" + os.Getenv("PATH"), "MIMBOT_CONFIG=" + w.cfgPath, "MIMBOT_ADDR=" + addr,
		"PAGERDUTY_EVENTS_URL=" + w.pd.EnqueueURL()}
	if o.lease > 0 {
		env = append(env, "MIMBOT_LEASE="+o.lease.String())
	}
	switch {
	case o.dbURL != "":
		env = append(env, "DATABASE_URL="+o.dbURL)
	case w.dialect == onPostgres:
		env = append(env, "DATABASE_URL="+w.dbURL)
	default:
		env = append(env, "MIMBOT_DB="+w.dbPath)
	}
	if o.slack {
		env = append(env, "SLACK_BOT_TOKEN="+w.slack.BotToken(), "SLACK_SIGNING_SECRET="+slackSecret, "SLACK_API_URL="+w.slack.URL()+"/api/")
	}
	if o.discord {
		env = append(env, "DISCORD_BOT_TOKEN="+w.discord.BotToken(), "DISCORD_APP_ID="+w.discord.ApplicationID(),
			"DISCORD_GUILD_ID="+w.discord.GuildID(), "DISCORD_PUBLIC_KEY="+w.discord.PublicKeyHex(), "DISCORD_API_URL="+w.discord.URL())
	}
	cmd := exec.Command(binary, "serve")
	cmd.Env = env
	out := &prefixWriter{prefix: o.name, to: w.logs}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: "http://" + addr, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()
	w.t.Cleanup(p.kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.exited:
			w.t.Fatalf("mimbot serve exited at start:\n%s", w.logs.String())
		default:
		}
		if resp, err := http.Get(p.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("mimbot serve did not answer /healthz in 30 s:\n%s", w.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL: no clean-up at all, leases stay until they run out.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("mimbot serve exited %d after SIGTERM", code)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("mimbot serve did not stop within 20 s of SIGTERM")
		p.kill()
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// incidents reads every incident from the database, timelines included.
func (w *world) incidents() []*mim.Incident {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := w.store.Incidents(ctx, mim.Filter{})
	if err != nil {
		w.t.Fatalf("incidents: %v", err)
	}
	incs := make([]*mim.Incident, 0, len(list))
	for _, inc := range list {
		full, err := w.store.Incident(ctx, inc.Number)
		if err != nil {
			w.t.Fatalf("incident %d: %v", inc.Number, err)
		}
		incs = append(incs, full)
	}
	return incs
}

// count runs a SELECT count(*) on the world's database.
func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	if w.dialect == onPostgres {
		query = dollars(query)
	}
	var n int
	if err := w.sql.QueryRow(query, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// dollars turns ? placeholders into PostgreSQL's $1, $2...
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cutBy counts the messages a killed process held: claimed, not marked done. Their
// outcome could not be known, so each may be delivered twice.
func (w *world) cutBy(pid int) int {
	return w.count(`SELECT count(*) FROM outbox WHERE done_at IS NULL AND lease_owner LIKE ?`, fmt.Sprintf("%%:%d:%%", pid))
}

// settle waits until the outbox has nothing left to send (up to limit).
func (w *world) settle(limit time.Duration) bool {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if w.count(`SELECT count(*) FROM outbox WHERE done_at IS NULL`) == 0 {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// failures lists the messages the relay gave up on.
func (w *world) failures() []string {
	w.t.Helper()
	rows, err := w.sql.Query(`SELECT platform, incident, failure FROM outbox WHERE done_at IS NOT NULL AND failure <> ''`)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var platform, failure string
		var n int
		if err := rows.Scan(&platform, &n, &failure); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s #%d: %s", platform, n, failure))
	}
	return out
}

// givingUp returns the log lines of messages given up on.
func (w *world) givingUp() []string {
	var out []string
	for _, l := range strings.Split(w.logs.String(), "\n") {
		if strings.Contains(l, "relay: giving up") {
			out = append(out, l)
		}
	}
	return out
}

// dumpLogs writes the processes' logs to a file and names it, for a failing run.
func (w *world) dumpLogs() string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("mimbot-chaos-%s-%d.log", strings.ReplaceAll(w.t.Name(), "/", "-"), time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(w.logs.String()), 0o644); err != nil {
		return err.Error()
	}
	return path
}

// eventually polls cond until limit.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually is eventually with the bot's answers and logs in the failure.
func (w *world) eventually(limit time.Duration, what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			var answers []string
			for _, r := range w.slack.ResponseURLPosts() {
				answers = append(answers, r.UserID+": "+r.Text)
			}
			w.t.Fatalf("timed out after %s waiting for %s; Slack answers:\n%s\nlogs: %s", limit, what, strings.Join(answers, "\n"), w.dumpLogs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer collects the processes' output.
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

// prefixWriter tags each process's output with its name.
type prefixWriter struct {
	prefix string
	to     *syncBuffer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.prefix == "" {
		return p.to.Write(b)
	}
	lines := strings.SplitAfter(string(b), "\n")
	var out strings.Builder
	for _, l := range lines {
		if l != "" {
			out.WriteString(p.prefix + " " + l)
		}
	}
	p.to.Write([]byte(out.String()))
	return len(b), nil
}

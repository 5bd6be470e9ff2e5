package main

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mimbot/bot"
	"mimbot/internal/config"
	"mimbot/internal/pgtest"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

// TestShellSameOnPostgres runs one script on SQLite and on PostgreSQL: the terminal
// shows the same thing and the incident reads back the same.
func TestShellSameOnPostgres(t *testing.T) {
	script := incidentScript + "/sleep 1s\nstatus incident=1\n"
	var outs, shows [2]string
	for i, url := range []string{"", pgtest.DB(t)} {
		e := newEnv(t)
		e.vars["DATABASE_URL"] = url
		code, out, errOut := e.run(script, "shell")
		if code != 0 {
			t.Fatalf("shell (DATABASE_URL=%q): exit %d: %s", url, code, errOut)
		}
		_, show, _ := e.run("", "incident", "show", "1", "--json")
		outs[i], shows[i] = out, show
	}
	if outs[0] != outs[1] {
		t.Errorf("the shell differs between SQLite and PostgreSQL:\n--- sqlite\n%s\n--- postgres\n%s", outs[0], outs[1])
	}
	if shows[0] != shows[1] {
		t.Errorf("incident show differs:\n--- sqlite\n%s\n--- postgres\n%s", shows[0], shows[1])
	}
}

// proxy stands between mimbot and PostgreSQL so that a test can take the database
// away from this process alone, as a restart of the server would.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

// setDown cuts every connection and refuses new ones, or lets them through again.
func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestPostgresOutage takes PostgreSQL away mid-incident: commands get a clear "try
// again", timers wait, nothing crashes, and when it is back the reminder fires once.
func TestPostgresOutage(t *testing.T) {
	direct := pgtest.DB(t)
	cfg, err := pgx.ParseConfig(direct)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, cfg.Host+":5432")
	url := strings.Replace(direct, cfg.Host+":5432", px.ln.Addr().String(), 1)
	ctx := context.Background()
	db, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conf := config.Demo()
	for _, p := range []mim.Priority{mim.P0, mim.P1} {
		tg := conf.Policy.Targets[p]
		tg.UpdateEvery = 30 * time.Second
		conf.Policy.Targets[p] = tg
	}
	clock := mimtest.NewClock(time.Now())
	svc := mim.NewService(db, conf, templates.Must(), clock, nil)
	router := &bot.Router{Service: svc}
	say := func(user, text string) bot.Reply {
		return router.Handle(ctx, bot.Request{Platform: "shell", User: user, Text: text})
	}
	if rep := say("sam", "declare Payments down impact=high urgency=high"); rep.Err != nil {
		t.Fatal(rep.Text)
	}
	im := "carol"
	if inc, err := svc.Incident(ctx, 1); err == nil {
		im = inc.IM
	}
	// The similar-incident search is due at once: fired before the outage, so that
	// the one timer left to fire after it is the reminder.
	if n, err := svc.FireDue(ctx, "test", time.Minute); n != 1 || err != nil {
		t.Fatalf("before the outage fired %d timers (%v), want the similar search", n, err)
	}

	px.setDown(true)
	rep := say(im, "update Investigating incident=1")
	if mim.ErrorCode(rep.Err) != mim.EUNAVAILABLE || !strings.Contains(rep.Text, "try again") {
		t.Errorf("during the outage: %q (%v), want a clear try-again", rep.Text, rep.Err)
	}
	clock.Advance(28 * time.Second) // the reminder falls due while the database is away
	if _, err := svc.FireDue(ctx, "test", time.Minute); mim.ErrorCode(err) != mim.EUNAVAILABLE {
		t.Errorf("firing timers during the outage: %v, want unavailable", err)
	}

	px.setDown(false)
	var fired int
	deadline := time.Now().Add(10 * time.Second)
	for fired == 0 && time.Now().Before(deadline) {
		fired, _ = svc.FireDue(ctx, "test", time.Minute)
		time.Sleep(100 * time.Millisecond)
	}
	if again, _ := svc.FireDue(ctx, "test", time.Minute); fired != 1 || again != 0 {
		t.Errorf("after the outage fired %d then %d timers, want the reminder once", fired, again)
	}
	if rep := say(im, "update Failing over incident=1"); rep.Err != nil {
		t.Errorf("after the outage: %s", rep.Text)
	}
	inc, err := svc.Incident(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[mim.Kind]int{}
	for _, e := range inc.Timeline {
		kinds[e.Kind]++
	}
	if kinds[mim.KindReminder] != 1 || kinds[mim.KindUpdate] != 1 {
		t.Errorf("timeline kinds %v, want one reminder and the one update that got through", kinds)
	}
}

// TestReplicasFireOnce runs two `mimbot serve` on one PostgreSQL database with 20
// incidents at a 2 s cadence, SIGKILLs one mid-run, and counts the reminders by the
// update each is for (its "by" time): none reminded twice, and the survivor takes over
// the dead one's timers after the lease.
func TestReplicasFireOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two binaries for about 15 s; skipped with -short")
	}
	url := pgtest.DB(t)
	ctx := context.Background()
	e := newEnv(t)
	// Built before anything is declared: the build may take longer than a cadence.
	bin := filepath.Join(e.dir, "mimbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	yaml := strings.NewReplacer("update_every: 15m", "update_every: 2s", "update_every: 30m", "update_every: 2s").Replace(string(config.DemoYAML()))
	yaml = strings.ReplaceAll(yaml, "max_concurrent: 1", "max_concurrent: 100")
	if err := os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := mim.NewService(db, cfg, templates.Must(), nil, nil) // declares only; no engine here
	const n = 20
	for i := 0; i < n; i++ {
		if _, _, err := svc.Declare(ctx, mim.DeclareInput{Title: "Outage", Impact: mim.High, Urgency: mim.High, By: "sam"}); err != nil {
			t.Fatal(err)
		}
	}
	start := func() *exec.Cmd {
		c := exec.Command(bin, "serve")
		c.Env = append(os.Environ(), "DATABASE_URL="+url, "MIMBOT_CONFIG="+e.vars["MIMBOT_CONFIG"], "MIMBOT_ADDR=127.0.0.1:0", "MIMBOT_LEASE=3s")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := start(), start()
	// Both replicas work until every incident has had reminders (a has surely held
	// some timers), then a dies holding its leases.
	waitFor(t, 30*time.Second, "every incident reminded twice", func() bool {
		return minReminders(t, db, n, time.Time{}) >= 2
	})
	a.Process.Kill() // SIGKILL: its leases stay until they run out
	a.Wait()
	killed := time.Now()
	// The survivor carries on: every incident is reminded of updates due after the
	// dead replica's leases ran out.
	waitFor(t, 45*time.Second, "the survivor reminding every incident after the kill", func() bool {
		return minReminders(t, db, n, killed.Add(3*time.Second)) >= 2
	})
	b.Process.Signal(syscall.SIGTERM)
	if err := b.Wait(); err != nil {
		t.Errorf("the surviving replica did not stop cleanly: %v", err)
	}

	for i := 1; i <= n; i++ {
		inc, err := db.Incident(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, en := range inc.Timeline {
			if en.Kind != mim.KindReminder {
				continue
			}
			due := reminderFor(en.Text)
			if due == "" {
				t.Errorf("incident %d: reminder %q does not say which update it is for", i, en.Text)
			}
			if seen[due]++; seen[due] == 2 {
				t.Errorf("incident %d: two reminders for the update due by %s", i, due)
			}
		}
	}
}

// reminderFor is the update a reminder entry is for: its "(by <time>)".
func reminderFor(text string) string {
	_, rest, ok := strings.Cut(text, "(by ")
	if !ok {
		return ""
	}
	due, _, _ := strings.Cut(rest, ")")
	return due
}

// minReminders is the fewest distinct updates reminded, over incidents 1..n, among
// reminders logged after since.
func minReminders(t *testing.T, db *store.DB, n int, since time.Time) int {
	t.Helper()
	least := -1
	for i := 1; i <= n; i++ {
		inc, err := db.Incident(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		dues := map[string]bool{}
		for _, en := range inc.Timeline {
			if en.Kind == mim.KindReminder && en.At.After(since) {
				dues[reminderFor(en.Text)] = true
			}
		}
		if least < 0 || len(dues) < least {
			least = len(dues)
		}
	}
	return least
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

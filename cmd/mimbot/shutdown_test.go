package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/internal/config"
)

// TestGracefulShutdown loads `mimbot serve` (a burst of API declares, their Slack
// deliveries answered slowly, a wave of timers falling due, and requests half sent),
// then ends its context as SIGTERM does, and checks what an operator relies on when a
// replica is stopped: it returns within 10 s; requests under way get their answers
// while new connections are refused; no delivery under way is cut off mid-call; no
// lease is left held; and a second serve started after it delivers everything that
// was queued, each stakeholder post once.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two serves on the wall clock (about 20 s); skipped with -short")
	}
	const (
		declares  = 6                       // the burst, answered before the stop
		inFlight  = 2                       // requests under way at the stop
		postDelay = 1500 * time.Millisecond // chat.postMessage's answer is held back this long
		token     = "shutdown-api-token"
	)
	e := newSlackEnv(t)
	delete(e.vars, "SLACK_APP_TOKEN") // HTTP only: no Socket Mode connection to wait for
	e.vars["MIMBOT_API_TOKEN"] = token
	e.fake.SetLatency("chat.postMessage", postDelay)
	db := openRaw(t, e.vars["MIMBOT_DB"])

	first := e.start(t)
	var wg sync.WaitGroup
	for i := range declares {
		wg.Go(func() {
			code, body := declareAPI(first.url, token, fmt.Sprintf("Burst %d", i), []string{"application", "database"}[i%2])
			if code != http.StatusCreated {
				t.Errorf("declare %d: %d %s", i, code, body)
			}
		})
	}
	wg.Wait()
	var parked []*halfSent
	for i := range inFlight {
		parked = append(parked, sendHalf(t, first.addr, token, fmt.Sprintf("In flight %d", i)))
	}
	// A wave of timers: five seconds on, every incident's reminder and overdue update
	// (every 3 s in this configuration) is due at once; the stop comes while the engine
	// holds some of them. (Within the 30 s leases: a jump past them would let the
	// relay claim again the messages it is delivering.)
	e.clock.Advance(5 * time.Second)
	// The claim is brief (each timer fires in milliseconds): look closely, for a while.
	for deadline := time.Now().Add(3 * time.Second); count(t, db, heldTimers) == 0 && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
	// Stop while a post is under way (Slack holds its answer back postDelay): that is
	// the call the stop must not cut off. On a loaded machine the relay takes a while
	// to get there.
	waitFor(t, 20*time.Second, "a post under way", func() bool { return e.fake.UnderWay("chat.postMessage") > 0 })
	t.Logf("at the stop: %d timers and %d messages held", count(t, db, heldTimers), count(t, db, heldMessages))

	stopAt := time.Now()
	first.cancel()
	waitFor(t, 5*time.Second, "the listener to refuse new connections", func() bool {
		c, err := net.DialTimeout("tcp", first.addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	for i, h := range parked {
		code, body := h.finish(t)
		if code != http.StatusCreated {
			t.Errorf("request %d under way at the stop: %d %s, want 201", i, code, body)
		}
	}
	select {
	case code := <-first.done:
		took := time.Since(stopAt)
		t.Logf("serve returned %s after its context ended", took.Round(time.Millisecond))
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, first.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve still running 10 s after its context ended:\n%s", first.stderr.String())
	}
	if n := count(t, db, heldTimers); n != 0 {
		t.Errorf("%d timers still leased after the stop: another replica waits for the lease to run out", n)
	}
	if n := count(t, db, heldMessages); n != 0 {
		t.Errorf("%d messages still leased after the stop", n)
	}
	inFlightAtStop := 0
	for _, c := range e.fake.CallsTo("chat.postMessage") {
		if c.Error == "client_gone" {
			t.Errorf("a post to %s at %s was cut off mid-call: it is sent again", c.Channel, c.Time.Format(time.StampMilli))
		}
		if c.Time.Before(stopAt) && c.Time.After(stopAt.Add(-postDelay)) {
			inFlightAtStop++
		}
	}
	if inFlightAtStop == 0 {
		t.Errorf("no post was under way at the stop: the test did not load what it is about")
	}
	t.Logf("%d posts were under way at the stop and finished", inFlightAtStop)
	t.Logf("first serve's stop:\n%s", grepLines(first.stderr.String(), "stop", "lease"))

	// The second replica finds everything the first left: queued messages, and the
	// incidents declared while it stopped. Its clock moves on as the wall clock does,
	// so that retries waiting for their backoff fall due (faster would run leases out
	// under deliveries that wait for Slack's pace), and it reminds every 4 h, so that
	// its outbox can be seen empty.
	t.Logf("%d messages pending for the second serve", count(t, db, pendingMessages))
	setConfig(t, e.env, "update_every: 3s", "update_every: 4h")
	e.fake.SetLatency("chat.postMessage", 0)
	second := e.start(t)
	deadline := time.Now().Add(90 * time.Second)
	for count(t, db, pendingMessages) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the second serve left messages undelivered:\n%s\n%s", pendingList(t, db), second.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
		e.clock.Advance(200 * time.Millisecond)
	}
	second.cancel()
	<-second.done
	if n := count(t, db, `SELECT count(*) FROM outbox WHERE failure <> '' AND done_at IS NOT NULL`); n != 0 {
		t.Errorf("%d messages given up", n)
	}
	posts := map[string]int{}
	for _, m := range e.fake.Messages(config.Demo().Stakeholders["slack"]) {
		posts[m.Text]++
	}
	declared := regexp.MustCompile(`Major incident declared: #(\d+) `)
	seen := map[string]bool{}
	for text, n := range posts {
		if n > 1 {
			t.Errorf("posted %d times to stakeholders: %s", n, text)
		}
		if m := declared.FindStringSubmatch(text); m != nil {
			seen[m[1]] = true
		}
	}
	if len(seen) != declares+inFlight {
		t.Errorf("stakeholders were told of %d declarations, want %d: %v", len(seen), declares+inFlight, posts)
	}
}

// running is a serve started by start.
type running struct {
	url, addr string
	cancel    func()
	done      chan int
	stderr    *syncBuffer
}

// start starts `mimbot serve` on e's test clock and waits until it listens; the
// caller stops it with cancel and reads its exit status from done.
func (e *env) start(t *testing.T) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &running{done: make(chan int, 1), stderr: &syncBuffer{}, addr: ln.Addr().String()}
	r.url = "http://" + r.addr
	ready := make(chan net.Addr, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: r.stderr, Getenv: func(k string) string { return e.vars[k] },
		Clock: e.clock, Listener: ln, Ready: func(a net.Addr) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- m.Run(ctx, []string{"serve"}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
		}
	})
	select {
	case <-ready:
		return r
	case code := <-r.done:
		t.Fatalf("serve exited %d: %s", code, r.stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not start")
	}
	return nil
}

// declareAPI declares a major incident through the API.
func declareAPI(url, token, title, tower string) (int, string) {
	body := fmt.Sprintf(`{"title":%q,"impact":"high","urgency":"high","towers":[%q]}`, title, tower)
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/incidents", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// halfSent is a declare whose headers were read by the handler (it asked for the
// body with 100 Continue) and whose body is not sent yet: a request under way.
type halfSent struct {
	conn net.Conn
	r    *bufio.Reader
	body string
}

func sendHalf(t *testing.T, addr, token, title string) *halfSent {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	h := &halfSent{conn: conn, r: bufio.NewReader(conn),
		body: fmt.Sprintf(`{"title":%q,"impact":"high","urgency":"high","towers":["network"]}`, title)}
	fmt.Fprintf(conn, "POST /api/v1/incidents HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, token, len(h.body))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(h.r, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("%s: want 100 Continue (the handler reading the body), got %v %v", title, resp, err)
	}
	return h
}

// finish sends the body and reads the answer.
func (h *halfSent) finish(t *testing.T) (int, string) {
	t.Helper()
	if _, err := io.WriteString(h.conn, h.body); err != nil {
		return 0, err.Error()
	}
	resp, err := http.ReadResponse(h.r, nil)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Queries on the store the serves share: leases held (whoever holds them; only one
// serve runs at a time) and messages not yet done.
const (
	heldTimers      = `SELECT count(*) FROM timers WHERE lease_owner IS NOT NULL AND done_at IS NULL`
	heldMessages    = `SELECT count(*) FROM outbox WHERE lease_owner IS NOT NULL AND done_at IS NULL`
	pendingMessages = `SELECT count(*) FROM outbox WHERE done_at IS NULL`
)

// openRaw opens the SQLite file for the test's own queries, read beside the serves.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// grepLines returns the lines of s holding any of words.
func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// setConfig rewrites the configuration file of e, old to new.
func setConfig(t *testing.T, e *env, old, new string) {
	t.Helper()
	b, err := os.ReadFile(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.ReplaceAll(string(b), old, new)
	if changed == string(b) {
		t.Fatalf("the configuration has no %q", old)
	}
	if err := os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
}

// pendingList describes the messages not yet done, one a line.
func pendingList(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT id, platform, incident, audience, attempts, COALESCE(next_at, ''), COALESCE(failure, '') FROM outbox WHERE done_at IS NULL ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, incident, attempts int
		var platform, audience, next, failure string
		if err := rows.Scan(&id, &platform, &incident, &audience, &attempts, &next, &failure); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s #%d %s attempts=%d next=%s failure=%s", id, platform, incident, audience, attempts, next, failure))
	}
	return strings.Join(out, "\n")
}

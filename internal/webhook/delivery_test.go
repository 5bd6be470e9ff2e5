package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/config"
	"mimbot/internal/pgtest"
	"mimbot/internal/webhook"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

const secret = "whsec-test-0123456789abcdef"

// t0 is a Monday morning; alice is on call in the demo configuration.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// received is one request the receiver took (answered 2xx).
type received struct {
	Event    string
	State    string
	Verified bool // the signature matched, computed here from the secret
	Delivery string
	Body     []byte
}

// receiver is an ITSM tool's endpoint that fails the first requests in the ways given
// (a status, or 0 to drop the connection), then takes every request.
type receiver struct {
	t     *testing.T
	clock *mimtest.Clock
	mu    sync.Mutex
	fails []int
	calls int
	// failed are the X-Mimbot-Delivery ids of the requests failed on purpose.
	failed []string
	got    []received
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if len(r.fails) > 0 {
		code := r.fails[0]
		r.fails = r.fails[1:]
		r.failed = append(r.failed, req.Header.Get("X-Mimbot-Delivery"))
		if code == 0 {
			panic(http.ErrAbortHandler) // the connection drops: a network error
		}
		http.Error(w, http.StatusText(code), code)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("read body: %v", err)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		r.t.Errorf("Content-Type %q", ct)
	}
	ts := req.Header.Get("X-Mimbot-Timestamp")
	if want := strconv.FormatInt(r.clock.Now().Unix(), 10); ts != want {
		r.t.Errorf("X-Mimbot-Timestamp %s, want the clock's %s", ts, want)
	}
	// Verified as a receiver would, without the package's own Signature.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	var m struct {
		Event    string `json:"event"`
		Incident struct {
			State string `json:"state"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Errorf("body is not JSON: %v", err)
	}
	r.got = append(r.got, received{Event: m.Event, State: m.Incident.State, Body: body,
		Verified: hmac.Equal([]byte(want), []byte(req.Header.Get("X-Mimbot-Signature"))), Delivery: req.Header.Get("X-Mimbot-Delivery")})
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) taken() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// fixture is a service with one webhook, on a fresh SQLite file and a test clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *mimtest.Clock
	svc   *mim.Service
	relay *mim.Relay
}

func newFixture(t *testing.T, url string, events ...mim.HookEvent) *fixture {
	t.Helper()
	return newFixtureOn(t, openSQLite, url, events...)
}

// opener opens a fresh store of t's own.
type opener func(t *testing.T) *store.DB

func openSQLite(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "hooks.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.OpenPostgres(t.Context(), pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dialects are the stores the delivery tests run on.
var dialects = []struct {
	name string
	open opener
}{{"sqlite", openSQLite}, {"postgres", openPostgres}}

func newFixtureOn(t *testing.T, open opener, url string, events ...mim.HookEvent) *fixture {
	t.Helper()
	ctx := context.Background()
	db := open(t)
	cfg := config.Demo()
	cfg.Webhooks = []mim.Webhook{{URL: url, Secret: secret, Events: events}}
	clock := mimtest.NewClock(t0)
	svc := mim.NewService(db, cfg, templates.Must(), clock, nil, "shell")
	svc.Hooks = webhook.Body{}
	relay := &mim.Relay{Service: svc, Owner: "test",
		Hooks: webhook.New(webhook.Config{Webhooks: cfg.Webhooks, Clock: clock})}
	return &fixture{t: t, ctx: ctx, clock: clock, svc: svc, relay: relay}
}

func (f *fixture) drain() {
	f.t.Helper()
	if _, err := f.relay.Drain(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) must(_ *mim.Incident, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// TestReceiverThatFailsGetsEveryEventOnceInOrder is the acceptance: a receiver that
// fails three times (500, a dropped connection, 429) before it takes anything gets
// every event of an incident once, in order, each signed.
func TestReceiverThatFailsGetsEveryEventOnceInOrder(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) { testReceiverThatFails(t, d.open) })
	}
}

func testReceiverThatFails(t *testing.T, open opener) {
	rcv := &receiver{t: t, fails: []int{http.StatusInternalServerError, 0, http.StatusTooManyRequests}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	f := newFixtureOn(t, open, srv.URL+"/mimbot", mim.HookEvents()...)
	rcv.clock = f.clock

	inc, _, err := f.svc.Declare(f.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, Towers: []string{"application"}, By: "sam", Platform: "shell"})
	if err != nil {
		t.Fatal(err)
	}
	f.drain() // the first try fails
	f.clock.Advance(time.Minute)
	f.must(f.svc.Update(f.ctx, inc.Number, inc.IM, "Failing over to the secondary"))
	f.drain()
	f.clock.Advance(time.Minute)
	f.must(f.svc.Escalate(f.ctx, inc.Number, inc.IM, "hierarchical", "need a decision on the failover"))
	f.drain()
	f.clock.Advance(time.Minute)
	f.must(f.svc.Resolve(f.ctx, inc.Number, inc.IM, "failed over"))
	f.must(f.svc.Close(f.ctx, inc.Number, inc.IM))
	for i := 0; i < 20 && len(rcv.taken()) < 5; i++ {
		f.drain()
		f.clock.Advance(5 * time.Minute) // the longest backoff
	}
	f.drain()

	var got []string
	for _, r := range rcv.taken() {
		got = append(got, fmt.Sprintf("%s (%s) verified=%v", r.Event, r.State, r.Verified))
	}
	want := []string{
		"declared (investigating) verified=true",
		"update (investigating) verified=true",
		"escalated (investigating) verified=true",
		"resolved (resolved) verified=true",
		"closed (closed) verified=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if rcv.calls != 8 {
		t.Errorf("%d requests: want 3 failed and 5 taken", rcv.calls)
	}
	seen := map[string]bool{}
	for _, r := range rcv.taken() {
		if r.Delivery == "" || seen[r.Delivery] {
			t.Errorf("%s: X-Mimbot-Delivery %q is missing or was used before", r.Event, r.Delivery)
		}
		seen[r.Delivery] = true
	}
	if taken := rcv.taken(); len(taken) > 0 {
		first := taken[0].Delivery
		if !cmp.Equal(rcv.failed, []string{first, first, first}) {
			t.Errorf("X-Mimbot-Delivery of the failed tries %q, want the declared event's %q each time", rcv.failed, first)
		}
	}
	root := loadSchema(t)
	for _, r := range rcv.taken() {
		var v any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatal(err)
		}
		if problems := check(root, root, v, "$"); len(problems) > 0 {
			t.Errorf("%s body does not follow schema.json:\n%s\n%s", r.Event, problems, r.Body)
		}
	}
}

// TestBodyIsFixedAtTheEvent: a body waiting for a receiver that is down still says
// what was true when its event happened, not what is true when it gets through.
func TestBodyIsFixedAtTheEvent(t *testing.T) {
	rcv := &receiver{t: t, fails: []int{http.StatusServiceUnavailable}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	f := newFixture(t, srv.URL, mim.HookDeclared)
	rcv.clock = f.clock
	inc, _, err := f.svc.Declare(f.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, By: "sam", Platform: "shell"})
	if err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.must(f.svc.Resolve(f.ctx, inc.Number, inc.IM, "fixed"))
	f.clock.Advance(5 * time.Minute)
	f.drain()
	got := rcv.taken()
	if len(got) != 1 {
		t.Fatalf("got %d bodies, want the declared one", len(got))
	}
	var m struct {
		Event    string          `json:"event"`
		At       time.Time       `json:"at"`
		Incident json.RawMessage `json:"incident"`
	}
	if err := json.Unmarshal(got[0].Body, &m); err != nil {
		t.Fatal(err)
	}
	var incident map[string]any
	if err := json.Unmarshal(m.Incident, &incident); err != nil {
		t.Fatal(err)
	}
	if m.Event != "declared" || !m.At.Equal(t0) || incident["state"] != "investigating" || incident["resolved_at"] != nil {
		t.Errorf("body %s: want the declared event at %s with the incident as it was then", got[0].Body, t0)
	}
	if _, ok := incident["timeline"]; ok {
		t.Error("the body carries the timeline")
	}
}

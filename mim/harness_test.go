package mim_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

// recorder is a chat platform that remembers what it was asked to do.
type recorder struct {
	mu    sync.Mutex
	rooms []string
	posts []string // "where: text"
}

func (r *recorder) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Existing != nil {
		return *req.Existing, nil
	}
	r.rooms = append(r.rooms, req.Name)
	return mim.WarRoom{Platform: "shell", ID: "C-" + req.Name, Name: req.Name}, nil
}

func (r *recorder) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	return nil, r.Page(ctx, d)
}

// Page records a page as it records a message.
func (r *recorder) Page(ctx context.Context, d mim.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	where := string(d.Message.To)
	switch d.Message.To {
	case mim.ToPerson:
		where = "dm:" + d.Message.Person
	case mim.ToPager:
		where = "pager:" + string(d.Message.Kind) + ":" + d.Message.Person
	}
	r.posts = append(r.posts, where+": "+d.Message.Text)
	return nil
}

// take returns and forgets the posts so far.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.posts
	r.posts = nil
	return p
}

// harness is a service on a fresh SQLite file, a fake clock and a recording chat.
type harness struct {
	t     *testing.T
	ctx   context.Context
	clock *mimtest.Clock
	chat  *recorder
	svc   *mim.Service
	relay *mim.Relay
	path  string
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday; alice is on call in the demo

func newHarness(t *testing.T, edit func(*mim.Config)) *harness {
	t.Helper()
	cfg := config.Demo()
	if edit != nil {
		edit(cfg)
	}
	h := &harness{t: t, ctx: context.Background(), clock: mimtest.NewClock(t0), chat: &recorder{}, path: filepath.Join(t.TempDir(), "mim.db")}
	h.open(cfg)
	return h
}

// open (re)starts the service on the harness's database, as a restart would.
func (h *harness) open(cfg *mim.Config) {
	h.t.Helper()
	db, err := store.OpenSQLite(h.ctx, h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	h.svc = mim.NewService(db, cfg, templates.Must(), h.clock, nil, "shell")
	h.relay = &mim.Relay{Service: h.svc, Chats: map[string]mim.Chat{"shell": h.chat}, Pagers: map[string]mim.Pager{mim.PagerDuty: h.chat}, Owner: "test"}
}

// flush delivers the outbox and returns what was posted.
func (h *harness) flush() []string {
	h.t.Helper()
	if _, err := h.relay.Drain(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	return h.chat.take()
}

// tick moves the clock, fires what is due and returns what was posted.
func (h *harness) tick(d time.Duration) []string {
	h.t.Helper()
	h.clock.Advance(d)
	if _, err := h.svc.FireDue(h.ctx, "test", 30*time.Second); err != nil {
		h.t.Fatal(err)
	}
	return h.flush()
}

func (h *harness) declare(title string, impact, urgency mim.Level, towers ...string) *mim.Incident {
	h.t.Helper()
	inc, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: title, Impact: impact, Urgency: urgency, Towers: towers, By: "sam", Platform: "shell"})
	if err != nil {
		h.t.Fatalf("declare: %v", err)
	}
	return inc
}

func (h *harness) incident(n int) *mim.Incident {
	h.t.Helper()
	inc, err := h.svc.Incident(h.ctx, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

// kinds lists the timeline kinds of incident n.
func (h *harness) kinds(n int) []mim.Kind {
	var out []mim.Kind
	for _, e := range h.incident(n).Timeline {
		out = append(out, e.Kind)
	}
	return out
}

func count[T comparable](xs []T, x T) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// matching returns the posts that start with where and contain every word.
func matching(posts []string, where string, words ...string) []string {
	var out []string
	for _, p := range posts {
		if strings.HasPrefix(p, where+": ") && !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(p, w) }) {
			out = append(out, p)
		}
	}
	return out
}

func fast(cfg *mim.Config) {
	for _, p := range []mim.Priority{mim.P0, mim.P1} {
		t := cfg.Policy.Targets[p]
		t.UpdateEvery = 3 * time.Second
		cfg.Policy.Targets[p] = t
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func describe(posts []string) string {
	return fmt.Sprintf("%d posts:\n%s", len(posts), strings.Join(posts, "\n"))
}

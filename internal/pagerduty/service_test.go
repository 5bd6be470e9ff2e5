package pagerduty_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/config"
	"mimbot/internal/pagerduty"
	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

// shellChat is the chat platform the incident is declared from: it opens rooms and
// records who was told what.
type shellChat struct {
	mu    sync.Mutex
	rooms []string
	dms   []string // "person: text"
}

func (c *shellChat) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	if req.Existing != nil {
		return *req.Existing, nil
	}
	c.mu.Lock()
	c.rooms = append(c.rooms, req.Name)
	c.mu.Unlock()
	return mim.WarRoom{Platform: "shell", ID: "room-" + req.Name, Name: req.Name}, nil
}

func (c *shellChat) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	if d.Message.To == mim.ToPerson {
		c.mu.Lock()
		c.dms = append(c.dms, d.Message.Person+": "+d.Message.Text)
		c.mu.Unlock()
	}
	return nil, nil
}

// TestServicePagesOnPagerDuty drives the real service on SQLite through its relay: a
// P0 declared with the application tower pages its lead on PagerDuty, the lead's ack in
// chat acknowledges there, the IM's resolve resolves there. On the way PagerDuty fails
// once (retried by the relay) and the database tower's key is refused (given up); the
// routing keys never reach the logs.
func TestServicePagesOnPagerDuty(t *testing.T) {
	ctx := context.Background()
	fake := pagerdutyfake.New(pagerdutyfake.Options{})
	fake.Start()
	t.Cleanup(fake.Close)

	const badKey = "dbKeyOneCharacterShort0000000031"
	cfg := config.Demo()
	setKey(cfg, "application", appKey)
	setKey(cfg, "database", badKey[:31])
	logs := &logBuffer{}
	log := logs.logger()

	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "mim.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := mimtest.NewClock(t0)
	svc := mim.NewService(db, cfg, templates.Must(), clk, log, "shell")
	pd, err := pagerduty.New(pagerduty.Config{EventsURL: fake.EnqueueURL()}, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	shell := &shellChat{}
	relay := &mim.Relay{Service: svc, Chats: map[string]mim.Chat{"shell": shell}, Pagers: map[string]mim.Pager{mim.PagerDuty: pd}, Owner: "test"}
	drain := func() {
		t.Helper()
		if _, err := relay.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pagerDuty := func(want ...pdIncident) {
		t.Helper()
		if diff := cmp.Diff(want, incidents(fake)); diff != "" {
			t.Errorf("PagerDuty incidents (-want +got):\n%s", diff)
		}
	}

	fake.InjectFault(pagerdutyfake.Fault{Status: http.StatusBadGateway})
	inc, _, err := svc.Declare(ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High,
		Towers: []string{"application", "database"}, By: "sam", Platform: "shell", RequestKey: "declare-1"})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Priority != mim.P0 || inc.IM == "" {
		t.Fatalf("declared %s with IM %q, want a P0 with an IM", inc.Priority, inc.IM)
	}
	drain()
	pagerDuty() // PagerDuty answered 502: the page waits for the relay's next try
	clk.Advance(time.Minute)
	drain()
	trigger := pdIncident{RoutingKey: appKey, DedupKey: pagerduty.DedupKey(inc.Number, "application"), State: pagerdutyfake.Triggered, Severity: "critical",
		Events: []string{"trigger: " + inc.Ref() + " Payments down (P0): application tower paged, Dave Kowalski"}}
	pagerDuty(trigger)

	if _, err := svc.Ack(ctx, inc.Number, "dave"); err != nil {
		t.Fatal(err)
	}
	drain()
	trigger.State = pagerdutyfake.Acknowledged
	trigger.Events = append(trigger.Events, "acknowledge")
	pagerDuty(trigger)

	if _, err := svc.Resolve(ctx, inc.Number, inc.IM, "Rolled back the payment service deploy"); err != nil {
		t.Fatal(err)
	}
	drain()
	trigger.State = pagerdutyfake.Resolved
	trigger.Events = append(trigger.Events, "resolve")
	pagerDuty(trigger)

	shell.mu.Lock()
	rooms, dms := shell.rooms, strings.Join(shell.dms, "\n")
	shell.mu.Unlock()
	if len(rooms) != 1 || !strings.Contains(dms, "dave: You are paged") {
		t.Errorf("shell: rooms %q, direct messages:\n%s\nwant one war room and dave paged in chat too", rooms, dms)
	}
	out := logs.String()
	for _, want := range []string{"relay: will retry", "502 Bad Gateway", "relay: giving up", "'routing_key' must be 32 characters", "dedup_key=" + trigger.DedupKey} {
		if !strings.Contains(out, want) {
			t.Errorf("logs do not say %q:\n%s", want, out)
		}
	}
	for _, key := range []string{appKey, badKey[:31]} {
		if strings.Contains(out, key) {
			t.Errorf("the routing key %q shows in the logs:\n%s", key, out)
		}
	}
}

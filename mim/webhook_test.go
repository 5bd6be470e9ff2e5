package mim_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// hookBody renders what the test needs to tell bodies apart: the event, its time and
// the incident's state then.
type hookBody struct{}

func (hookBody) HookBody(ev mim.HookEvent, at time.Time, inc *mim.Incident) string {
	return fmt.Sprintf("%s %s #%d %s %s", ev, at.Format("15:04:05"), inc.Number, inc.Priority, inc.State)
}

// hookRecorder is a webhook receiver that remembers each delivery as "url: body".
type hookRecorder struct {
	mu    sync.Mutex
	posts []string
}

func (r *hookRecorder) Post(ctx context.Context, m mim.Outgoing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(r.posts, m.Person+": "+m.Text)
	return nil
}

const (
	hookAll  = "https://itsm.example.com/hook"
	hookOpen = "https://pager.example.com/hook"
)

func TestWebhooksGetTheEventsTheySubscribeTo(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) {
		c.Webhooks = []mim.Webhook{
			{URL: hookAll, Secret: "s1", Events: mim.HookEvents()},
			{URL: hookOpen, Secret: "s2", Events: []mim.HookEvent{mim.HookDeclared, mim.HookClosed}},
		}
	})
	h.svc.Hooks = hookBody{}
	rec := &hookRecorder{}
	h.relay.Hooks = rec
	h.declare("Payments down", mim.High, mim.High, "application")
	h.clock.Advance(time.Minute)
	im := h.incident(1).IM
	_, err := h.svc.Update(h.ctx, 1, im, "Failing over")
	must(t, err)
	h.clock.Advance(time.Minute)
	_, err = h.svc.SetPriority(h.ctx, 1, im, mim.Reprioritize{Impact: mim.High, Urgency: mim.Medium, Reason: "partial"})
	must(t, err)
	h.clock.Advance(time.Minute)
	_, err = h.svc.Note(h.ctx, 1, im, "not an event")
	must(t, err)
	_, err = h.svc.Escalate(h.ctx, 1, im, "hierarchical", "need a decision")
	must(t, err)
	h.clock.Advance(time.Minute)
	_, err = h.svc.Resolve(h.ctx, 1, im, "failed over")
	must(t, err)
	_, err = h.svc.Close(h.ctx, 1, im)
	must(t, err)
	h.flush()
	p1 := h.incident(1).Priority
	want := []string{
		hookAll + ": declared 10:00:00 #1 P0 investigating",
		hookOpen + ": declared 10:00:00 #1 P0 investigating",
		hookAll + ": update 10:01:00 #1 P0 investigating",
		hookAll + ": priority_changed 10:02:00 #1 " + p1.String() + " investigating",
		hookAll + ": escalated 10:03:00 #1 " + p1.String() + " investigating",
		hookAll + ": resolved 10:04:00 #1 " + p1.String() + " resolved",
		hookAll + ": closed 10:04:00 #1 " + p1.String() + " closed",
		hookOpen + ": closed 10:04:00 #1 " + p1.String() + " closed",
	}
	// Each webhook has its own queue: only the order within one is kept.
	byURL := func(posts []string, url string) []string {
		var out []string
		for _, p := range posts {
			if len(p) > len(url) && p[:len(url)] == url {
				out = append(out, p)
			}
		}
		return out
	}
	for _, url := range []string{hookAll, hookOpen} {
		if diff := cmp.Diff(byURL(want, url), byURL(rec.posts, url)); diff != "" {
			t.Errorf("%s got (-want +got):\n%s", url, diff)
		}
	}
}

func TestWebhooksWaitForAProcessThatServesThem(t *testing.T) {
	h := newHarness(t, func(c *mim.Config) {
		c.Webhooks = []mim.Webhook{{URL: hookAll, Secret: "s1", Events: mim.HookEvents()}}
	})
	h.svc.Hooks = hookBody{}
	h.declare("Payments down", mim.High, mim.High, "application")
	h.flush() // this relay has no Hooks
	pending, err := h.svc.Store.PendingMessages(h.ctx)
	must(t, err)
	if pending[mim.WebhookPlatform] != 1 {
		t.Fatalf("pending %v: want the declared event waiting", pending)
	}
	rec := &hookRecorder{}
	h.relay.Hooks = rec
	h.flush()
	if diff := cmp.Diff([]string{hookAll + ": declared 10:00:00 #1 P0 investigating"}, rec.posts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAckPageStopsTheOLAClock(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Payments down", mim.High, mim.High, "application", "database")
	h.flush()
	h.clock.Advance(2 * time.Minute)
	inc, err := h.svc.AckPage(h.ctx, 1, "application", "pagerduty")
	must(t, err)
	if posts := h.flush(); len(matching(posts, "war_room", "dave", "acknowledged the application page on pagerduty")) != 1 {
		t.Errorf("the war room was not told: %s", describe(posts))
	}
	var got []string
	for _, p := range inc.Pages {
		got = append(got, fmt.Sprintf("%s %s acked=%v", p.Tower, p.Person, p.Acked()))
	}
	want := []string{"application dave acked=true", "database frank acked=false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, e := range inc.Timeline {
		if e.Kind == mim.KindPageAcked {
			kinds = append(kinds, e.Actor+": "+e.Text)
		}
	}
	if diff := cmp.Diff([]string{"pagerduty: dave acknowledged the application page on pagerduty after 2m, within the 10m OLA"}, kinds); diff != "" {
		t.Errorf("page_acked entries (-want +got):\n%s", diff)
	}
	if inc.RespondedAt.IsZero() {
		t.Error("the ack must stop the respond clock")
	}
	posts := h.tick(10 * time.Minute)
	if len(matching(posts, "dm:erin")) != 0 {
		t.Errorf("application escalated after its page was acknowledged on PagerDuty: %s", describe(posts))
	}
	if len(matching(posts, "dm:grace", "database")) != 1 {
		t.Errorf("database was not acknowledged and must escalate: %s", describe(posts))
	}

	// Incident 2 is resolved with its application page never acknowledged.
	h.declare("Checkout down", mim.High, mim.High, "application")
	_, err = h.svc.Resolve(h.ctx, 2, h.incident(2).IM, "fixed")
	must(t, err)
	tests := []struct {
		name     string
		incident int
		tower    string
		code     string
	}{
		{"again", 1, "application", mim.ECONFLICT},
		{"a tower not paged", 1, "network", mim.ENOTFOUND},
		{"no such tower", 1, "kitchen", mim.ENOTFOUND},
		{"no such incident", 99, "application", mim.ENOTFOUND},
		{"a resolved incident", 2, "application", mim.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.incident(1).Timeline)
			_, err := h.svc.AckPage(h.ctx, tt.incident, tt.tower, "pagerduty")
			if mim.ErrorCode(err) != tt.code {
				t.Errorf("err %v: want code %s", err, tt.code)
			}
			if after := len(h.incident(1).Timeline); after != before {
				t.Errorf("a refused ack changed the timeline: %d -> %d entries", before, after)
			}
		})
	}
}

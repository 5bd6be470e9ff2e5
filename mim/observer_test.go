package mim_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// observed is a hand-written mim.Observer that writes down the labelled events of
// each committed change, one line each.
type observed struct {
	mu     sync.Mutex
	events []string
	gaveUp []string
}

func (o *observed) Committed(inc *mim.Incident, ch *mim.Change) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	if inc != nil {
		n = inc.Number
	}
	if ch.RoomReady != "" {
		o.events = append(o.events, fmt.Sprintf("#%d ready %s", n, ch.RoomReady))
	}
	for _, e := range ch.Entries {
		switch e.Kind {
		case mim.KindDeclared, mim.KindResolved, mim.KindReminder:
			o.events = append(o.events, fmt.Sprintf("#%d %s", n, e.Kind))
		case mim.KindEscalated, mim.KindSLAWarning, mim.KindSLABreach:
			o.events = append(o.events, fmt.Sprintf("#%d %s %s", n, e.Kind, e.Label))
		case mim.KindPageAcked:
			o.events = append(o.events, fmt.Sprintf("#%d %s %s after %s", n, e.Kind, e.Label, e.Took))
		}
	}
}

func (o *observed) GaveUp(m mim.Outgoing, reason error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gaveUp = append(o.gaveUp, fmt.Sprintf("#%d %s %s: %v", m.Incident, m.Platform, m.To, reason))
}

func (o *observed) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	ev := o.events
	o.events = nil
	return ev
}

// TestObserverSeesEachCommittedEventOnce: the observer hears of what was committed,
// once, with the label the metrics need, and never of a refused command or a request
// delivered twice.
func TestObserverSeesEachCommittedEventOnce(t *testing.T) {
	h := newHarness(t, nil)
	obs := &observed{}
	h.svc.Observer = obs
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"a major incident declared", func() error {
			_, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, Towers: []string{"application"}, By: "sam", Platform: "shell", RequestKey: "r1"})
			return err
		}, []string{"#1 declared"}},
		{"the same request again", func() error {
			_, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: "Payments down", Impact: mim.High, Urgency: mim.High, Towers: []string{"application"}, By: "sam", Platform: "shell", RequestKey: "r1"})
			return err
		}, nil},
		{"its war room set up", func() error { h.flush(); return nil }, []string{"#1 ready shell"}},
		{"an escalation refused", func() error {
			if _, err := h.svc.Escalate(h.ctx, 1, "sam", "hierarchical", "please"); mim.ErrorCode(err) != mim.EFORBIDDEN {
				return fmt.Errorf("escalate by sam: %v, want EFORBIDDEN", err)
			}
			return nil
		}, nil},
		{"escalated to the head", func() error {
			_, err := h.svc.Escalate(h.ctx, 1, "hana", "hierarchical", "need a DBA")
			return err
		}, []string{"#1 escalated hierarchical"}},
		{"escalated to the next lead", func() error {
			_, err := h.svc.Escalate(h.ctx, 1, "hana", "functional", "dave is away")
			return err
		}, []string{"#1 escalated functional"}},
		{"the first lead acknowledges after 2 minutes", func() error {
			h.clock.Advance(2 * time.Minute)
			_, err := h.svc.Ack(h.ctx, 1, "dave")
			return err
		}, []string{"#1 page_acked application after 2m0s"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, obs.take()); diff != "" {
			t.Errorf("%s: observed (-want +got):\n%s", s.name, diff)
		}
	}

	// Three hours on: the timers fire; every escalation and SLA event carries its label.
	h.tick(3 * time.Hour)
	got := obs.take()
	if !slices.Contains(got, "#1 sla_warning resolve") {
		t.Errorf("no resolve warning at 75%% of 4h in %q", got)
	}
	for _, ev := range got {
		if slices.Contains([]string{"#1 escalated ", "#1 sla_warning ", "#1 sla_breach "}, ev) {
			t.Errorf("an event without its label: %q", ev)
		}
	}
}

// failing is a chat platform that refuses every message for good.
type failing struct{ recorder }

func (f *failing) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	return nil, mim.Errorf(mim.EINVALID, "channel_not_found")
}

func TestObserverHearsOfMessagesGivenUp(t *testing.T) {
	h := newHarness(t, nil)
	obs := &observed{}
	h.svc.Observer = obs
	h.relay.Chats["shell"] = &failing{}
	h.declare("VPN drops", mim.Medium, mim.Medium, "network") // minor: the lead is told by DM
	if _, err := h.relay.Drain(h.ctx); err != nil {
		t.Fatal(err)
	}
	if len(obs.gaveUp) == 0 {
		t.Fatal("the relay gave up on a refused message and the observer did not hear of it")
	}
	for _, g := range obs.gaveUp {
		if !strings.HasPrefix(g, "#1 shell person: ") || !strings.Contains(g, "channel_not_found") {
			t.Errorf("given up: %q, want a message of incident #1", g)
		}
	}
}

// A direct message that can never be delivered (the person cannot be reached on the
// platform) is said on the incident's timeline: the team must know the person was
// not reached by it.
func TestUndeliveredDirectMessageIsOnTheTimeline(t *testing.T) {
	h := newHarness(t, nil)
	h.relay.Chats["shell"] = &failing{}
	h.declare("VPN drops", mim.Medium, mim.Medium, "network") // minor: the lead is told by DM
	if _, err := h.relay.Drain(h.ctx); err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range h.incident(1).Timeline {
		if e.Kind == mim.KindNote && strings.HasPrefix(e.Text, "Direct message to ") {
			notes = append(notes, e.Text)
		}
	}
	if len(notes) == 0 {
		t.Fatalf("no timeline entry says the direct message was not delivered; timeline kinds %v", h.kinds(1))
	}
	for _, n := range notes {
		if n != "Direct message to ivan on shell not delivered: channel_not_found" {
			t.Errorf("note %q does not name the person, the platform and the reason", n)
		}
	}
}

package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func outboxTests() []test {
	return []test{
		{"FieldsRoundTrip", testMessageFields},
		{"FIFOPerQueue", testFIFO},
		{"QueuesOfOneIncident", testQueues},
		{"RetryWaitsAndBlocksItsQueue", testRetry},
		{"LeaseExpiry", testMessageLease},
		{"ExtendLease", testExtendLease},
		{"ClaimLimit", testMessageLimit},
		{"DoneTwiceIsStale", testDoneTwice},
		{"NotFound", testMessageNotFound},
		{"OnlyServedPlatforms", testServedPlatforms},
		{"FIFOPerPlatform", testFIFOPerPlatform},
		{"DeliveryCarriesIncidentAndRoom", testDelivery},
		{"GlobalMessageHasNoIncident", testGlobalDelivery},
	}
}

// say queues messages for incident n through UpdateIncident, as the service does.
func say(t *testing.T, s mim.Store, n int, msgs ...mim.Outgoing) {
	t.Helper()
	update(t, s, n, func(_ *mim.Incident, ch *mim.Change) {
		ch.Messages = append(ch.Messages, msgs...)
	})
}

// msg is a message to incident n's war room on platform.
func msg(platform string, n int, text string) mim.Outgoing {
	return mim.Outgoing{Platform: platform, Incident: n, To: mim.ToWarRoom, Kind: mim.KindUpdate, Text: text, Created: at(0)}
}

// done marks message id delivered and fails the test if that fails.
func done(t *testing.T, s mim.Store, id int64) {
	t.Helper()
	if err := s.MessageDone(t.Context(), id, ""); err != nil {
		t.Fatalf("MessageDone(%d): %v", id, err)
	}
}

func testMessageFields(t *testing.T, s mim.Store) {
	cet := time.FixedZone("CET", 3600)
	inc := declare(t, s, "", func(_ *mim.Incident, ch *mim.Change) {
		// Incident left 0: a message queued with an incident's change is about it.
		ch.Messages = append(ch.Messages, mim.Outgoing{
			Platform: "discord",
			To:       mim.ToPerson,
			Person:   "bob",
			Kind:     mim.KindReminder,
			Text:     "An update on #1 is due, " + mim.Mention("bob"),
			Buttons:  []string{mim.ButtonUpdate, mim.ButtonResolve},
			Created:  time.Date(2026, 3, 1, 11, 1, 0, 999999999, cet),
		})
	})
	say(t, s, inc.Number, mim.Outgoing{Platform: "slack", To: mim.ToCard}) // no buttons, no time
	got := claimMessages(t, s, at(2*time.Minute), "w", 10)
	if len(got) != 2 {
		t.Fatalf("claimed %d messages, want 2", len(got))
	}
	want := mim.Outgoing{
		ID:       got[0].ID,
		Platform: "discord",
		Incident: inc.Number,
		To:       mim.ToPerson,
		Person:   "bob",
		Kind:     mim.KindReminder,
		Text:     "An update on #1 is due, <@bob>",
		Buttons:  []string{mim.ButtonUpdate, mim.ButtonResolve},
		Attempts: 1,
		Created:  time.Date(2026, 3, 1, 10, 1, 0, 999000000, time.UTC),
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("claimed message (-want +got):\n%s", diff)
	}
	if got[0].ID == 0 || got[1].ID <= got[0].ID {
		t.Errorf("message IDs %d, %d: want set and increasing", got[0].ID, got[1].ID)
	}
	if card := got[1]; card.Incident != inc.Number || card.To != mim.ToCard || len(card.Buttons) != 0 || card.Created.IsZero() {
		t.Errorf("card = %+v, want about #%d, no buttons, a creation time", card, inc.Number)
	}
}

// testQueues: within one platform and incident, the war room (its opening, posts and
// card), the stakeholders and each person's direct messages are separate queues.
func testQueues(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	room := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToOpenRoom, Text: "open"}
	post := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToWarRoom, Text: "post"}
	card := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToCard, Text: "card"}
	dave := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToPerson, Person: "dave", Text: "page dave"}
	dave2 := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToPerson, Person: "dave", Text: "task for dave"}
	frank := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToPerson, Person: "frank", Text: "page frank"}
	stake := mim.Outgoing{Platform: "slack", Incident: n, To: mim.ToStakeholders, Text: "declared"}
	say(t, s, n, room, post, dave, dave2, frank, stake, card)
	first := claimMessages(t, s, at(0), "w", 10)
	if diff := cmp.Diff([]string{"open", "page dave", "page frank", "declared"}, texts(first)); diff != "" {
		t.Fatalf("first claim (-want +got):\n%s", diff)
	}
	for _, m := range first {
		done(t, s, m.ID)
	}
	second := claimMessages(t, s, at(0), "w", 10)
	if diff := cmp.Diff([]string{"post", "task for dave"}, texts(second)); diff != "" {
		t.Fatalf("second claim (-want +got):\n%s", diff)
	}
}

func testFIFO(t *testing.T, s mim.Store) {
	one := declare(t, s, "", nil).Number
	two := declare(t, s, "", nil).Number
	say(t, s, one, msg("slack", one, "open room #1"), msg("slack", one, "update #1"))
	say(t, s, two, msg("slack", two, "open room #2"))
	say(t, s, one, msg("discord", one, "open room #1 on discord"))

	// One message per queue: the second of (slack, #1) waits for the first.
	first := claimMessages(t, s, at(0), "w1", 10)
	if diff := cmp.Diff([]string{"open room #1", "open room #2", "open room #1 on discord"}, texts(first)); diff != "" {
		t.Fatalf("first claim (-want +got):\n%s", diff)
	}
	if got := claimMessages(t, s, at(0), "w2", 10); len(got) != 0 {
		t.Fatalf("claimed %q while every queue's head is leased", texts(got))
	}
	// Delivering other queues' heads does not release (slack, #1).
	done(t, s, first[1].ID)
	done(t, s, first[2].ID)
	if got := claimMessages(t, s, at(0), "w2", 10); len(got) != 0 {
		t.Fatalf("claimed %q before its queue's head was delivered", texts(got))
	}
	done(t, s, first[0].ID)
	if got := claimMessages(t, s, at(0), "w2", 10); !cmp.Equal(texts(got), []string{"update #1"}) {
		t.Errorf("after the head was delivered: %q, want [update #1]", texts(got))
	}
}

func testRetry(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	say(t, s, n, msg("slack", n, "first"), msg("slack", n, "second"))
	say(t, s, n, msg("discord", n, "elsewhere"))
	got := claimMessages(t, s, at(0), "w", 10)
	if !cmp.Equal(texts(got), []string{"first", "elsewhere"}) {
		t.Fatalf("claimed %q, want [first elsewhere]", texts(got))
	}
	done(t, s, got[1].ID)
	// Slack said Retry-After: 5m.
	if err := s.MessageRetry(t.Context(), got[0].ID, at(5*time.Minute), "rate limited"); err != nil {
		t.Fatalf("MessageRetry: %v", err)
	}
	if got := claimMessages(t, s, at(5*time.Minute-time.Millisecond), "w", 10); len(got) != 0 {
		t.Errorf("claimed %q before the retry time; the queue waits behind its head", texts(got))
	}
	again := claimMessages(t, s, at(5*time.Minute), "w", 10)
	if len(again) != 1 || again[0].ID != got[0].ID || again[0].Attempts != 2 {
		t.Fatalf("at the retry time: %+v, want the first message on its second attempt", again)
	}
	// Given up on: the queue moves on.
	if err := s.MessageDone(t.Context(), again[0].ID, "channel_not_found"); err != nil {
		t.Fatalf("MessageDone with a failure: %v", err)
	}
	if got := claimMessages(t, s, at(5*time.Minute), "w", 10); !cmp.Equal(texts(got), []string{"second"}) {
		t.Errorf("after giving up on the head: %q, want [second]", texts(got))
	}
}

func testMessageLease(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	say(t, s, n, msg("slack", n, "hello"))
	if got := claimMessages(t, s, at(0), "w1", 10); len(got) != 1 || got[0].Attempts != 1 {
		t.Fatalf("first claim: %+v, want one message on its first attempt", got)
	}
	// claimMessages leases for a minute: w1 holds it up to and including 1m.
	if got := claimMessages(t, s, at(time.Minute), "w2", 10); len(got) != 0 {
		t.Errorf("claimed %q under a live lease", texts(got))
	}
	got := claimMessages(t, s, at(time.Minute+time.Millisecond), "w2", 10)
	if len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("after the lease ran out: %+v, want the message on its second attempt", got)
	}
}

// A delivery that outlives its lease keeps its message: the lease it extends is
// respected by other claims, and only the holder may extend it.
func testExtendLease(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	say(t, s, n, msg("slack", n, "hello"))
	got := claimMessages(t, s, at(0), "w1", 10)
	if len(got) != 1 {
		t.Fatalf("claim: %+v", got)
	}
	id := got[0].ID
	if err := s.ExtendLease(t.Context(), id, "w1", at(3*time.Minute)); err != nil {
		t.Fatalf("ExtendLease by its holder: %v", err)
	}
	if got := claimMessages(t, s, at(2*time.Minute), "w2", 10); len(got) != 0 {
		t.Errorf("claimed %q under an extended lease", texts(got))
	}
	if err := s.ExtendLease(t.Context(), id, "w2", at(10*time.Minute)); !errors.Is(err, mim.ErrStale) {
		t.Errorf("ExtendLease by another worker = %v, want mim.ErrStale", err)
	}
	done(t, s, id)
	if err := s.ExtendLease(t.Context(), id, "w1", at(10*time.Minute)); !errors.Is(err, mim.ErrStale) {
		t.Errorf("ExtendLease of a delivered message = %v, want mim.ErrStale", err)
	}
}

func testMessageLimit(t *testing.T, s mim.Store) {
	one := declare(t, s, "", nil).Number
	two := declare(t, s, "", nil).Number
	say(t, s, one, msg("slack", one, "a"))
	say(t, s, two, msg("slack", two, "b"))
	say(t, s, one, msg("discord", one, "c"))
	if got := claimMessages(t, s, at(0), "w", 2); !cmp.Equal(texts(got), []string{"a", "b"}) {
		t.Errorf("claim with limit 2: %q, want the two oldest [a b]", texts(got))
	}
	if got := claimMessages(t, s, at(0), "w", 2); !cmp.Equal(texts(got), []string{"c"}) {
		t.Errorf("second claim: %q, want [c]", texts(got))
	}
}

func testDoneTwice(t *testing.T, s mim.Store) {
	n := declare(t, s, "", nil).Number
	say(t, s, n, msg("slack", n, "hello"))
	got := claimMessages(t, s, at(0), "w", 10)
	if len(got) != 1 {
		t.Fatalf("claimed %d messages, want 1", len(got))
	}
	done(t, s, got[0].ID)
	wantStale(t, s.MessageDone(t.Context(), got[0].ID, ""))
	wantStale(t, s.MessageRetry(t.Context(), got[0].ID, at(time.Minute), "late"))
	if got := claimMessages(t, s, at(time.Hour), "w", 10); len(got) != 0 {
		t.Errorf("a delivered message came back: %q", texts(got))
	}
}

func testMessageNotFound(t *testing.T, s mim.Store) {
	wantCode(t, s.MessageDone(t.Context(), 404, ""), mim.ENOTFOUND)
	wantCode(t, s.MessageRetry(t.Context(), 404, at(time.Minute), "x"), mim.ENOTFOUND)
}

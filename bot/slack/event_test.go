package slack_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

func TestPushpinCapturesOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runSocket()
	inc := h.declare("Payments down impact=high urgency=high towers=database")
	room := h.room(inc)
	msg, err := h.fake.PostUserMessage(room.ID, id(h, "frank"), "Primary DB failed over at 10:02, <@"+id(h, "dave")+"> checking replication", "")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := h.fake.AddReaction(room.ID, msg.TS, "pushpin", id(h, "sam"))
	if err != nil {
		t.Fatal(err)
	}
	resp, took, err := h.fake.PostEvent(h.ctx, h.srv.URL+"/slack/events", secret, ev)
	if err != nil || resp.StatusCode != http.StatusOK || took > time.Second {
		t.Fatalf("event: %v after %v: %v", resp, took, err)
	}
	want := "Primary DB failed over at 10:02, @dave checking replication (message by frank, pinned by sam)"
	h.eventually("the note on the timeline", func() bool { return notes(h.incidentNow(1), want) == 1 })
	h.eventually("the confirmation", func() bool {
		return len(containing(h.fake.Ephemerals(room.ID), "Added to the timeline of #1")) == 1
	})

	// Slack delivers it again, over the other transport: nothing more happens.
	if ack, err := h.fake.SendEvent(h.ctx, ev); err != nil || !ack.Acked {
		t.Fatalf("socket event: %+v %v", ack, err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := notes(h.incidentNow(1), want); n != 1 {
		t.Errorf("%d notes after a duplicate delivery, want 1", n)
	}
	if n := len(h.fake.CallsTo("conversations.history")); n != 1 {
		t.Errorf("%d history reads, want 1", n)
	}

	// Other reactions, and pins outside war rooms, are ignored.
	other, _ := h.fake.PostUserMessage(h.general, id(h, "frank"), "lunch?", "")
	for _, e := range []struct{ channel, ts, emoji string }{{room.ID, msg.TS, "eyes"}, {h.general, other.TS, "pushpin"}} {
		ev, err := h.fake.AddReaction(e.channel, e.ts, e.emoji, id(h, "dave"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.fake.SendEvent(h.ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := countKind(h.incidentNow(1), mim.KindNote); n != 1 {
		t.Errorf("%d notes, want only the pinned one", n)
	}
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", strings.NewReader(body))
	now := time.Now().Unix()
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("X-Slack-Signature", slackfake.Sign(secret, now, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Challenge string }
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &got) != nil || got.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("HTTP %d %s, want the challenge back", resp.StatusCode, raw)
	}
}

// notes counts the timeline notes with text.
func notes(inc *mim.Incident, text string) int {
	n := 0
	for _, e := range inc.Timeline {
		if e.Kind == mim.KindNote && e.Text == text {
			n++
		}
	}
	return n
}

package slack_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot/slack"
	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

// toStakeholders is an outbox message for the stakeholders channel.
func toStakeholders(text string) mim.Delivery {
	return mim.Delivery{Message: mim.Outgoing{Platform: slack.Platform, To: mim.ToStakeholders, Kind: mim.KindUpdate, Text: text}}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fake.ResetCalls()
	h.fake.InjectFault("chat.postMessage", slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if _, err := h.adapter.Send(h.ctx, toStakeholders(fmt.Sprintf("Update %d", i))); err != nil {
				t.Errorf("send %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := h.fake.EarlyRetries(); n != 0 {
		t.Errorf("%d calls before Retry-After expired", n)
	}
	if got := containing(h.fake.Messages("C01STAKE"), "Update"); len(got) != 3 {
		t.Errorf("stakeholders got %q, want 3 updates", texts(got))
	}
	calls := h.fake.CallsTo("chat.postMessage")
	if len(calls) == 0 || calls[0].Status != http.StatusTooManyRequests {
		t.Fatalf("calls %+v, want a 429 first", calls)
	}
	for _, c := range calls[1:] {
		if c.Time.Before(calls[0].Time.Add(calls[0].RetryAfter)) {
			t.Errorf("a call at %v, before the Retry-After ended at %v", c.Time, calls[0].Time.Add(calls[0].RetryAfter))
		}
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fault    *slackfake.Fault
		room     string // war room channel; "" sends to the stakeholders
		wantCode string // "" delivered
	}{
		{name: "server error once", fault: &slackfake.Fault{Status: 500}},
		{name: "dropped connection once", fault: &slackfake.Fault{Drop: true}},
		{name: "server down", fault: &slackfake.Fault{Status: 503, Times: 10}, wantCode: mim.EUNAVAILABLE},
		{name: "rate limited for a minute", fault: &slackfake.Fault{Status: 429, RetryAfter: time.Minute}, wantCode: mim.EUNAVAILABLE},
		{name: "channel gone", room: "C0GONE", wantCode: mim.EINVALID},
		{name: "bot not in the channel", room: "C0NOTIN", wantCode: mim.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withChannel(slackfake.ChannelSeed{ID: "C0NOTIN", Name: "not-in"}))
			if tc.fault != nil {
				h.fake.InjectFault("chat.postMessage", *tc.fault)
			}
			d := toStakeholders("The database is back")
			if tc.room != "" {
				d.Message.To, d.Room = mim.ToWarRoom, &mim.WarRoom{Platform: slack.Platform, ID: tc.room}
			}
			start := time.Now()
			_, err := h.adapter.Send(h.ctx, d)
			took := time.Since(start)
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("send: %v", err)
			case tc.wantCode == "":
				if len(containing(h.fake.Messages("C01STAKE"), "The database is back")) != 1 {
					t.Errorf("message not delivered")
				}
			case mim.ErrorCode(err) != tc.wantCode:
				t.Errorf("error %v with code %q, want %q", err, mim.ErrorCode(err), tc.wantCode)
			}
			if took > 5*time.Second {
				t.Errorf("send took %v: the relay's lease is 30s", took)
			}
			if n := h.fake.EarlyRetries(); n != 0 {
				t.Errorf("%d early retries", n)
			}
		})
	}
}

// After a long Retry-After, nothing is sent to that channel until it expires: the
// message goes back to the outbox at once.
func TestLongRetryAfterKeepsCallsBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fake.InjectFault("chat.postMessage", slackfake.Fault{Status: 429, RetryAfter: 30 * time.Second})
	if _, err := h.adapter.Send(h.ctx, toStakeholders("first")); mim.ErrorCode(err) != mim.EUNAVAILABLE {
		t.Fatalf("first send: %v, want unavailable", err)
	}
	calls := len(h.fake.CallsTo("chat.postMessage"))
	start := time.Now()
	if _, err := h.adapter.Send(h.ctx, toStakeholders("second")); mim.ErrorCode(err) != mim.EUNAVAILABLE {
		t.Fatalf("second send: %v, want unavailable", err)
	}
	if time.Since(start) > 100*time.Millisecond || len(h.fake.CallsTo("chat.postMessage")) != calls {
		t.Errorf("the second send called Slack or waited during the Retry-After")
	}
	if n := h.fake.EarlyRetries(); n != 0 {
		t.Errorf("%d early retries", n)
	}
}

// Messages to one channel keep the order they were sent in, even when the first one
// has to be retried.
func TestChannelOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fake.InjectFault("chat.postMessage", slackfake.Fault{Status: 500})
	var wg sync.WaitGroup
	for i := 1; i <= 4; i++ {
		wg.Go(func() {
			if _, err := h.adapter.Send(h.ctx, toStakeholders(fmt.Sprintf("Update %d", i))); err != nil {
				t.Errorf("send %d: %v", i, err)
			}
		})
		// Update i is in line (or already posted) before update i+1 is sent.
		h.eventually(fmt.Sprintf("update %d in line", i), func() bool {
			return h.adapter.InLine("C01STAKE")+len(containing(h.fake.Messages("C01STAKE"), "Update")) >= i
		})
	}
	wg.Wait()
	got := texts(containing(h.fake.Messages("C01STAKE"), "Update"))
	if want := []string{"Update 1", "Update 2", "Update 3", "Update 4"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("stakeholders read %q, want %q", got, want)
	}
}

func TestSummaryIsUploadedAsAFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down impact=high urgency=high towers=database")
	room := h.room(inc)
	resp, _ := h.slash(id(h, "sam"), room.ID, "summary")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	h.eventually("the summary reply", func() bool { return len(containing(replyMessages(h), "summary posted")) == 1 })
	h.drain()
	files := h.fake.Files()
	if len(files) != 1 || files[0].Name != "incident-1-summary.md" || !files[0].Complete || len(files[0].Channels) != 1 || files[0].Channels[0] != room.ID {
		t.Fatalf("files %+v, want the summary shared in the war room", files)
	}
	if !strings.Contains(string(files[0].Content), "Payments down") {
		t.Errorf("summary file: %.200s", files[0].Content)
	}
	if len(containing(h.fake.Messages(room.ID), "Post-incident summary of #1")) != 1 {
		t.Errorf("no short message with the file: %q", texts(h.fake.Messages(room.ID)))
	}
}

// replyMessages returns the response_url posts as messages, for containing.
func replyMessages(h *harness) []slackfake.Message {
	var out []slackfake.Message
	for _, r := range h.replies() {
		out = append(out, slackfake.Message{Text: r})
	}
	return out
}

// What the timers decide reaches Slack: the IM is reminded in the war room with a
// real mention, and the next lead is paged when the first one does not acknowledge.
func TestTimersReachSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down impact=high urgency=high towers=database")
	room := h.room(inc)
	h.clock.Advance(12*time.Minute + 30*time.Second) // frank's 10m to acknowledge; the update is due at 15m
	if _, err := h.svc.FireDue(h.ctx, "test", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	h.drain()
	reminder := containing(h.fake.Messages(room.ID), "<@"+id(h, inc.IM)+">", "status update for #1")
	if len(reminder) != 1 {
		t.Fatalf("no reminder mentioning the IM in the room: %q", texts(h.fake.Messages(room.ID)))
	}
	if b := buttons(t, reminder[0]); len(b) != 1 || b[0].Text.Text != "Post update" {
		t.Errorf("reminder buttons %+v, want Post update", b)
	}
	if len(containing(h.fake.DMs(id(h, "grace")), "You are paged")) != 1 {
		t.Errorf("grace (next database lead) not paged: %q", texts(h.fake.DMs(id(h, "grace"))))
	}
}

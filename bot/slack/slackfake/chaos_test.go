package slackfake

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestChaos(t *testing.T) {
	f, api := startFake(t, Options{})
	auth := func() error { _, err := api.AuthTest(); return err }

	f.SetChaos(Chaos{Seed: 1, RateLimited: 1, RetryAfter: 2 * time.Second})
	if ra := rateLimited(t, auth()); ra != 2*time.Second {
		t.Fatalf("Retry-After = %v, want 2s", ra)
	}
	f.SetChaos(Chaos{})
	rateLimited(t, auth()) // inside the Retry-After: refused, and counted
	if f.EarlyRetries() != 1 {
		t.Fatalf("EarlyRetries = %d, want 1", f.EarlyRetries())
	}

	f.SetChaos(Chaos{Seed: 1, ServerError: 1})
	var sc slack.StatusCodeError
	if _, _, err := api.PostMessage("C0SEEDED1", slack.MsgOptionText("x", false)); !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
		t.Fatalf("with ServerError 1: %v, want 503", err)
	}
	f.SetChaos(Chaos{Seed: 1, Spike: 1, SpikeLatency: 300 * time.Millisecond})
	start := time.Now()
	if _, err := api.AuthTest(); err == nil || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("with Spike 1: answered after %s (%v), want the 429 held 300ms", time.Since(start), err)
	}
	if got := f.ChaosCounts(); got.RateLimited != 1 || got.ServerError != 1 || got.Spike != 1 || got.Calls != 3 {
		t.Fatalf("ChaosCounts = %+v", got)
	}
}

func TestChaosSameSeedSameFaults(t *testing.T) {
	draw := func() []bool {
		f, api := startFake(t, Options{})
		f.SetChaos(Chaos{Seed: 42, ServerError: 0.5})
		var out []bool
		for range 20 {
			_, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C0SEEDED1"})
			out = append(out, err != nil)
		}
		return out
	}
	a, b := draw(), draw()
	faults := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: %v then %v with the same seed", i, a[i], b[i])
		}
		if a[i] {
			faults++
		}
	}
	if faults == 0 || faults == len(a) {
		t.Fatalf("%d of %d calls failed with ServerError 0.5", faults, len(a))
	}
}

func TestInFlightGrace(t *testing.T) {
	f, api := startFake(t, Options{InFlightGrace: time.Second})
	f.InjectFault("auth.test", Fault{Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second})
	_, err := api.AuthTest()
	rateLimited(t, err)
	_, err = api.AuthTest() // within the grace: was on the wire before the 429 could be read
	rateLimited(t, err)
	if f.EarlyRetries() != 0 {
		t.Fatalf("EarlyRetries = %d within the grace, want 0", f.EarlyRetries())
	}
	time.Sleep(1100 * time.Millisecond)
	_, err = api.AuthTest()
	rateLimited(t, err)
	if f.EarlyRetries() != 1 {
		t.Fatalf("EarlyRetries = %d after the grace, want 1", f.EarlyRetries())
	}
}

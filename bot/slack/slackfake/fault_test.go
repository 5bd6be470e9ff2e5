package slackfake

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestInjectFault(t *testing.T) {
	f, api := startFake(t, Options{})
	auth := func() error { _, err := api.AuthTest(); return err }
	tests := []struct {
		name   string
		method string
		fault  Fault
		check  func(t *testing.T, err error)
	}{
		{"HTTP 503", "auth.test", Fault{Status: http.StatusServiceUnavailable}, func(t *testing.T, err error) {
			var sc slack.StatusCodeError
			if !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
				t.Fatalf("err = %v, want StatusCodeError 503", err)
			}
		}},
		{"Slack error code", "auth.test", Fault{Error: "internal_error"}, func(t *testing.T, err error) {
			wantCode(t, err, "internal_error")
		}},
		{"dropped connection", "auth.test", Fault{Drop: true}, func(t *testing.T, err error) {
			var sc slack.StatusCodeError
			if err == nil || errors.As(err, &sc) || slackCode(err) == "" {
				t.Fatalf("err = %v, want a transport error", err)
			}
		}},
		{"injected 429", "", Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second}, func(t *testing.T, err error) {
			if ra := rateLimited(t, err); ra != 2*time.Second {
				t.Fatalf("Retry-After = %v", ra)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.InjectFault(tc.method, tc.fault)
			tc.check(t, auth())
		})
	}
	// The injected 429 blocks auth.test for two seconds; every fault was used once.
	err := auth()
	rateLimited(t, err)
	if f.EarlyRetries() != 1 {
		t.Fatalf("EarlyRetries = %d, want 1", f.EarlyRetries())
	}
	if _, _, err := api.PostMessage("C0SEEDED1", slack.MsgOptionText("x", false)); slackCode(err) != "not_in_channel" {
		t.Fatalf("faults leaked to another method: %v", err)
	}
	faulted := 0
	for _, c := range f.CallsTo("auth.test") {
		if c.Fault {
			faulted++
		}
	}
	if faulted != len(tests) {
		t.Fatalf("%d calls marked as faults, want %d", faulted, len(tests))
	}
}

func TestFaultTimesAndLatency(t *testing.T) {
	f, api := startFake(t, Options{})
	f.InjectFault("users.info", Fault{Error: "fatal_error", Times: 2})
	for i, want := range []string{"fatal_error", "fatal_error", ""} {
		_, err := api.GetUserInfo(alice)
		if slackCode(err) != want {
			t.Fatalf("call %d: %v, want %q", i, err, want)
		}
	}
	tests := []struct {
		name   string
		method string
		min    time.Duration
	}{
		{"per method", "users.info", 80 * time.Millisecond},
		{"all methods", "", 40 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.ClearFaults()
			f.SetLatency(tc.method, tc.min)
			start := time.Now()
			if _, err := api.GetUserInfo(alice); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took < tc.min {
				t.Fatalf("took %v, want >= %v", took, tc.min)
			}
		})
	}
}

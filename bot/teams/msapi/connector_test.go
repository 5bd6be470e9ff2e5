package msapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot"
	"mimbot/mim"
)

const thread = "19:x@thread.tacv2;messageid=1"

func TestConnectorPathsEscapedWithOrWithoutSlash(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"m%d","name":"Ann","aadObjectId":"aad-1"}`, n)
	}
	c := s.connector()
	ctx := context.Background()
	for _, base := range []string{s.srv.URL + "/teams/", s.srv.URL + "/teams"} {
		if _, err := c.Send(ctx, base, thread, Activity{Text: "hello"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Reply(ctx, base, thread, "1700000000000", Activity{Text: "reply"}); err != nil {
			t.Fatal(err)
		}
		if err := c.Update(ctx, base, thread, "1700000000001", Activity{Text: "edited"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Member(ctx, base, thread, "29:1abc"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreatePersonal(ctx, base, "tenant-1", "app-1", "aad-1"); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"POST /teams/v3/conversations/19:x@thread.tacv2;messageid=1/activities",
		"POST /teams/v3/conversations/19:x@thread.tacv2;messageid=1/activities/1700000000000",
		"PUT /teams/v3/conversations/19:x@thread.tacv2;messageid=1/activities/1700000000001",
		"GET /teams/v3/conversations/19:x@thread.tacv2;messageid=1/members/29:1abc",
		"POST /teams/v3/conversations",
	}
	want = append(want, want...)
	var got []string
	for _, h := range s.calls() {
		got = append(got, h.Method+" "+h.Path)
		if strings.Contains(h.Path, "messageid") && !strings.Contains(h.RawPath, "%3B") {
			t.Errorf("the thread's ; is not escaped: %s", h.RawPath)
		}
		if h.Auth != "Bearer tok-1" {
			t.Errorf("%s %s: Authorization %q", h.Method, h.Path, h.Auth)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	scopes := s.tokenCalls()
	if len(scopes) != 1 || !strings.Contains(scopes[0].Body, "api.botframework.com") {
		t.Errorf("token requests = %v, want one, of the Connector's scope", scopes)
	}
}

func TestConnectorTokenOnlyOverHTTPS(t *testing.T) {
	s := newServer(t)
	c := s.connector()
	for _, base := range []string{"http://smba.example/teams/", "smba.trafficmanager.net/teams", "ftp://127.0.0.1/"} {
		_, err := c.Send(context.Background(), base, "19:a@thread.tacv2", Activity{Text: "x"})
		if Code(err) != mim.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", base, err)
		}
	}
	if n, m := len(s.calls()), len(s.tokenCalls()); n != 0 || m != 0 {
		t.Errorf("calls = %d, token requests = %d; want none", n, m)
	}
}

func TestConnectorBodies(t *testing.T) {
	s := newServer(t)
	c := s.connector()
	ctx := context.Background()
	if _, err := c.Reply(ctx, s.serviceURL(), "19:c@thread.tacv2", "100", Activity{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	conv, err := c.CreatePersonal(ctx, s.serviceURL(), "tenant-1", "app-1", "aad-1")
	if err != nil {
		t.Fatal(err)
	}
	if conv != "m2" {
		t.Errorf("conversation = %q, want the answer's id", conv)
	}
	calls := s.calls()
	var reply Activity
	if err := json.Unmarshal([]byte(calls[0].Body), &reply); err != nil {
		t.Fatal(err)
	}
	if reply.Type != "message" || reply.ReplyToID != "100" || reply.Text != "hi" {
		t.Errorf("reply = %+v, want a message replying to 100", reply)
	}
	var create map[string]any
	if err := json.Unmarshal([]byte(calls[1].Body), &create); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"bot":         map[string]any{"id": "28:app-1"},
		"members":     []any{map[string]any{"id": "aad-1"}},
		"tenantId":    "tenant-1",
		"channelData": map[string]any{"tenant": map[string]any{"id": "tenant-1"}},
		"isGroup":     false,
	}
	if d := cmp.Diff(want, create); d != "" {
		t.Errorf("create conversation body (-want +got):\n%s", d)
	}
}

func TestConnectorNotInstalled(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		answer(w, http.StatusForbidden, "Forbidden", "")
	}
	_, err := s.connector().CreatePersonal(context.Background(), s.serviceURL(), "tenant-1", "28:app-1", "aad-1")
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("err = %v, want ErrNotInstalled", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden {
		t.Errorf("err = %v, want the 403 in its chain", err)
	}
	if c := Code(err); c != mim.EINVALID {
		t.Errorf("Code = %s, want %s", c, mim.EINVALID)
	}
	if n := len(s.calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestConnectorRetryAfterHonoured(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s := newServer(t)
			s.handle = func(w http.ResponseWriter, h hit, n int) {
				if n == 1 {
					answer(w, status, "Throttled", "3")
					return
				}
				w.WriteHeader(http.StatusCreated)
				fmt.Fprint(w, `{"id":"m1"}`)
			}
			c := s.connector()
			done := make(chan error, 1)
			go func() {
				_, err := c.Send(context.Background(), s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "x"})
				done <- err
			}()
			waitFor(t, "the first attempt", func() bool { return len(s.calls()) == 1 })
			advanceUntil(t, s.clock, 250*time.Millisecond, 40, "the retry", func() bool { return len(s.calls()) == 2 })
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			calls := s.calls()
			if wait := calls[1].At.Sub(calls[0].At); wait < 3*time.Second {
				t.Errorf("retried %s after the 429, before its Retry-After of 3s", wait)
			}
		})
	}
}

func TestConnectorLongRetryAfterReturned(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) { answer(w, http.StatusTooManyRequests, "Throttled", "120") }
	_, err := s.connector().Send(context.Background(), s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "x"})
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter != 120*time.Second {
		t.Fatalf("err = %v, want the 429 with its Retry-After", err)
	}
	if !Temporary(err) || Code(err) != mim.EUNAVAILABLE {
		t.Errorf("Temporary = %v, Code = %s; want a temporary EUNAVAILABLE", Temporary(err), Code(err))
	}
	if n := len(s.calls()); n != 1 {
		t.Errorf("calls = %d, want 1 (a 2-minute wait is the caller's)", n)
	}
}

func TestConnectorRetriesBounded(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		answer(w, http.StatusServiceUnavailable, "ServiceUnavailable", "1")
	}
	c := s.connector()
	done := make(chan error, 1)
	go func() {
		_, err := c.Send(context.Background(), s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "x"})
		done <- err
	}()
	var err error
	returned := false
	advanceUntil(t, s.clock, 500*time.Millisecond, 100, "the call to give up", func() bool {
		if !returned {
			select {
			case err = <-done:
				returned = true
			default:
			}
		}
		return returned
	})
	if !Temporary(err) {
		t.Errorf("err = %v, want a temporary error", err)
	}
	if n := len(s.calls()); n != maxLimited {
		t.Errorf("attempts = %d, want %d", n, maxLimited)
	}
}

func TestConnectorUnauthorizedRefreshesTheTokenOnce(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		if h.Auth != "Bearer tok-2" {
			answer(w, http.StatusUnauthorized, "Unauthorized", "")
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"m1"}`)
	}
	c := s.connector()
	if _, err := c.Send(context.Background(), s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if n, m := len(s.tokenCalls()), len(s.calls()); n != 2 || m != 2 {
		t.Errorf("token fetches = %d, calls = %d; want 2 and 2 (the refused token replaced)", n, m)
	}

	// Refused with every token: one new token, then the error.
	s.handle = func(w http.ResponseWriter, h hit, n int) { answer(w, http.StatusUnauthorized, "Unauthorized", "") }
	_, err := c.Send(context.Background(), s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "x"})
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want the 401", err)
	}
	if n, m := len(s.tokenCalls()), len(s.calls()); n != 3 || m != 4 {
		t.Errorf("token fetches = %d, calls = %d; want 3 and 4 (one more token, one more try)", n, m)
	}
}

func TestConnectorRefusalNotRetried(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		answer(w, http.StatusRequestEntityTooLarge, "MessageSizeTooBig", "")
	}
	_, err := s.connector().Send(context.Background(), s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "x"})
	var e *Error
	if !errors.As(err, &e) || e.Code != "MessageSizeTooBig" {
		t.Fatalf("err = %v, want MessageSizeTooBig", err)
	}
	if Code(err) != mim.EINVALID || Temporary(err) {
		t.Errorf("Code = %s, Temporary = %v; want EINVALID, not temporary", Code(err), Temporary(err))
	}
	if n := len(s.calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestConnectorPacing(t *testing.T) {
	s := newServer(t)
	c := s.connector()
	ctx := context.Background()
	const conv = "19:busy@thread.tacv2"
	sent := make(chan error, 8)
	go func() {
		for i := 0; i < 8; i++ {
			_, err := c.Send(ctx, s.serviceURL(), conv, Activity{Text: fmt.Sprint(i)})
			sent <- err
		}
	}()
	waitFor(t, "seven messages", func() bool { return len(s.calls()) == 7 })
	settle()
	if n := len(s.calls()); n != 7 {
		t.Fatalf("%d messages went out in the same second, want 7", n)
	}
	// Another conversation is not held back.
	if _, err := c.Send(ctx, s.serviceURL(), "19:quiet@thread.tacv2", Activity{Text: "other"}); err != nil {
		t.Fatal(err)
	}
	advanceUntil(t, s.clock, 100*time.Millisecond, 30, "the eighth message", func() bool { return len(s.calls()) == 9 })
	for i := 0; i < 8; i++ {
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
	}
	calls := s.calls()
	if wait := calls[8].At.Sub(calls[0].At); wait < time.Second {
		t.Errorf("the eighth message went %s after the first, within Teams' second", wait)
	}
}

func TestConnectorPacingThirtySeconds(t *testing.T) {
	s := newServer(t)
	c := s.connector()
	ctx := context.Background()
	const conv = "19:busy@thread.tacv2"
	// 60 messages at 5 a second keep within 7 a second and fill 30 seconds' 60.
	for i := 0; i < 60; i++ {
		if _, err := c.Send(ctx, s.serviceURL(), conv, Activity{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		s.clock.Advance(200 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Send(ctx, s.serviceURL(), conv, Activity{Text: "61"}); done <- err }()
	settle()
	if n := len(s.calls()); n != 60 {
		t.Fatalf("the 61st message went out within 30 seconds of the first")
	}
	advanceUntil(t, s.clock, 2*time.Second, 20, "the 61st message", func() bool { return len(s.calls()) == 61 })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	calls := s.calls()
	if wait := calls[60].At.Sub(calls[0].At); wait < 30*time.Second {
		t.Errorf("the 61st message went %s after the first", wait)
	}
}

func TestConnectorOrderPerConversation(t *testing.T) {
	s := newServer(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		if n == 1 {
			answer(w, http.StatusTooManyRequests, "Throttled", "2")
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"m%d"}`, n)
	}
	c := s.connector()
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := c.Send(ctx, s.serviceURL(), "19:a@thread.tacv2", Activity{Text: "first"})
		first <- err
	}()
	waitFor(t, "the first attempt", func() bool { return len(s.calls()) == 1 })
	// The second message, made while the first waits for its Retry-After, goes after it
	// (a reply in the channel's thread keeps the channel's order too).
	second := make(chan error, 1)
	go func() {
		_, err := c.Reply(ctx, s.serviceURL(), "19:a@thread.tacv2;messageid=5", "5", Activity{Text: "second"})
		second <- err
	}()
	settle()
	advanceUntil(t, s.clock, 250*time.Millisecond, 40, "both messages", func() bool { return len(s.calls()) == 3 })
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range s.calls() {
		var a Activity
		_ = json.Unmarshal([]byte(h.Body), &a)
		got = append(got, a.Text)
	}
	if d := cmp.Diff([]string{"first", "first", "second"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func TestConnectorOneCallAtATimePerConversation(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	inFlight, most := map[string]int{}, 0
	gate := newGate(t)
	s.handle = func(w http.ResponseWriter, h hit, n int) {
		conv := strings.Split(h.Path, "/")[4]
		mu.Lock()
		inFlight[conv]++
		most = max(most, inFlight[conv])
		mu.Unlock()
		gate.wait()
		mu.Lock()
		inFlight[conv]--
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"m%d"}`, n)
	}
	c := s.connector()
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv := fmt.Sprintf("19:c%d@thread.tacv2", i%2)
			if _, err := c.Send(context.Background(), s.serviceURL(), conv, Activity{Text: "x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	// Both conversations get a call out at once; neither gets two.
	waitFor(t, "a call on each conversation", func() bool { return len(s.calls()) == 2 })
	settle()
	gate.open()
	wg.Wait()
	if most != 1 || len(s.calls()) != 6 {
		t.Errorf("at most %d calls at once on one conversation, %d calls; want 1 and 6", most, len(s.calls()))
	}
}

func TestConnectorCallsNamedForMetrics(t *testing.T) {
	s := newServer(t)
	obs := &observer{}
	hc := &http.Client{Transport: &bot.Outbound{Platform: "teams", Base: s.srv.Client().Transport, Observer: obs}}
	tokens := NewTokens(s.srv.URL+"/login", "tenant-1", "app-1", "secret", hc, s.clock)
	c := NewConnector(tokens, hc, s.clock)
	if _, err := c.Send(context.Background(), s.serviceURL(), thread, Activity{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /{tenant}/oauth2/v2.0/token", "POST /v3/conversations/{conv}/activities"}
	if d := cmp.Diff(want, obs.methods); d != "" {
		t.Errorf("methods counted (-want +got):\n%s", d)
	}
}

type observer struct {
	mu      sync.Mutex
	methods []string
}

func (o *observer) Called(platform, method string, code int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.methods = append(o.methods, method)
}

func (o *observer) Retried(platform, reason string) {}

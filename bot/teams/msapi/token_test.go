package msapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func TestTokenRequest(t *testing.T) {
	s := newServer(t)
	tok, err := s.tokensClient().Token(context.Background(), GraphScope)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "tok-1" {
		t.Errorf("token = %q, want tok-1", tok)
	}
	got := s.tokenCalls()[0]
	if got.Method != http.MethodPost || got.Path != "/login/tenant-1/oauth2/v2.0/token" || got.Type != "application/x-www-form-urlencoded" {
		t.Errorf("token request = %s %s (%s)", got.Method, got.Path, got.Type)
	}
	form, _ := url.ParseQuery(got.Body)
	want := url.Values{"grant_type": {"client_credentials"}, "client_id": {"app-1"}, "client_secret": {"s3cr3t-value"}, "scope": {GraphScope}}
	if d := cmp.Diff(want, form); d != "" {
		t.Errorf("form (-want +got):\n%s", d)
	}
}

func TestTokenCachedPerScopeUntilFiveMinutesBeforeExpiry(t *testing.T) {
	s := newServer(t)
	tokens := s.tokensClient()
	ctx := context.Background()
	get := func(scope string) string {
		t.Helper()
		tok, err := tokens.Token(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if a, b := get(ConnectorScope), get(ConnectorScope); a != "tok-1" || b != "tok-1" {
		t.Fatalf("tokens = %s, %s; want tok-1 twice (cached)", a, b)
	}
	if g := get(GraphScope); g != "tok-2" {
		t.Fatalf("graph token = %s, want its own tok-2", g)
	}
	// The token lasts an hour: still used 55 minutes less a second later...
	s.clock.Advance(55*time.Minute - time.Second)
	if a := get(ConnectorScope); a != "tok-1" {
		t.Fatalf("at 54m59s token = %s, want the cached tok-1", a)
	}
	// ...and replaced 5 minutes before it expires.
	s.clock.Advance(time.Second)
	if a := get(ConnectorScope); a != "tok-3" {
		t.Fatalf("at 55m token = %s, want a new tok-3", a)
	}
	if n := len(s.tokenCalls()); n != 3 {
		t.Errorf("token fetches = %d, want 3", n)
	}
}

func TestTokenOneFetchForConcurrentCallers(t *testing.T) {
	s := newServer(t)
	release := newGate(t)
	s.tokenFor = func(n int) (int, string) {
		release.wait()
		return http.StatusOK, `{"token_type":"Bearer","expires_in":3599,"access_token":"shared"}`
	}
	tokens := s.tokensClient()
	var started, done sync.WaitGroup
	got := make([]string, 20)
	errs := make([]error, 20)
	for i := range got {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			got[i], errs[i] = tokens.Token(context.Background(), ConnectorScope)
		}()
	}
	started.Wait()
	waitFor(t, "the token request", func() bool { return len(s.tokenCalls()) > 0 })
	settle() // every caller is waiting on the fetch in flight
	release.open()
	done.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != "shared" {
			t.Fatalf("caller %d: %q, %v", i, got[i], errs[i])
		}
	}
	if n := len(s.tokenCalls()); n != 1 {
		t.Errorf("token fetches for 20 callers = %d, want 1", n)
	}
}

func TestTokenFetchOutlivesTheCallerThatStartedIt(t *testing.T) {
	s := newServer(t)
	release := newGate(t)
	s.tokenFor = func(n int) (int, string) {
		release.wait()
		return http.StatusOK, `{"token_type":"Bearer","expires_in":3599,"access_token":"late"}`
	}
	tokens := s.tokensClient()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := tokens.Token(ctx, ConnectorScope); first <- err }()
	waitFor(t, "the token request", func() bool { return len(s.tokenCalls()) > 0 })
	cancel()
	if err := <-first; err == nil {
		t.Fatal("a caller whose context ended got no error")
	}
	release.open()
	tok, err := tokens.Token(context.Background(), ConnectorScope)
	if err != nil || tok != "late" {
		t.Fatalf("second caller: %q, %v", tok, err)
	}
	if n := len(s.tokenCalls()); n != 1 {
		t.Errorf("token fetches = %d, want the first one finished and shared", n)
	}
}

func TestTokenInvalidClientNamesTheSettings(t *testing.T) {
	s := newServer(t)
	s.tokenFor = func(n int) (int, string) {
		return http.StatusUnauthorized, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."}`
	}
	_, err := s.tokensClient().Token(context.Background(), ConnectorScope)
	if err == nil {
		t.Fatal("no error for a refused secret")
	}
	msg := err.Error()
	for _, want := range []string{"TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "AADSTS7000215"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
	if strings.Contains(msg, "s3cr3t-value") {
		t.Errorf("error %q holds the secret", msg)
	}
	if c := Code(err); c != mim.EUNAVAILABLE {
		t.Errorf("Code = %s, want %s (works again once the secret is fixed)", c, mim.EUNAVAILABLE)
	}
	if n := len(s.tokenCalls()); n != 1 {
		t.Errorf("token requests = %d, want 1 (a refusal is not retried)", n)
	}
}

func TestTokenThrottledWaitsRetryAfter(t *testing.T) {
	s := newServer(t)
	s.tokenFor = func(n int) (int, string) {
		if n == 1 {
			return http.StatusTooManyRequests, `{"error":"temporarily_unavailable","error_description":"slow down"}`
		}
		return http.StatusOK, `{"token_type":"Bearer","expires_in":3599,"access_token":"ok"}`
	}
	tokens := s.tokensClient()
	done := make(chan error, 1)
	go func() { _, err := tokens.Token(context.Background(), GraphScope); done <- err }()
	waitFor(t, "the first token request", func() bool { return len(s.tokenCalls()) == 1 })
	advanceUntil(t, s.clock, 100*time.Millisecond, 100, "the second token request", func() bool { return len(s.tokenCalls()) == 2 })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTokenShortLivedRefreshedAtHalfItsLife(t *testing.T) {
	s := newServer(t)
	s.tokenFor = func(n int) (int, string) {
		return http.StatusOK, fmt.Sprintf(`{"token_type":"Bearer","expires_in":240,"access_token":"short-%d"}`, n)
	}
	tokens := s.tokensClient()
	ctx := context.Background()
	first, _ := tokens.Token(ctx, GraphScope)
	s.clock.Advance(time.Minute)
	if tok, _ := tokens.Token(ctx, GraphScope); tok != first {
		t.Errorf("a 4-minute token was replaced after a minute: %s, %s", first, tok)
	}
	s.clock.Advance(time.Minute)
	if tok, _ := tokens.Token(ctx, GraphScope); tok == first {
		t.Errorf("a 4-minute token still used after two minutes")
	}
}

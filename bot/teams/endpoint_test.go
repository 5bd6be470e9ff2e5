package teams_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"mimbot/bot/teams/teamsfake"
	"mimbot/mim"
)

const declareText = "incident declare Payments down impact=high urgency=high towers=application"

// keyFetches counts the fetches of the Bot Framework's JWKS.
func (h *harness) keyFetches() int {
	n := 0
	for _, c := range h.fake.Calls() {
		if strings.HasSuffix(c.Path, "/keys") {
			n++
		}
	}
	return n
}

// postSigned posts an activity with a token signed by key under kid, with the
// claims of a genuine one.
func (h *harness) postSigned(a teamsfake.Activity, key *rsa.PrivateKey, kid string) int {
	h.t.Helper()
	now := h.ms.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "https://api.botframework.com", "aud": h.fake.AppID(), "serviceurl": a.ServiceURL,
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(key)
	if err != nil {
		h.t.Fatal(err)
	}
	body, _ := json.Marshal(a)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/teams/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+signed)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRefused: an activity the Bot Framework did not sign for this bot is answered
// 401, declares nothing, makes no call to Microsoft, and is logged without its token.
func TestRefused(t *testing.T) {
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   []teamsfake.SignOption
		custom bool // signed by a key of nobody's, under an unknown kid
		edit   func(*teamsfake.Activity)
		reason string
	}{
		{name: "no token", opts: []teamsfake.SignOption{teamsfake.NoToken()}, reason: "no bearer token"},
		{name: "forged", opts: []teamsfake.SignOption{teamsfake.Forged()}, reason: "bad signature"},
		{name: "expired", opts: []teamsfake.SignOption{teamsfake.Expired()}, reason: "token expired"},
		{name: "wrong audience", opts: []teamsfake.SignOption{teamsfake.Audience("another-bot")}, reason: "wrong audience"},
		{name: "wrong issuer", opts: []teamsfake.SignOption{teamsfake.Issuer("https://sts.windows.net/x/")}, reason: "wrong issuer"},
		{name: "wrong serviceurl", opts: []teamsfake.SignOption{teamsfake.ServiceURL("https://evil.example/")}, reason: "serviceurl claim does not match"},
		{name: "unknown kid", custom: true, reason: "signing key unknown"},
		{name: "channel not endorsed", edit: func(a *teamsfake.Activity) { a.ChannelID = "webchat" }, reason: "does not endorse channel webchat"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			before := h.apiCalls()
			a := h.fake.Message(h.general, aad("sam"), declareText)
			if tc.edit != nil {
				tc.edit(&a)
			}
			status := 0
			if tc.custom {
				status = h.postSigned(a, stranger, "not-a-published-kid")
			} else {
				status, _, _ = h.deliver(a, tc.opts...)
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("HTTP %d, want 401", status)
			}
			if _, err := h.svc.Store.Incident(h.ctx, 1); mim.ErrorCode(err) != mim.ENOTFOUND {
				t.Errorf("an incident exists after a refused declare: %v", err)
			}
			h.drain()
			if n := h.apiCalls() - before; n != 0 {
				t.Errorf("%d calls to the Connector or Graph after a refused activity", n)
			}
			logs := h.logs.String()
			if !strings.Contains(logs, "request refused") || !strings.Contains(logs, tc.reason) {
				t.Errorf("no refusal with reason %q logged:\n%s", tc.reason, logs)
			}
			if strings.Contains(logs, "eyJ") {
				t.Errorf("a token was logged:\n%s", logs)
			}
		})
	}
}

// TestUnknownKidRateLimited: tokens under unknown key ids make at most one JWKS
// fetch a minute, so that forged tokens cannot make the adapter hammer Microsoft.
func TestUnknownKidRateLimited(t *testing.T) {
	h := newHarness(t)
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	before := h.keyFetches()
	for i := range 3 {
		a := h.fake.Message(h.general, aad("sam"), "incident list")
		if status := h.postSigned(a, stranger, "unknown-"+string(rune('a'+i))); status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d, want 401", status)
		}
	}
	if n := h.keyFetches() - before; n != 1 {
		t.Errorf("%d JWKS fetches for three unknown kids, want 1", n)
	}
}

// TestRotatedKeys: a token signed by a key published after the adapter loaded the
// keys is accepted, after one fetch of the JWKS.
func TestRotatedKeys(t *testing.T) {
	h := newHarness(t)
	before := h.keyFetches()
	h.fake.RotateKeys()
	a := h.fake.Message(h.general, aad("sam"), "incident list")
	if status, body, _ := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d %s after a key rotation, want 200", status, body)
	}
	a = h.fake.Message(h.general, aad("sam"), "incident oncall")
	if status, body, _ := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d %s, want 200", status, body)
	}
	if n := h.keyFetches() - before; n != 1 {
		t.Errorf("%d JWKS fetches after one rotation, want 1", n)
	}
}

// TestAnsweredBeforeTheConnector: a valid declare is answered 200 once it is saved,
// before the Connector (which takes seconds here) has answered the reply; the reply
// follows.
func TestAnsweredBeforeTheConnector(t *testing.T) {
	h := newHarness(t)
	h.fake.SetLatency("/connector/", 2*time.Second)
	before := h.apiCalls()
	a := h.fake.Message(h.general, aad("sam"), declareText)
	status, body, _ := h.deliver(a)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d %s, want 200", status, body)
	}
	// The fake logs a call once it has answered it, after its latency.
	if n := h.apiCalls() - before; n != 0 {
		t.Fatalf("the answer waited for %d calls to the Connector", n)
	}
	if _, err := h.svc.Store.Incident(h.ctx, 1); err != nil {
		t.Fatalf("the declare was answered before it was saved: %v", err)
	}
	h.eventually("the declare reply", func() bool { return len(containing(h.replies(h.general, a.ID), "Declared #1")) == 1 })
}

// TestBodyLimit: an oversized activity is refused before anything is read of it.
func TestBodyLimit(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(h.general, aad("sam"), "incident note "+strings.Repeat("x", 300<<10))
	if status, _, _ := h.deliver(a); status != http.StatusRequestEntityTooLarge {
		t.Errorf("HTTP %d for a 300 KB activity, want 413", status)
	}
}

// TestOtherTenant: a genuine activity from another tenant changes nothing.
func TestOtherTenant(t *testing.T) {
	h := newHarness(t)
	before := h.apiCalls()
	a := h.fake.Message(h.general, aad("sam"), declareText)
	a.ChannelData.Tenant.ID = "another-tenant"
	a.Conversation.TenantID = "another-tenant"
	if status, body, _ := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, body)
	}
	if _, err := h.svc.Store.Incident(h.ctx, 1); mim.ErrorCode(err) != mim.ENOTFOUND {
		t.Errorf("another tenant declared: %v", err)
	}
	h.drain()
	if n := h.apiCalls() - before; n != 0 {
		t.Errorf("%d calls to Microsoft for another tenant's activity", n)
	}
}

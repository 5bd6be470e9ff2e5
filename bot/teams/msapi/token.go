package msapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"mimbot/mim"
)

// Scopes of the tokens.
const (
	ConnectorScope = "https://api.botframework.com/.default"
	GraphScope     = "https://graph.microsoft.com/.default"
)

// DefaultLoginURL is Entra ID's token service.
const DefaultLoginURL = "https://login.microsoftonline.com"

// tokenMargin is how long before its expiry a token is replaced: a call made with it
// must not reach the API after it expired.
const tokenMargin = 5 * time.Minute

// fetchTimeout bounds one token fetch, which outlives the caller that started it.
const fetchTimeout = 30 * time.Second

// Tokens gets access tokens with the client credentials grant, cached per scope until
// 5 minutes before they expire; one fetch at a time per scope, shared by every caller
// that needs it meanwhile.
type Tokens struct {
	loginURL, tenant, appID, password string
	client                            client

	mu    sync.Mutex
	cache map[string]token  // by scope
	fetch map[string]*fetch // by scope, in flight
}

// token is an access token and when it is to be replaced.
type token struct {
	value   string
	refresh time.Time
}

// fetch is one token request in flight; done is closed when tok or err is set.
type fetch struct {
	done chan struct{}
	tok  token
	err  error
}

// NewTokens returns the tokens of app appID in tenant, from loginURL ("" is
// DefaultLoginURL), asked for through hc (nil: http.DefaultClient) and timed by clock
// (nil: the wall clock).
func NewTokens(loginURL, tenant, appID, password string, hc *http.Client, clock mim.Clock) *Tokens {
	if loginURL == "" {
		loginURL = DefaultLoginURL
	}
	return &Tokens{
		loginURL: strings.TrimRight(loginURL, "/"), tenant: tenant, appID: appID, password: password,
		client: newClient(hc, nil, clock),
		cache:  map[string]token{}, fetch: map[string]*fetch{},
	}
}

// Token returns an access token for scope: the cached one until 5 minutes before it
// expires, else a new one. Callers asking while a fetch is in flight wait for it
// rather than making their own.
func (t *Tokens) Token(ctx context.Context, scope string) (string, error) {
	t.mu.Lock()
	if tok, ok := t.cache[scope]; ok && t.client.clock.Now().Before(tok.refresh) {
		t.mu.Unlock()
		return tok.value, nil
	}
	f := t.fetch[scope]
	if f == nil {
		f = &fetch{done: make(chan struct{})}
		t.fetch[scope] = f
		// The fetch is everyone's: it does not end with the context of the caller
		// that happened to start it.
		go t.get(context.WithoutCancel(ctx), scope, f)
	}
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.tok.value, f.err
	case <-ctx.Done():
		return "", fmt.Errorf("token for %s: %w", scope, ctx.Err())
	case <-mim.Stopping(ctx):
		return "", mim.ErrStopping
	}
}

// Forget drops the cached token of scope if it is still value (an API refused it),
// so that the next Token fetches a new one.
func (t *Tokens) Forget(scope, value string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, ok := t.cache[scope]; ok && tok.value == value {
		delete(t.cache, scope)
	}
}

// get fetches the token of scope into f and the cache.
func (t *Tokens) get(ctx context.Context, scope string, f *fetch) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	tok, err := t.request(ctx, scope)
	t.mu.Lock()
	if err == nil {
		t.cache[scope] = tok
	}
	delete(t.fetch, scope)
	f.tok, f.err = tok, err
	t.mu.Unlock()
	close(f.done)
}

// request asks the token service for a token of scope.
func (t *Tokens) request(ctx context.Context, scope string) (token, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {t.appID},
		"client_secret": {t.password},
		"scope":         {scope},
	}
	var out struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		AccessToken string `json:"access_token"`
	}
	err := t.client.do(ctx, request{
		name:       "POST /{tenant}/oauth2/v2.0/token",
		method:     http.MethodPost,
		url:        t.loginURL + "/" + url.PathEscape(t.tenant) + "/oauth2/v2.0/token",
		form:       form.Encode(),
		idempotent: true,
	}, &out)
	if err != nil {
		return token{}, t.explain(scope, err)
	}
	if out.AccessToken == "" {
		return token{}, fmt.Errorf("msapi: token for %s: the answer holds no access_token", scope)
	}
	// Replaced 5 minutes before it expires; a token that lives less than 10 minutes
	// (never seen from Entra, but possible from a test's service) at half its life.
	life := time.Duration(out.ExpiresIn) * time.Second
	return token{value: out.AccessToken, refresh: t.client.clock.Now().Add(life - min(tokenMargin, life/2))}, nil
}

// explain turns the token service's refusal of the app's credentials into an error
// that says which setting to check. It never holds the secret.
func (t *Tokens) explain(scope string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf("token for %s: %w", scope, err)
	}
	if t.password != "" && strings.Contains(e.Message, t.password) {
		e.Message = strings.ReplaceAll(e.Message, t.password, "[secret]")
	}
	switch e.Code {
	case "invalid_client", "unauthorized_client":
		return fmt.Errorf("token for %s: the token service refused the app's credentials: check TEAMS_APP_ID (%s), TEAMS_APP_PASSWORD (the client secret's value, not its id) and TEAMS_TENANT_ID (%s): %w",
			scope, t.appID, t.tenant, e)
	case "invalid_request", "invalid_tenant":
		if strings.Contains(e.Message, "AADSTS90002") || strings.Contains(e.Message, "AADSTS900023") || e.Code == "invalid_tenant" {
			return fmt.Errorf("token for %s: the token service knows no tenant %q: check TEAMS_TENANT_ID: %w", scope, t.tenant, e)
		}
	}
	return fmt.Errorf("token for %s: %w", scope, err)
}

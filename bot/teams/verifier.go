package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"mimbot/bot/teams/msapi"
)

// The Bot Framework's tokens: who issues them, how far clocks may differ, and how
// often an unknown key id may send the adapter to fetch the keys again (a forged
// token names any kid it likes; Microsoft publishes a new key well before it signs
// with it).
const (
	botFrameworkIssuer = "https://api.botframework.com"
	tokenLeeway        = 5 * time.Minute
	unknownKeyEvery    = time.Minute
)

// verifier checks that an activity comes from the Bot Framework: a bearer token
// signed (RS256) by a key of the Bot Framework's JWKS, found by its kid, issued by
// https://api.botframework.com for this app, within its times, for the Connector the
// activity names; a key that lists endorsements must endorse the activity's channel.
type verifier struct {
	parser *jwt.Parser
	keys   keyfunc.Keyfunc
	ends   *endorsements
}

// newVerifier reads the OpenID metadata and loads the keys of its jwks_uri, which
// are then refreshed hourly, and at once (rate-limited) when a token names a key id
// they do not hold, until keysCtx ends.
func newVerifier(ctx, keysCtx context.Context, cfg Config) (*verifier, error) {
	jwksURL, err := jwksURI(ctx, cfg.HTTPClient, cfg.OpenIDURL)
	if err != nil {
		return nil, err
	}
	ends := &endorsements{url: jwksURL, kids: map[string][]string{}}
	hc := *cfg.HTTPClient
	hc.Transport = &endorsementReader{base: cfg.HTTPClient.Transport, ends: ends}
	fail := false
	keys, err := keyfunc.NewDefaultOverrideCtx(keysCtx, []string{jwksURL}, keyfunc.Override{
		Client:                    &hc,
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: &fail,
		// A token with an unknown kid waits for no refresh: one is made at once when
		// the limiter allows, else the token is refused. (The bound also covers the
		// refresh itself.)
		RateLimitWaitMax:  10 * time.Second,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownKeyEvery), 1),
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(context.Context, error) {}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("load the Bot Framework signing keys from %s: %w", jwksURL, err)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(botFrameworkIssuer),
		jwt.WithAudience(cfg.AppID),
		jwt.WithLeeway(tokenLeeway),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(cfg.Clock.Now),
	)
	return &verifier{parser: parser, keys: keys, ends: ends}, nil
}

// jwksURI reads the jwks_uri of the OpenID metadata at openID.
func jwksURI(ctx context.Context, hc *http.Client, openID string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, openID, nil)
	if err != nil {
		return "", fmt.Errorf("OpenID metadata %s: %w", openID, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("OpenID metadata %s: %w", openID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("OpenID metadata %s: HTTP %d", openID, resp.StatusCode)
	}
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&meta); err != nil {
		return "", fmt.Errorf("OpenID metadata %s: %w", openID, err)
	}
	if !strings.HasPrefix(meta.JWKSURI, "https://") && !strings.HasPrefix(meta.JWKSURI, "http://") {
		return "", fmt.Errorf("OpenID metadata %s: no jwks_uri", openID)
	}
	return meta.JWKSURI, nil
}

// check returns why the token in header does not vouch for activity a, or "". With a
// nil activity (a body that is no activity) only the token itself is checked. The
// reason is for the log and never quotes the token.
func (v *verifier) check(ctx context.Context, header string, a *msapi.Activity) string {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return "no bearer token"
	}
	kid := ""
	keyOf := v.keys.KeyfuncCtx(ctx)
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(strings.TrimSpace(raw), claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			return nil, errNoKid
		}
		return keyOf(t)
	})
	if err != nil {
		return reason(err)
	}
	if a == nil {
		return ""
	}
	if su, _ := claims["serviceurl"].(string); su == "" || su != a.ServiceURL {
		return "serviceurl claim does not match the activity's serviceUrl"
	}
	if e, listed := v.ends.of(kid); listed && !slices.Contains(e, a.ChannelID) {
		return "signing key does not endorse channel " + a.ChannelID
	}
	return ""
}

var errNoKid = errors.New("no kid in the token header")

// reason names why jwt refused a token.
func reason(err error) string {
	switch {
	case errors.Is(err, errNoKid):
		return "no kid in the token header"
	case errors.Is(err, keyfunc.ErrKeyfunc):
		return "signing key unknown"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token unverifiable"
	}
	return "invalid token"
}

// endorsements are the channels each signing key may sign for, as the JWKS lists
// them (keyfunc keeps the keys but drops this field).
type endorsements struct {
	url  string
	mu   sync.Mutex
	kids map[string][]string // kid -> endorsements; absent: none listed
}

func (e *endorsements) of(kid string) ([]string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	list, ok := e.kids[kid]
	return list, ok
}

// read records the endorsements of a JWKS document.
func (e *endorsements) read(body []byte) {
	var set struct {
		Keys []struct {
			Kid          string   `json:"kid"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	if json.Unmarshal(body, &set) != nil {
		return
	}
	kids := map[string][]string{}
	for _, k := range set.Keys {
		if k.Kid != "" && k.Endorsements != nil {
			kids[k.Kid] = k.Endorsements
		}
	}
	e.mu.Lock()
	e.kids = kids
	e.mu.Unlock()
}

// endorsementReader is the transport under keyfunc's fetches: it reads the
// endorsements of each JWKS it fetches, and hands the body on unchanged.
type endorsementReader struct {
	base http.RoundTripper
	ends *endorsements
}

func (t *endorsementReader) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK || r.URL.String() != t.ends.url {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the JWKS: %w", err)
	}
	t.ends.read(body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

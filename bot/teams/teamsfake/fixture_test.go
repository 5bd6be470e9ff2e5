package teamsfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	alice = User{AADObjectID: "aad-alice", Name: "Alice", UPN: "alice@contoso.example", AppInstalled: true}
	bob   = User{AADObjectID: "aad-bob", Name: "Bob", UPN: "bob@contoso.example"}
)

// sharedKey is one signing key for every server of the suite: generating
// 2048-bit keys is what makes New slow.
var sharedKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// start starts a fake with Alice and Bob and a fake clock.
func start(t *testing.T, opts Options) (*Server, *clock) {
	t.Helper()
	c := newClock()
	if opts.Clock == nil {
		opts.Clock = c.Now
	}
	if opts.SigningKey == nil {
		opts.SigningKey = sharedKey()
	}
	if opts.Users == nil {
		opts.Users = []User{alice, bob}
	}
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, c
}

// getToken fetches an access token of scope from the fake.
func getToken(t *testing.T, s *Server, scope string) string {
	t.Helper()
	status, body := postForm(t, s.LoginURL()+"/"+s.TenantID()+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {s.AppID()}, "client_secret": {s.AppPassword()}, "scope": {scope},
	})
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatal(err)
	}
	return tr.AccessToken
}

func postForm(t *testing.T, u string, v url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// answer is one HTTP answer from the fake.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// code is the error code of an {"error":{"code":...}} body.
func (a answer) code() string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Code
}

func (a answer) message() string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Message
}

// id is the "id" of a JSON answer.
func (a answer) id() string {
	var v struct{ ID string }
	_ = json.Unmarshal(a.body, &v)
	return v.ID
}

// do sends a request with a bearer token and a JSON body (nil: none).
func do(t *testing.T, method, u, tok string, body any) answer {
	t.Helper()
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			r = strings.NewReader(string(raw))
		}
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// verifier checks Bot Framework tokens as a correct bot does: keys from
// the OpenID metadata's JWKS, RS256, issuer, audience, expiry with five
// minutes of leeway, and the serviceurl claim against the activity's.
type verifier struct {
	keys  map[string]*rsa.PublicKey
	appID string
	now   func() time.Time
}

func newVerifier(t *testing.T, s *Server, now func() time.Time) *verifier {
	t.Helper()
	var meta struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, s.OpenIDURL(), &meta)
	if meta.Issuer != BotFrameworkIssuer || len(meta.Algs) != 1 || meta.Algs[0] != "RS256" {
		t.Fatalf("metadata = %+v", meta)
	}
	var set struct {
		Keys []struct {
			Kty, Use, Kid, N, E string
			Endorsements        []string
		} `json:"keys"`
	}
	getJSON(t, meta.JWKSURI, &set)
	v := &verifier{keys: map[string]*rsa.PublicKey{}, appID: s.AppID(), now: now}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Use != "sig" || k.E != "AQAB" || len(k.Endorsements) != 1 || k.Endorsements[0] != "msteams" {
			t.Fatalf("jwk = %+v", k)
		}
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			t.Fatal(err)
		}
		v.keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	}
	return v
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

var errServiceURL = errors.New("serviceurl claim does not match the activity")

func (v *verifier) verify(authorization, serviceURL string) error {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return errors.New("no bearer token")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := v.keys[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return k, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(BotFrameworkIssuer),
		jwt.WithAudience(v.appID),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(5*time.Minute),
		jwt.WithTimeFunc(v.now),
	)
	if err != nil {
		return err
	}
	if claims["serviceurl"] != serviceURL {
		return errServiceURL
	}
	return nil
}

// bot is a test bot endpoint that records what it is delivered.
type bot struct {
	mu    sync.Mutex
	auth  []string
	acts  []Activity
	paths []string
}

func (b *bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var a Activity
	_ = json.NewDecoder(r.Body).Decode(&a)
	b.mu.Lock()
	b.auth = append(b.auth, r.Header.Get("Authorization"))
	b.acts = append(b.acts, a)
	b.paths = append(b.paths, r.URL.Path)
	b.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (b *bot) last(t *testing.T) (string, Activity, string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.acts) == 0 {
		t.Fatal("bot got nothing")
	}
	n := len(b.acts) - 1
	return b.auth[n], b.acts[n], b.paths[n]
}

func deliver(t *testing.T, s *Server, botURL string, a Activity, opts ...SignOption) int {
	t.Helper()
	status, _, _, err := s.Deliver(context.Background(), botURL, a, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return status
}

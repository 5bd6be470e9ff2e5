package teamsfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DeliveryTimeout is how long the Bot Framework waits for the bot's answer
// before it counts the delivery as failed (and retries it).
const DeliveryTimeout = 15 * time.Second

// tokenLifetime is the lifetime of the Bot Framework's tokens to bots.
const tokenLifetime = time.Hour

// SignOption changes how Deliver signs an activity, to test that the bot
// refuses what the Bot Framework would never send.
type SignOption func(*signing)

type signing struct {
	forged, expired, noToken bool
	audience, issuer, svcURL *string
}

// Forged signs with a key that is not in the JWKS, under the kid of a key
// that is: only a verifier that checks the signature refuses it.
func Forged() SignOption { return func(o *signing) { o.forged = true } }

// Expired makes a token that expired ten minutes ago, beyond the five
// minutes of clock skew verifiers allow.
func Expired() SignOption { return func(o *signing) { o.expired = true } }

// Audience sets the aud claim (a token meant for another bot).
func Audience(aud string) SignOption { return func(o *signing) { o.audience = &aud } }

// Issuer sets the iss claim.
func Issuer(iss string) SignOption { return func(o *signing) { o.issuer = &iss } }

// ServiceURL sets the serviceurl claim, which then differs from the
// activity's serviceUrl (a token replayed to redirect the bot's answers).
func ServiceURL(u string) SignOption { return func(o *signing) { o.svcURL = &u } }

// NoToken sends no Authorization header at all.
func NoToken() SignOption { return func(o *signing) { o.noToken = true } }

// SignToken returns the JWT the Bot Framework would send with an activity
// whose serviceUrl is serviceURL, changed by opts (NoToken gives "").
func (s *Server) SignToken(serviceURL string, opts ...SignOption) string {
	var o signing
	for _, f := range opts {
		f(&o)
	}
	if o.noToken {
		return ""
	}
	now := s.now()
	iat := now
	if o.expired {
		iat = now.Add(-tokenLifetime - 10*time.Minute)
	}
	claims := jwt.MapClaims{
		"iss":        BotFrameworkIssuer,
		"aud":        s.opts.AppID,
		"serviceurl": serviceURL,
		"nbf":        iat.Unix(),
		"iat":        iat.Unix(),
		"exp":        iat.Add(tokenLifetime).Unix(),
	}
	if o.issuer != nil {
		claims["iss"] = *o.issuer
	}
	if o.audience != nil {
		claims["aud"] = *o.audience
	}
	if o.svcURL != nil {
		claims["serviceurl"] = *o.svcURL
	}
	k := s.keys.signer()
	if o.forged {
		k = s.keys.forger()
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.kid
	signed, err := t.SignedString(k.key)
	if err != nil {
		panic("teamsfake: sign: " + err.Error())
	}
	return signed
}

// Deliver POSTs the activity to the bot as the Bot Framework does, with
// "Authorization: Bearer <JWT>" signed by the current key (opts change it).
// botURL is the bot's messaging endpoint; when it has no path,
// "/teams/messages" is added. It answers the bot's status and body and how
// long the bot took (wall time: the answer's real latency, not the fake
// clock). No retries: the Bot Framework retries an answer that is not 2xx
// within DeliveryTimeout, and a test that wants that does it itself.
func (s *Server) Deliver(ctx context.Context, botURL string, a Activity, opts ...SignOption) (status int, body []byte, latency time.Duration, err error) {
	u, err := url.Parse(botURL)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("teamsfake: deliver: %w", err)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/teams/messages"
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("teamsfake: deliver: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(raw))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("teamsfake: deliver: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)")
	if tok := s.SignToken(a.ServiceURL, opts...); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), fmt.Errorf("teamsfake: deliver: %w", err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	latency = time.Since(start)
	if err != nil {
		return resp.StatusCode, body, latency, fmt.Errorf("teamsfake: deliver: read answer: %w", err)
	}
	return resp.StatusCode, body, latency, nil
}

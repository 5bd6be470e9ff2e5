package teamsfake

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The scopes a bot asks tokens for.
const (
	ConnectorScope = "https://api.botframework.com/.default"
	GraphScope     = "https://graph.microsoft.com/.default"
)

// accessTokenLifetime is expires_in of Entra's client-credentials tokens.
const accessTokenLifetime = 3599 * time.Second

type token struct {
	scope   string
	expires time.Time
}

// serveToken is Entra's token endpoint, POST /login/{tenant}/oauth2/v2.0/token,
// for the client-credentials grant with a client secret.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	seg := segments(r)
	if len(seg) != 5 || seg[2] != "oauth2" || seg[3] != "v2.0" || seg[4] != "token" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	tenant := seg[1]
	switch {
	case tenant != s.opts.TenantID:
		tokenError(w, http.StatusBadRequest, "invalid_request",
			fmt.Sprintf("AADSTS90002: Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
	case f.Get("grant_type") == "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
	case f.Get("grant_type") != "client_credentials":
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type",
			fmt.Sprintf("AADSTS70003: The app requested an unsupported grant type '%s'.", f.Get("grant_type")))
	case f.Get("client_id") != s.opts.AppID:
		tokenError(w, http.StatusBadRequest, "unauthorized_client",
			fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory '%s'.", f.Get("client_id"), tenant))
	case f.Get("client_secret") != s.opts.AppPassword:
		tokenError(w, http.StatusUnauthorized, "invalid_client",
			fmt.Sprintf("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", s.opts.AppID))
	case f.Get("scope") != ConnectorScope && f.Get("scope") != GraphScope:
		tokenError(w, http.StatusBadRequest, "invalid_scope",
			fmt.Sprintf("AADSTS1002012: The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", f.Get("scope")))
	default:
		tok := randomToken()
		s.mu.Lock()
		s.tokens[tok] = token{scope: f.Get("scope"), expires: s.now().Add(accessTokenLifetime)}
		s.issued++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, obj{
			"token_type":     "Bearer",
			"expires_in":     int(accessTokenLifetime.Seconds()),
			"ext_expires_in": int(accessTokenLifetime.Seconds()),
			"access_token":   tok,
		})
	}
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, obj{"error": code, "error_description": desc, "error_codes": []int{}})
}

func randomToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return "eyJ0eXAiOiJKV1QifQ." + base64.RawURLEncoding.EncodeToString(b)
}

// TokensIssued counts the access tokens the token endpoint has handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// authProblem is why a request's bearer token is refused, "" when it is good.
type authProblem string

const (
	authOK      authProblem = ""
	authMissing authProblem = "missing"
	authInvalid authProblem = "invalid"
	authExpired authProblem = "expired"
	authScope   authProblem = "scope"
)

// checkAuth checks "Authorization: Bearer <token>" for a token of scope
// that has not expired on the clock.
func (s *Server) checkAuth(r *http.Request, scope string) authProblem {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return authMissing
	}
	s.mu.Lock()
	t, ok := s.tokens[strings.TrimSpace(tok)]
	s.mu.Unlock()
	switch {
	case !ok:
		return authInvalid
	case !s.now().Before(t.expires):
		return authExpired
	case t.scope != scope:
		return authScope
	}
	return authOK
}

// ExpireTokens makes every access token issued so far expire now, as if the
// clock had jumped past their lifetime; the next calls get 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, t := range s.tokens {
		t.expires = now
		s.tokens[k] = t
	}
}

// connectorAuth answers 401 as the Bot Connector does and reports false when
// the request may not go on.
func (s *Server) connectorAuth(w http.ResponseWriter, r *http.Request) bool {
	if s.checkAuth(r, ConnectorScope) == authOK {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+r.Host+`"`)
	writeJSON(w, http.StatusUnauthorized, obj{"message": "Authorization has been denied for this request."})
	return false
}

// graphAuth answers 401 as Graph does and reports false when the request may not go on.
func (s *Server) graphAuth(w http.ResponseWriter, r *http.Request) bool {
	var msg string
	switch s.checkAuth(r, GraphScope) {
	case authOK:
		return true
	case authMissing:
		msg = "Access token is empty."
	case authExpired:
		msg = "Lifetime validation failed, the token is expired."
	case authScope:
		msg = "Access token validation failure. Invalid audience."
	default:
		msg = "CompactToken parsing failed with error code: 80049217"
	}
	s.writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
	return false
}

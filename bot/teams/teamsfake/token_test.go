package teamsfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpointChecksClientCredentials(t *testing.T) {
	s, _ := start(t, Options{})
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.AppID()}, "client_secret": {s.AppPassword()}, "scope": {ConnectorScope}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for kk, vv := range good {
			out[kk] = vv
		}
		out.Set(k, v)
		return out
	}
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		status int
		code   string
		aadsts string
	}{
		{"connector scope", s.TenantID(), good, 200, "", ""},
		{"graph scope", s.TenantID(), with("scope", GraphScope), 200, "", ""},
		{"bad secret", s.TenantID(), with("client_secret", "nope"), 401, "invalid_client", "AADSTS7000215"},
		{"other app", s.TenantID(), with("client_id", "someone-else"), 400, "unauthorized_client", "AADSTS700016"},
		{"other tenant", "other-tenant", good, 400, "invalid_request", "AADSTS90002"},
		{"scope without .default", s.TenantID(), with("scope", "https://graph.microsoft.com/User.Read"), 400, "invalid_scope", "AADSTS1002012"},
		{"other grant", s.TenantID(), with("grant_type", "password"), 400, "unsupported_grant_type", "AADSTS70003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postForm(t, s.LoginURL()+"/"+tt.tenant+"/oauth2/v2.0/token", tt.form)
			var r struct {
				TokenType   string `json:"token_type"`
				ExpiresIn   int    `json:"expires_in"`
				AccessToken string `json:"access_token"`
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			if status != tt.status || r.Error != tt.code || !strings.HasPrefix(r.Description, tt.aadsts) {
				t.Fatalf("got %d %s", status, body)
			}
			if status == 200 && (r.TokenType != "Bearer" || r.ExpiresIn != 3599 || r.AccessToken == "") {
				t.Errorf("token answer = %s", body)
			}
		})
	}
	if n := s.TokensIssued(); n != 2 {
		t.Errorf("TokensIssued = %d, want 2", n)
	}
}

func TestRoutesWantAValidTokenOfTheirScope(t *testing.T) {
	s, c := start(t, Options{})
	conn := getToken(t, s, ConnectorScope)
	graph := getToken(t, s, GraphScope)
	member := s.ServiceURL() + "v3/conversations/" + url.PathEscape(s.generalID()) + "/members/" + alice.AADObjectID
	channels := s.GraphURL() + "/v1.0/teams/" + s.TeamID() + "/channels"

	tests := []struct {
		name, url, tok string
		status         int
		graphMsg       string
	}{
		{"connector with connector token", member, conn, 200, ""},
		{"connector without token", member, "", 401, ""},
		{"connector with made-up token", member, "made-up", 401, ""},
		{"connector with graph token", member, graph, 401, ""},
		{"graph with graph token", channels, graph, 200, ""},
		{"graph without token", channels, "", 401, "Access token is empty."},
		{"graph with connector token", channels, conn, 401, "Access token validation failure. Invalid audience."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, http.MethodGet, tt.url, tt.tok, nil)
			if a.status != tt.status {
				t.Fatalf("status %d %s", a.status, a.body)
			}
			if tt.graphMsg != "" && (a.code() != "InvalidAuthenticationToken" || a.message() != tt.graphMsg) {
				t.Errorf("graph 401 body = %s", a.body)
			}
			if tt.status == 401 && tt.graphMsg == "" && !strings.Contains(string(a.body), "Authorization has been denied") {
				t.Errorf("connector 401 body = %s", a.body)
			}
		})
	}

	t.Run("expired after 3599 s", func(t *testing.T) {
		c.Advance(3598 * time.Second)
		if a := do(t, http.MethodGet, member, conn, nil); a.status != 200 {
			t.Fatalf("a second before expiry: %d", a.status)
		}
		c.Advance(time.Second)
		if a := do(t, http.MethodGet, member, conn, nil); a.status != 401 {
			t.Errorf("connector at expiry: %d", a.status)
		}
		if a := do(t, http.MethodGet, channels, graph, nil); a.status != 401 || a.message() != "Lifetime validation failed, the token is expired." {
			t.Errorf("graph at expiry: %d %s", a.status, a.body)
		}
	})
}

func TestExpireTokens(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	if a := c.send(s.generalID(), text("x")); a.status != 201 {
		t.Fatalf("send: %d", a.status)
	}
	s.ExpireTokens()
	if a := c.send(s.generalID(), text("x")); a.status != 401 {
		t.Errorf("send with an expired token: %d", a.status)
	}
}

// generalID is the General channel's id.
func (s *Server) generalID() string {
	c, _ := s.ChannelByName(generalName)
	return c.ID
}

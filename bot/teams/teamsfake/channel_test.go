package teamsfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// graph is a test client of the fake's Graph.
type graph struct {
	t   *testing.T
	s   *Server
	tok string
}

func newGraph(t *testing.T, s *Server) *graph {
	return &graph{t: t, s: s, tok: getToken(t, s, GraphScope)}
}

func (g *graph) channels() string {
	return g.s.GraphURL() + "/v1.0/teams/" + g.s.TeamID() + "/channels"
}

func (g *graph) create(name string) answer {
	g.t.Helper()
	return do(g.t, http.MethodPost, g.channels(), g.tok, obj{"displayName": name, "description": "incident", "membershipType": "standard"})
}

func (g *graph) rename(id, name string) answer {
	g.t.Helper()
	return do(g.t, http.MethodPatch, g.channels()+"/"+url.PathEscape(id), g.tok, obj{"displayName": name})
}

// list lists channels, with a $filter encoded as Graph clients send it.
func (g *graph) list(filter string) []string {
	g.t.Helper()
	u := g.channels()
	if filter != "" {
		u += "?%24filter=" + strings.ReplaceAll(url.QueryEscape(filter), "+", "%20")
	}
	a := do(g.t, http.MethodGet, u, g.tok, nil)
	if a.status != 200 {
		g.t.Fatalf("list: %d %s", a.status, a.body)
	}
	var v struct {
		Value []struct{ DisplayName string }
	}
	if err := json.Unmarshal(a.body, &v); err != nil {
		g.t.Fatal(err)
	}
	var names []string
	for _, c := range v.Value {
		names = append(names, c.DisplayName)
	}
	return names
}

func TestChannelNameRules(t *testing.T) {
	s, _ := start(t, Options{})
	g := newGraph(t, s)
	tests := []struct {
		name string
		ok   bool
	}{
		{"inc-0042 checkout down", true},
		{"INC 42: checkout", false},
		{strings.Repeat("a", 50), true},
		{strings.Repeat("a", 51), false},
		{strings.Repeat("é", 50), true},
		{"", false},
		{"_inc", false},
		{".inc", false},
		{"inc.", false},
		{"inc..42", false},
		{"inc.42", true},
		{"a#b", false}, {"a%b", false}, {"a&b", false}, {"a*b", false}, {"a{b", false}, {"a}b", false},
		{"a+b", false}, {"a/b", false}, {`a\b`, false}, {"a<b", false}, {"a>b", false}, {"a?b", false},
		{"a|b", false}, {"a'b", false}, {`a"b`, false}, {"a~b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := g.create(tt.name)
			if tt.ok {
				if a.status != http.StatusCreated || !strings.HasPrefix(a.id(), "19:") || !strings.HasSuffix(a.id(), "@thread.tacv2") {
					t.Errorf("got %d %s", a.status, a.body)
				}
				return
			}
			if a.status != http.StatusBadRequest || a.code() != "BadRequest" {
				t.Errorf("got %d %s, want 400 BadRequest", a.status, a.body)
			}
		})
	}
}

func TestChannelNamesConflictIgnoringCase(t *testing.T) {
	s, clk := start(t, Options{})
	g := newGraph(t, s)
	first := g.create("inc-1 Checkout")
	if first.status != http.StatusCreated {
		t.Fatalf("create: %d %s", first.status, first.body)
	}
	taken := func(t *testing.T, a answer) {
		t.Helper()
		if a.status != http.StatusBadRequest || a.code() != "NameAlreadyExists" || a.message() != "Channel name already existed, please use other name." {
			t.Errorf("got %d %s, want NameAlreadyExists", a.status, a.body)
		}
	}
	t.Run("same name in other case", func(t *testing.T) { taken(t, g.create("INC-1 checkout")) })
	t.Run("general exists from the start", func(t *testing.T) { taken(t, g.create("general")) })

	second := g.create("inc-2").id()
	t.Run("rename onto a taken name", func(t *testing.T) { taken(t, g.rename(second, "Inc-1 checkout")) })
	t.Run("rename to its own name in other case", func(t *testing.T) {
		if a := g.rename(second, "INC-2"); a.status != http.StatusNoContent {
			t.Errorf("got %d %s", a.status, a.body)
		}
		if c, ok := s.ChannelByName("inc-2"); !ok || c.DisplayName != "INC-2" {
			t.Errorf("channel = %+v", c)
		}
	})
	t.Run("rename breaking a rule", func(t *testing.T) {
		if a := g.rename(second, "inc/2"); a.status != http.StatusBadRequest || a.code() != "BadRequest" {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
	t.Run("General cannot be renamed", func(t *testing.T) {
		if a := g.rename(s.generalID(), "Lobby"); a.status != http.StatusBadRequest {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
	t.Run("unknown channel", func(t *testing.T) {
		if a := g.rename("19:nope@thread.tacv2", "x"); a.status != http.StatusNotFound {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
	t.Run("deleted names stay taken for a while", func(t *testing.T) {
		if a := do(t, http.MethodDelete, g.channels()+"/"+url.PathEscape(first.id()), g.tok, nil); a.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", a.status, a.body)
		}
		taken(t, g.create("inc-1 checkout"))
		clk.Advance(31 * 24 * time.Hour)
		g.tok = getToken(t, s, GraphScope)
		if a := g.create("inc-1 checkout"); a.status != http.StatusCreated {
			t.Errorf("a month later: %d %s", a.status, a.body)
		}
	})
}

func TestListChannelsWithFilter(t *testing.T) {
	s, _ := start(t, Options{})
	g := newGraph(t, s)
	g.create("inc-7 payments down")
	g.create("inc-8")
	if got := g.list(""); strings.Join(got, ",") != "General,inc-7 payments down,inc-8" {
		t.Errorf("all channels = %v", got)
	}
	if got := g.list("displayName eq 'INC-7 Payments Down'"); len(got) != 1 || got[0] != "inc-7 payments down" {
		t.Errorf("filtered = %v", got)
	}
	if got := g.list("displayName eq 'inc-9'"); len(got) != 0 {
		t.Errorf("filter on a missing name = %v", got)
	}
	a := do(t, http.MethodGet, g.channels()+"?%24filter="+url.QueryEscape("startswith(displayName,'inc')"), g.tok, nil)
	if a.status != http.StatusBadRequest {
		t.Errorf("unsupported filter: %d %s", a.status, a.body)
	}
	other := do(t, http.MethodGet, s.GraphURL()+"/v1.0/teams/another-team/channels", g.tok, nil)
	if other.status != http.StatusNotFound || other.code() != "NotFound" {
		t.Errorf("another team: %d %s", other.status, other.body)
	}
}

func TestChannelCreationIsThrottled(t *testing.T) {
	s, clk := start(t, Options{})
	g := newGraph(t, s)
	for i := range 30 {
		if a := g.create("inc-" + strings.Repeat("x", i+1)); a.status != http.StatusCreated {
			t.Fatalf("creation %d: %d %s", i+1, a.status, a.body)
		}
	}
	a := g.create("inc-31")
	if a.status != http.StatusTooManyRequests || a.code() != "TooManyRequests" || a.header.Get("Retry-After") != "60" {
		t.Fatalf("31st in a minute: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	g.create("inc-31")
	if n := s.EarlyRetries(); n != 1 {
		t.Errorf("EarlyRetries = %d, want 1", n)
	}
	clk.Advance(time.Minute)
	if a := g.create("inc-31"); a.status != http.StatusCreated {
		t.Errorf("a minute later: %d %s", a.status, a.body)
	}
}

func TestOnlineMeetings(t *testing.T) {
	s, _ := start(t, Options{})
	g := newGraph(t, s)
	meet := func(organizer string) answer {
		return do(t, http.MethodPost, s.GraphURL()+"/v1.0/users/"+organizer+"/onlineMeetings", g.tok, obj{
			"subject": "INC-7 bridge", "startDateTime": "2026-03-02T09:00:00Z", "endDateTime": "2026-03-02T10:00:00Z",
		})
	}
	a := meet(alice.AADObjectID)
	var m struct{ ID, JoinWebURL string }
	_ = json.Unmarshal(a.body, &m)
	if a.status != http.StatusCreated || m.ID == "" || !strings.HasPrefix(m.JoinWebURL, "https://teams.microsoft.com/l/meetup-join/") {
		t.Fatalf("meeting: %d %s", a.status, a.body)
	}
	if got := s.Meetings(); len(got) != 1 || got[0].Organizer != alice.AADObjectID || got[0].Subject != "INC-7 bridge" || got[0].JoinURL != m.JoinWebURL {
		t.Errorf("Meetings = %+v", got)
	}
	if a := meet("aad-nobody"); a.status != http.StatusNotFound {
		t.Errorf("unknown organizer: %d %s", a.status, a.body)
	}
	if a := meet(alice.UPN); a.status != http.StatusNotFound {
		t.Errorf("organizer by UPN: %d %s", a.status, a.body)
	}
}

package msapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"mimbot/mim"
)

// DefaultGraphURL is Microsoft Graph.
const DefaultGraphURL = "https://graph.microsoft.com"

// Channel is a channel of the team.
type Channel struct {
	ID, DisplayName, Description, WebURL string
	CreatedAt                            time.Time
}

// Graph is Microsoft Graph for one team, with tokens of GraphScope. A 429 or a 503
// waits its Retry-After and tries again, as the Connector's calls do, and holds back
// every other call of this client until then: Graph throttles the app, not a
// resource.
type Graph struct {
	url, team string
	client    client

	mu    sync.Mutex
	until time.Time // no call before this (the end of the last Retry-After)
}

// NewGraph returns the Graph client of team, at graphURL ("" is DefaultGraphURL),
// calling through hc (nil: http.DefaultClient), timed by clock (nil: the wall clock).
func NewGraph(graphURL, team string, tokens *Tokens, hc *http.Client, clock mim.Clock) *Graph {
	if graphURL == "" {
		graphURL = DefaultGraphURL
	}
	return &Graph{url: strings.TrimRight(graphURL, "/"), team: team, client: newClient(hc, tokens, clock)}
}

// do runs r after any Retry-After Graph gave.
func (g *Graph) do(ctx context.Context, r request, out any) error {
	r.scope = GraphScope
	r.before = func(ctx context.Context, deadline time.Time) error {
		g.mu.Lock()
		until := g.until
		g.mu.Unlock()
		now := g.client.clock.Now()
		if !until.After(now) {
			return nil
		}
		if until.After(deadline) {
			return &errBusy{wait: until.Sub(now)}
		}
		return sleepUntil(ctx, g.client.clock, until)
	}
	r.held = func(until time.Time) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if until.After(g.until) {
			g.until = until
		}
	}
	return g.client.do(ctx, r, out)
}

// channelJSON is Graph's channel resource.
type channelJSON struct {
	ID              string `json:"id"`
	DisplayName     string `json:"displayName"`
	Description     string `json:"description"`
	MembershipType  string `json:"membershipType,omitempty"`
	WebURL          string `json:"webUrl"`
	CreatedDateTime string `json:"createdDateTime"`
}

func (c channelJSON) channel() Channel {
	at, _ := time.Parse(time.RFC3339Nano, c.CreatedDateTime) // zero when absent (General may lack it)
	return Channel{ID: c.ID, DisplayName: c.DisplayName, Description: c.Description, WebURL: c.WebURL, CreatedAt: at}
}

// channelsURL is {graph}/v1.0/teams/{team}/channels.
func (g *Graph) channelsURL() string {
	return g.url + "/v1.0/teams/" + url.PathEscape(g.team) + "/channels"
}

// CreateChannel creates a standard channel of the team. The error wraps
// ErrNameTaken when another channel has the name, without case (a deleted channel's
// name stays taken for a while).
func (g *Graph) CreateChannel(ctx context.Context, name, description string) (Channel, error) {
	var out channelJSON
	err := g.do(ctx, request{
		name:   "POST /v1.0/teams/{team}/channels",
		method: http.MethodPost,
		url:    g.channelsURL(),
		body:   map[string]string{"displayName": name, "description": description, "membershipType": "standard"},
	}, &out)
	if err != nil {
		return Channel{}, err
	}
	return out.channel(), nil
}

// ChannelByName returns the team's channel named name (without case, as Teams
// compares names); an ENOTFOUND *mim.Error when there is none.
func (g *Graph) ChannelByName(ctx context.Context, name string) (Channel, error) {
	filter := "displayName eq '" + strings.ReplaceAll(name, "'", "''") + "'"
	list, err := g.list(ctx, g.channelsURL()+"?$filter="+strings.ReplaceAll(url.QueryEscape(filter), "+", "%20"))
	if err != nil {
		return Channel{}, err
	}
	// Graph's filter is exact on some tenants and not on others: compare here too.
	for _, c := range list {
		if strings.EqualFold(c.DisplayName, name) {
			return c, nil
		}
	}
	return Channel{}, mim.Errorf(mim.ENOTFOUND, "The team has no channel named %q.", name)
}

// Channels lists the team's channels.
func (g *Graph) Channels(ctx context.Context) ([]Channel, error) {
	return g.list(ctx, g.channelsURL())
}

// list reads a channel list, following @odata.nextLink.
func (g *Graph) list(ctx context.Context, u string) ([]Channel, error) {
	var all []Channel
	for page := 0; u != "" && page < 100; page++ {
		var out struct {
			Value    []channelJSON `json:"value"`
			NextLink string        `json:"@odata.nextLink"`
		}
		err := g.do(ctx, request{
			name:       "GET /v1.0/teams/{team}/channels",
			method:     http.MethodGet,
			url:        u,
			idempotent: true,
		}, &out)
		if err != nil {
			return nil, err
		}
		for _, c := range out.Value {
			all = append(all, c.channel())
		}
		u = out.NextLink
		if u != "" && !strings.HasPrefix(u, g.url+"/") {
			return nil, fmt.Errorf("msapi: GET /v1.0/teams/{team}/channels: the next page %q is not on %s", u, g.url)
		}
	}
	if all == nil {
		all = []Channel{}
	}
	return all, nil
}

// RenameChannel renames the channel id; the error wraps ErrNameTaken when another
// channel has the name.
func (g *Graph) RenameChannel(ctx context.Context, id, name string) error {
	return g.do(ctx, request{
		name:       "PATCH /v1.0/teams/{team}/channels/{id}",
		method:     http.MethodPatch,
		url:        g.channelsURL() + "/" + url.PathEscape(id),
		body:       map[string]string{"displayName": name},
		idempotent: true,
	}, nil)
}

// CreateMeeting creates an online meeting organised by the user organizer (an Entra
// object id) from start to end, and returns its join URL.
func (g *Graph) CreateMeeting(ctx context.Context, organizer, subject string, start, end time.Time) (joinURL string, err error) {
	var out struct {
		ID      string `json:"id"`
		JoinURL string `json:"joinWebUrl"`
	}
	err = g.do(ctx, request{
		name:   "POST /v1.0/users/{id}/onlineMeetings",
		method: http.MethodPost,
		url:    g.url + "/v1.0/users/" + url.PathEscape(organizer) + "/onlineMeetings",
		body: map[string]string{
			"subject":       subject,
			"startDateTime": start.UTC().Format(time.RFC3339),
			"endDateTime":   end.UTC().Format(time.RFC3339),
		},
	}, &out)
	if err != nil {
		return "", err
	}
	if out.JoinURL == "" {
		return "", fmt.Errorf("msapi: POST /v1.0/users/{id}/onlineMeetings: the answer holds no joinWebUrl")
	}
	return out.JoinURL, nil
}

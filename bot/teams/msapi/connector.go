package msapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mimbot/mim"
)

// Connector is the Bot Framework Connector of the conversations the bot is in, at
// the serviceUrl their activities carry. Calls that post or update a message keep
// Teams' pace per conversation (7 a second, 60 in 30 seconds) and go out one at a
// time per conversation, in the order they were made, retries included; a 429 or a
// 503 holds the conversation for its Retry-After.
type Connector struct {
	client client
	pace   *pace
}

// NewConnector returns a Connector whose calls carry tokens of ConnectorScope, made
// through hc (nil: http.DefaultClient) and timed by clock (nil: the wall clock).
func NewConnector(tokens *Tokens, hc *http.Client, clock mim.Clock) *Connector {
	c := newClient(hc, tokens, clock)
	return &Connector{client: c, pace: newPace(c.clock)}
}

// SetRateScale divides the length of the pacing windows by scale, as
// teamsfake.Options.RateLimitScale does (0.1: windows ten times longer), so that a
// test against a stricter fake keeps its pace too. 0 or 1: Teams' own windows. Call
// it before the first call.
func (c *Connector) SetRateScale(scale float64) {
	if scale <= 0 {
		scale = 1
	}
	c.pace.limits.Mu.Lock()
	defer c.pace.limits.Mu.Unlock()
	c.pace.scale = scale
}

// conversationURL is {serviceURL}/v3/conversations/{conv}, with or without a trailing
// slash on serviceURL, conv escaped as one path segment (a thread's
// ";messageid=..." stays in it), then the escaped elements of rest. serviceURL must be
// https (or http on this machine, for tests): the bot's token goes with the call.
func conversationURL(serviceURL, conv string, rest ...string) (string, error) {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		return "", mim.Errorf(mim.EINVALID, "msapi: service URL %q: the bot's token goes only to an https URL (or http on this machine)", serviceURL)
	}
	s := strings.TrimRight(serviceURL, "/") + "/v3/conversations"
	if conv != "" {
		s += "/" + url.PathEscape(conv)
	}
	for _, r := range rest {
		s += "/" + url.PathEscape(r)
	}
	return s, nil
}

// loopback tells whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send posts a as a new message in conv (in a channel, a new thread) and returns its
// id.
func (c *Connector) Send(ctx context.Context, serviceURL, conv string, a Activity) (id string, err error) {
	u, err := conversationURL(serviceURL, conv, "activities")
	if err != nil {
		return "", err
	}
	return c.post(ctx, serviceURL, conv, "POST /v3/conversations/{conv}/activities", u, a)
}

// Reply posts a in reply to the activity replyTo (in a channel, in its thread) and
// returns its id.
func (c *Connector) Reply(ctx context.Context, serviceURL, conv, replyTo string, a Activity) (id string, err error) {
	if a.ReplyToID == "" {
		a.ReplyToID = replyTo
	}
	u, err := conversationURL(serviceURL, conv, "activities", replyTo)
	if err != nil {
		return "", err
	}
	return c.post(ctx, serviceURL, conv, "POST /v3/conversations/{conv}/activities/{id}", u, a)
}

// Update replaces the activity id of conv with a (a card kept current).
func (c *Connector) Update(ctx context.Context, serviceURL, conv, id string, a Activity) error {
	if a.ID == "" {
		a.ID = id
	}
	u, err := conversationURL(serviceURL, conv, "activities", id)
	if err != nil {
		return err
	}
	_, err = c.paced(ctx, serviceURL, conv, request{
		name:       "PUT /v3/conversations/{conv}/activities/{id}",
		method:     http.MethodPut,
		url:        u,
		body:       message(a),
		idempotent: true,
	})
	return err
}

func (c *Connector) post(ctx context.Context, serviceURL, conv, name, u string, a Activity) (string, error) {
	return c.paced(ctx, serviceURL, conv, request{name: name, method: http.MethodPost, url: u, body: message(a)})
}

// message is a with the type of a message when it has none.
func message(a Activity) Activity {
	if a.Type == "" {
		a.Type = "message"
	}
	return a
}

// paced runs r on conv in its turn and within its pace, and returns the id of the
// answer.
func (c *Connector) paced(ctx context.Context, serviceURL, conv string, r request) (string, error) {
	key := conversationKey(serviceURL, conv)
	release, err := c.pace.lanes.Acquire(ctx, key)
	if err != nil {
		return "", fmt.Errorf("msapi: %s: %w", r.name, err)
	}
	defer release()
	r.scope = ConnectorScope
	r.before = func(ctx context.Context, deadline time.Time) error {
		return c.pace.wait(ctx, key, deadline)
	}
	r.held = func(until time.Time) { c.pace.hold(key, until) }
	var out struct {
		ID string `json:"id"`
	}
	if err := c.client.do(ctx, r, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// CreatePersonal creates (or finds: Teams answers with the existing one) the personal
// conversation of the bot botID ("28:<app id>", or the app id) with user (an Entra
// object id or a "29:" id) in tenant, and returns its id. ErrNotInstalled when the
// user has not installed the app.
func (c *Connector) CreatePersonal(ctx context.Context, serviceURL, tenant, botID, user string) (conv string, err error) {
	if !strings.HasPrefix(botID, "28:") {
		botID = "28:" + botID
	}
	body := map[string]any{
		"bot":         Account{ID: botID},
		"members":     []Account{{ID: user}},
		"tenantId":    tenant,
		"channelData": ChannelData{Tenant: &Ref{ID: tenant}},
		"isGroup":     false,
	}
	u, err := conversationURL(serviceURL, "")
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	err = c.client.do(ctx, request{
		name:   "POST /v3/conversations",
		method: http.MethodPost,
		url:    u,
		body:   body,
		scope:  ConnectorScope,
		// Creating it again finds the same conversation.
		idempotent: true,
	}, &out)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusForbidden {
		return "", fmt.Errorf("msapi: personal conversation with %s: %w: %w", user, ErrNotInstalled, e)
	}
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("msapi: personal conversation with %s: the answer holds no id", user)
	}
	return out.ID, nil
}

// Member returns user (a "29:" id or an Entra object id) as a member of conv.
func (c *Connector) Member(ctx context.Context, serviceURL, conv, user string) (Account, error) {
	u, err := conversationURL(serviceURL, conv, "members", user)
	if err != nil {
		return Account{}, err
	}
	var out Account
	err = c.client.do(ctx, request{
		name:       "GET /v3/conversations/{conv}/members/{id}",
		method:     http.MethodGet,
		url:        u,
		scope:      ConnectorScope,
		idempotent: true,
	}, &out)
	return out, err
}

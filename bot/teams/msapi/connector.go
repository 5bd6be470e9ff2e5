package msapi

import (
	"context"
	"errors"
	"fmt"
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

// NewConnector returns a Connector whose calls carry tokens of ConnectorScope.
func NewConnector(tokens *Tokens, hc *http.Client, clock mim.Clock) *Connector {
	c := newClient(hc, tokens, clock)
	return &Connector{client: c, pace: newPace(c.clock)}
}

// conversationURL is {serviceURL}/v3/conversations/{conv}, with or without a trailing
// slash on serviceURL, conv escaped as one path segment (a thread's
// ";messageid=..." stays in it).
func conversationURL(serviceURL, conv string) string {
	u := strings.TrimRight(serviceURL, "/") + "/v3/conversations"
	if conv != "" {
		u += "/" + url.PathEscape(conv)
	}
	return u
}

// Send posts a as a new message in conv (in a channel, a new thread) and returns its
// id.
func (c *Connector) Send(ctx context.Context, serviceURL, conv string, a Activity) (id string, err error) {
	return c.post(ctx, serviceURL, conv, "POST /v3/conversations/{conv}/activities",
		conversationURL(serviceURL, conv)+"/activities", a)
}

// Reply posts a in reply to the activity replyTo (in a channel, in its thread) and
// returns its id.
func (c *Connector) Reply(ctx context.Context, serviceURL, conv, replyTo string, a Activity) (id string, err error) {
	if a.ReplyToID == "" {
		a.ReplyToID = replyTo
	}
	return c.post(ctx, serviceURL, conv, "POST /v3/conversations/{conv}/activities/{id}",
		conversationURL(serviceURL, conv)+"/activities/"+url.PathEscape(replyTo), a)
}

// Update replaces the activity id of conv with a (a card kept current).
func (c *Connector) Update(ctx context.Context, serviceURL, conv, id string, a Activity) error {
	if a.ID == "" {
		a.ID = id
	}
	_, err := c.paced(ctx, serviceURL, conv, request{
		name:       "PUT /v3/conversations/{conv}/activities/{id}",
		method:     http.MethodPut,
		url:        conversationURL(serviceURL, conv) + "/activities/" + url.PathEscape(id),
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
		return c.pace.wait(ctx, key, r.name, deadline)
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
	var out struct {
		ID string `json:"id"`
	}
	err = c.client.do(ctx, request{
		name:   "POST /v3/conversations",
		method: http.MethodPost,
		url:    conversationURL(serviceURL, ""),
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
	var out Account
	err := c.client.do(ctx, request{
		name:       "GET /v3/conversations/{conv}/members/{id}",
		method:     http.MethodGet,
		url:        conversationURL(serviceURL, conv) + "/members/" + url.PathEscape(user),
		scope:      ConnectorScope,
		idempotent: true,
	}, &out)
	return out, err
}

package msapi

import (
	"context"
	"net/http"

	"mimbot/mim"
)

// Connector is the Bot Framework Connector: per-conversation order and pacing (7/1 s,
// 60/30 s), 429/503 Retry-After honoured.
type Connector struct {
	tokens *Tokens
	hc     *http.Client
	clock  mim.Clock
}

// NewConnector returns a Connector.
func NewConnector(tokens *Tokens, hc *http.Client, clock mim.Clock) *Connector {
	return &Connector{tokens: tokens, hc: hc, clock: clock}
}

// Send posts a new message in conv and returns its id.
func (c *Connector) Send(ctx context.Context, serviceURL, conv string, a Activity) (id string, err error) {
	return "", errNotImplemented
}

// Reply posts a in the thread of replyTo.
func (c *Connector) Reply(ctx context.Context, serviceURL, conv, replyTo string, a Activity) (id string, err error) {
	return "", errNotImplemented
}

// Update replaces the activity id.
func (c *Connector) Update(ctx context.Context, serviceURL, conv, id string, a Activity) error {
	return errNotImplemented
}

// CreatePersonal creates the personal conversation of the bot with user.
func (c *Connector) CreatePersonal(ctx context.Context, serviceURL, tenant, botID, user string) (conv string, err error) {
	return "", errNotImplemented
}

// Member returns user as a member of conv.
func (c *Connector) Member(ctx context.Context, serviceURL, conv, user string) (Account, error) {
	return Account{}, errNotImplemented
}

package msapi

import (
	"context"
	"errors"
	"net/http"

	"mimbot/mim"
)

// Scopes of the tokens.
const (
	ConnectorScope = "https://api.botframework.com/.default"
	GraphScope     = "https://graph.microsoft.com/.default"
)

// DefaultLoginURL is Entra ID's token service.
const DefaultLoginURL = "https://login.microsoftonline.com"

var errNotImplemented = errors.New("msapi: not implemented")

// Tokens gets access tokens with the client credentials grant, cached per scope until
// 5 minutes before they expire; one fetch at a time per scope.
type Tokens struct {
	loginURL, tenant, appID, password string
	hc                                *http.Client
	clock                             mim.Clock
}

// NewTokens returns the tokens of app appID in tenant.
func NewTokens(loginURL, tenant, appID, password string, hc *http.Client, clock mim.Clock) *Tokens {
	return &Tokens{loginURL: loginURL, tenant: tenant, appID: appID, password: password, hc: hc, clock: clock}
}

// Token returns an access token for scope.
func (t *Tokens) Token(ctx context.Context, scope string) (string, error) {
	return "", errNotImplemented
}

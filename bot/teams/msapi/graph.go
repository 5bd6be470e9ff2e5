package msapi

import (
	"context"
	"net/http"
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

// Graph is Microsoft Graph for one team: 429/503 Retry-After honoured.
type Graph struct {
	url, team string
	tokens    *Tokens
	hc        *http.Client
	clock     mim.Clock
}

// NewGraph returns the Graph client of team.
func NewGraph(graphURL, team string, tokens *Tokens, hc *http.Client, clock mim.Clock) *Graph {
	return &Graph{url: graphURL, team: team, tokens: tokens, hc: hc, clock: clock}
}

// CreateChannel creates a standard channel; ErrNameTaken when the name is used.
func (g *Graph) CreateChannel(ctx context.Context, name, description string) (Channel, error) {
	return Channel{}, errNotImplemented
}

// ChannelByName returns the channel named name; an ENOTFOUND error when none.
func (g *Graph) ChannelByName(ctx context.Context, name string) (Channel, error) {
	return Channel{}, errNotImplemented
}

// Channels lists the team's channels.
func (g *Graph) Channels(ctx context.Context) ([]Channel, error) {
	return nil, errNotImplemented
}

// RenameChannel renames channel id.
func (g *Graph) RenameChannel(ctx context.Context, id, name string) error {
	return errNotImplemented
}

// CreateMeeting creates an online meeting organised by organizer.
func (g *Graph) CreateMeeting(ctx context.Context, organizer, subject string, start, end time.Time) (joinURL string, err error) {
	return "", errNotImplemented
}

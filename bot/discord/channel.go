package discord

import (
	"context"
	"net/http"
)

// Channel types, and how many channels a category may hold.
const (
	channelText           = 0
	channelVoice          = 2
	channelCategory       = 4
	maxChannelsInCategory = 50
)

// channel is a guild channel as the adapter reads it.
type channel struct {
	ID         string      `json:"id"`
	Type       int         `json:"type"`
	Name       string      `json:"name"`
	Topic      string      `json:"topic"`
	ParentID   string      `json:"parent_id"`
	Overwrites []overwrite `json:"permission_overwrites"`
}

// channel reads one channel.
func (a *Adapter) channel(ctx context.Context, id string) (channel, error) {
	var ch channel
	err := a.rest.do(ctx, call{method: http.MethodGet, path: "/channels/" + id, route: "GET /channels/{channel}", major: id, idempotent: true}, &ch)
	return ch, err
}

// guildChannels lists the guild's channels.
func (a *Adapter) guildChannels(ctx context.Context) ([]channel, error) {
	var out []channel
	err := a.rest.do(ctx, call{
		method: http.MethodGet, path: "/guilds/" + a.cfg.GuildID + "/channels", route: "GET /guilds/{guild}/channels",
		major: a.cfg.GuildID, idempotent: true,
	}, &out)
	return out, err
}

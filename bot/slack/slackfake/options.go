package slackfake

import (
	"io"
	"log/slog"
	"time"
)

// Options configures a Server. The zero value is usable: every field has a
// default, listed next to it.
type Options struct {
	// TeamID is the workspace id. Default "T0001".
	TeamID string
	// TeamName is the workspace name. Default "Fake Workspace".
	TeamName string
	// TeamDomain is the workspace domain. Default "fake".
	TeamDomain string
	// AppID is the Slack app id. Default "A0001".
	AppID string

	// BotToken is the bot token (xoxb-...) accepted by every Web API method
	// except apps.connections.open. Default "xoxb-0001-fake-bot-token".
	BotToken string
	// AppToken is the app-level token (xapp-...) accepted by
	// apps.connections.open and nothing else. Default "xapp-1-A0001-fake-app-token".
	AppToken string
	// VerificationToken is the deprecated verification token that Slack puts in
	// the "token" field of slash command, interaction and event payloads.
	// Default "fake-verification-token".
	VerificationToken string

	// BotUserID is the bot user's id. Default "U0BOT0001".
	BotUserID string
	// BotUserName is the bot user's name. Default "bot".
	BotUserName string
	// BotID is the bot id (B...) stamped on messages the bot posts. Default "B0001".
	BotID string

	// Users are seeded into the workspace in addition to the bot user.
	Users []UserSeed
	// Channels are seeded into the workspace. A #general channel holding every
	// seeded user (not the bot) is created unless one of these is named "general".
	Channels []ChannelSeed

	// RateLimitScale multiplies every rate limit's sustained rate (calls per
	// minute) so that tests finish quickly: with 60, Tier 1 allows one call per
	// second instead of one per minute. Burst sizes are not scaled. Values <= 0
	// mean 1 (Slack's real limits).
	RateLimitScale float64
	// RateLimits overrides the limit of individual methods, keyed by method
	// name. A RateLimit with PerMinute 0 disables limiting for that method.
	RateLimits map[string]RateLimit

	// InFlightGrace, when positive, forgives calls that arrive within it after
	// a 429 was answered: a client running calls of one method side by side
	// had them on the wire before it could read the 429. Zero counts every
	// call inside a Retry-After as an early retry.
	InFlightGrace time.Duration

	// Clock returns the current time. Rate limits, trigger-id expiry,
	// message timestamps and ack latencies all read it. Default time.Now.
	Clock func() time.Time
	// Logger receives debug logs. Default: discard.
	Logger *slog.Logger

	// PingInterval is how often the fake sends a WebSocket ping on each Socket
	// Mode connection. slack-go's socketmode client reconnects when it sees no
	// ping for 30 s by default. Default 10 s.
	PingInterval time.Duration
}

// UserSeed describes a workspace member created by New.
type UserSeed struct {
	ID       string // default: generated U... id
	Name     string // handle, e.g. "alice"
	RealName string
	Email    string
	IsAdmin  bool
	IsBot    bool
	Deleted  bool
}

// ChannelSeed describes a channel created by New or SeedChannel. Seeding
// bypasses rate limits but not the channel-name rules.
type ChannelSeed struct {
	ID        string // default: generated C... id
	Name      string
	IsPrivate bool
	Topic     string
	Purpose   string
	// Members are user ids placed in the channel. Include the bot user id, or
	// set BotIsMember, to let the bot post there.
	Members     []string
	BotIsMember bool
}

func (o Options) withDefaults() Options {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.TeamID, "T0001")
	def(&o.TeamName, "Fake Workspace")
	def(&o.TeamDomain, "fake")
	def(&o.AppID, "A0001")
	def(&o.BotToken, "xoxb-0001-fake-bot-token")
	def(&o.AppToken, "xapp-1-A0001-fake-app-token")
	def(&o.VerificationToken, "fake-verification-token")
	def(&o.BotUserID, "U0BOT0001")
	def(&o.BotUserName, "bot")
	def(&o.BotID, "B0001")
	if o.RateLimitScale <= 0 {
		o.RateLimitScale = 1
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 10 * time.Second
	}
	return o
}

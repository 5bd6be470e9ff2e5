package discordfake

import (
	"crypto/ed25519"
	"time"
)

// Options configure a Server. The zero value is usable: every field has a
// default.
type Options struct {
	// ApplicationID is the application (and bot user) id. Default
	// "1200000000000000001".
	ApplicationID string
	// GuildID is the one guild the bot is in. Default "1200000000000000002".
	GuildID string
	// GuildName is the guild's name. Default "Fake Guild".
	GuildName string
	// BotToken is the token the bot must present as "Authorization: Bot
	// <token>" and in its gateway Identify. Default "fake-bot-token".
	BotToken string
	// BotUsername is the bot user's name. Default "mimbot".
	BotUsername string
	// BotPermissions are the bot's guild-level permissions before channel
	// overwrites. Default DefaultBotPermissions (no Administrator, so
	// overwrites that deny the bot apply).
	BotPermissions uint64
	// BotRoleID, if set, is the bot's managed role: role overwrites with this
	// id apply to the bot.
	BotRoleID string
	// Users are the guild members besides the bot. Default: one user
	// {ID: "1200000000000000010", Username: "alice"}.
	Users []User
	// Channels are seeded guild channels, stored as given (names are not
	// normalised). Empty ids are generated. Type defaults to text (0).
	Channels []Channel
	// Clock is the time source for message timestamps, snowflakes, the
	// 3-second interaction deadline, the 15-minute interaction token
	// lifetime and the nonce window. Default time.Now. Rate limits always use
	// real time (see RateLimitScale).
	Clock func() time.Time
	// RateLimitScale multiplies every rate-limit window (0 means 1). With
	// 0.1, "5 per 5 s" becomes "5 per 500 ms".
	RateLimitScale float64
	// RouteLimits overrides entries of DefaultRouteLimits by bucket name.
	RouteLimits map[string]RouteLimit
	// GlobalLimit is the per-bot global allowance. Default 50 per second.
	GlobalLimit RouteLimit
	// PrivateKey signs outgoing HTTP interactions. Generated when nil.
	PrivateKey ed25519.PrivateKey
	// HeartbeatInterval is sent in the gateway Hello. Default 41.25 s.
	HeartbeatInterval time.Duration
	// AllowedPrivilegedIntents are the privileged gateway intents enabled
	// for the application in the developer portal (GUILD_MEMBERS 1<<1,
	// GUILD_PRESENCES 1<<8, MESSAGE_CONTENT 1<<15). Identifying with a
	// privileged intent not listed here closes the gateway with 4014.
	AllowedPrivilegedIntents int
	// MaxFollowUps bounds follow-up messages per interaction (0: no bound).
	MaxFollowUps int
}

// Defaults for Options.
const (
	DefaultApplicationID     = "1200000000000000001"
	DefaultGuildID           = "1200000000000000002"
	DefaultBotToken          = "fake-bot-token"
	DefaultHeartbeatInterval = 41250 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if o.ApplicationID == "" {
		o.ApplicationID = DefaultApplicationID
	}
	if o.GuildID == "" {
		o.GuildID = DefaultGuildID
	}
	if o.GuildName == "" {
		o.GuildName = "Fake Guild"
	}
	if o.BotToken == "" {
		o.BotToken = DefaultBotToken
	}
	if o.BotUsername == "" {
		o.BotUsername = "mimbot"
	}
	if o.BotPermissions == 0 {
		o.BotPermissions = DefaultBotPermissions
	}
	if len(o.Users) == 0 {
		o.Users = []User{{ID: "1200000000000000010", Username: "alice"}}
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.RateLimitScale <= 0 {
		o.RateLimitScale = 1
	}
	if o.GlobalLimit.Limit <= 0 || o.GlobalLimit.Window <= 0 {
		o.GlobalLimit = RouteLimit{Limit: 50, Window: time.Second}
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	return o
}

package teamsfake

import (
	"crypto/rsa"
	"time"
)

// Options configures a Server. The zero value is usable: every field has a
// default, listed next to it.
type Options struct {
	// AppID is the bot's Microsoft App ID (the client id of its Entra app).
	// Default "00000000-0000-4000-8000-00000000b075".
	AppID string
	// AppPassword is the client secret the token endpoint accepts.
	// Default "fake-app-password".
	AppPassword string
	// TenantID is the Entra tenant. Default "00000000-0000-4000-8000-000000007e17".
	TenantID string
	// TeamID is the team's Graph id, also sent as channelData.team.id.
	// Default "00000000-0000-4000-8000-0000000007ea".
	TeamID string

	// Clock returns the current time: token lifetimes, JWT claims, pacing
	// windows, Retry-After and timestamps all read it. Default time.Now.
	Clock func() time.Time

	// Users are the people in the team (and the tenant).
	Users []User
	// Conversations are extra conversation ids that exist besides the team's
	// channels and the personal ones, e.g. a stakeholders group chat
	// ("19:...@thread.v2"). Every user is a member of them.
	Conversations []string

	// SigningKey is the first key that signs activities to the bot. Default:
	// a fresh 2048-bit RSA key. A suite that starts many servers may
	// generate one and share it, as key generation is the slow part of New.
	SigningKey *rsa.PrivateKey

	// RateLimitScale divides the length of every pacing window: the message
	// counts stay (7 per 1 s, 60 per 30 s per conversation; 30 channel
	// creations per 60 s per team) and the windows become 1 s/scale, 30 s/scale
	// and 60 s/scale. 0 or 1 are Teams' real limits; 0.1 makes the windows ten
	// times longer (ten times stricter), 10 ten times shorter.
	RateLimitScale float64
}

// User is a person in the team.
type User struct {
	// ID is the Bot Framework user id, "29:...". Default: derived from AADObjectID.
	ID string
	// AADObjectID is the user's Entra object id; Graph and the adapter key on it.
	AADObjectID string
	Name        string
	// UPN is the user principal name, e.g. "alice@contoso.example".
	UPN string
	// AppInstalled is true when the bot is installed in the user's personal
	// scope: only then may the bot open a 1:1 conversation with them.
	AppInstalled bool
}

func (o Options) withDefaults() Options {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.AppID, "00000000-0000-4000-8000-00000000b075")
	def(&o.AppPassword, "fake-app-password")
	def(&o.TenantID, "00000000-0000-4000-8000-000000007e17")
	def(&o.TeamID, "00000000-0000-4000-8000-0000000007ea")
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.RateLimitScale <= 0 {
		o.RateLimitScale = 1
	}
	users := make([]User, len(o.Users))
	for i, u := range o.Users {
		if u.ID == "" {
			u.ID = "29:1" + u.AADObjectID
		}
		users[i] = u
	}
	o.Users = users
	return o
}

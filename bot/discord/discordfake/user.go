package discordfake

import "time"

// User is a guild member the fake knows about.
type User struct {
	ID       string
	Username string
	// GlobalName is the display name; null on the wire when empty.
	GlobalName string
	Bot        bool
	// Roles are role ids; role overwrites with these ids apply to the user.
	Roles []string
	// Permissions are the member's guild permissions, sent in interactions
	// (after channel overwrites). Default DefaultMemberPermissions.
	Permissions uint64
	// DMsDisabled makes messages to this user's DM channel fail with 50007,
	// as when a user has closed DMs from server members.
	DMsDisabled bool
}

func (u User) clone() User {
	u.Roles = append([]string(nil), u.Roles...)
	return u
}

// userJSON renders a user object.
func userJSON(u User) map[string]any {
	var global any
	if u.GlobalName != "" {
		global = u.GlobalName
	}
	return map[string]any{
		"id":            u.ID,
		"username":      u.Username,
		"discriminator": "0",
		"global_name":   global,
		"avatar":        nil,
		"bot":           u.Bot,
		"public_flags":  0,
		"flags":         0,
	}
}

// memberJSON renders a guild member object for u.
func memberJSON(u User, perms uint64, joined time.Time) map[string]any {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{
		"user":                         userJSON(u),
		"roles":                        roles,
		"joined_at":                    joined.UTC().Format(time.RFC3339Nano),
		"nick":                         nil,
		"avatar":                       nil,
		"deaf":                         false,
		"mute":                         false,
		"flags":                        0,
		"pending":                      false,
		"premium_since":                nil,
		"communication_disabled_until": nil,
		"permissions":                  formatUint(perms),
	}
}

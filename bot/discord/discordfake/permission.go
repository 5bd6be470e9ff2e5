package discordfake

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Permission bits (https://discord.com/developers/docs/topics/permissions).
const (
	PermCreateInstantInvite    uint64 = 1 << 0
	PermAdministrator          uint64 = 1 << 3
	PermManageChannels         uint64 = 1 << 4
	PermAddReactions           uint64 = 1 << 6
	PermViewChannel            uint64 = 1 << 10
	PermSendMessages           uint64 = 1 << 11
	PermManageMessages         uint64 = 1 << 13
	PermEmbedLinks             uint64 = 1 << 14
	PermAttachFiles            uint64 = 1 << 15
	PermReadMessageHistory     uint64 = 1 << 16
	PermMentionEveryone        uint64 = 1 << 17
	PermConnect                uint64 = 1 << 20
	PermManageRoles            uint64 = 1 << 28
	PermUseApplicationCommands uint64 = 1 << 31
	PermPinMessages            uint64 = 1 << 51
)

// DefaultBotPermissions is what a typical chat-ops bot is invited with: it can
// manage channels and roles (overwrites) but is not an Administrator.
const DefaultBotPermissions = PermViewChannel | PermSendMessages | PermManageChannels |
	PermManageRoles | PermManageMessages | PermEmbedLinks | PermAttachFiles |
	PermReadMessageHistory | PermAddReactions | PermUseApplicationCommands |
	PermPinMessages | PermConnect

// DefaultMemberPermissions is what an ordinary member has.
const DefaultMemberPermissions = PermViewChannel | PermSendMessages | PermEmbedLinks |
	PermAttachFiles | PermReadMessageHistory | PermAddReactions |
	PermUseApplicationCommands | PermConnect | PermCreateInstantInvite

// allPermissions is every bit Discord currently defines (up to 1<<51).
const allPermissions uint64 = 1<<52 - 1

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }

// PermissionOverwrite is a channel permission overwrite. Type 0 is a role
// (the guild id is the @everyone role), 1 a member.
type PermissionOverwrite struct {
	ID    string
	Type  int
	Allow uint64
	Deny  uint64
}

func overwriteJSON(o PermissionOverwrite) map[string]any {
	return map[string]any{
		"id":    o.ID,
		"type":  o.Type,
		"allow": formatUint(o.Allow),
		"deny":  formatUint(o.Deny),
	}
}

// overwriteIn is an overwrite as a client sends it: allow/deny may be numbers
// or strings of digits, type may be 0/1 or "role"/"member".
type overwriteIn struct {
	ID    *string         `json:"id"`
	Type  json.RawMessage `json:"type"`
	Allow json.RawMessage `json:"allow"`
	Deny  json.RawMessage `json:"deny"`
}

// parseOverwrites validates overwrites and records errors under path.
func parseOverwrites(in []overwriteIn, path string, f *formErrors) []PermissionOverwrite {
	if len(in) > 100 {
		f.maxLength(path, 100)
		return nil
	}
	out := make([]PermissionOverwrite, 0, len(in))
	for i, o := range in {
		p := path + "." + strconv.Itoa(i)
		var ow PermissionOverwrite
		if o.ID == nil || !isSnowflake(*o.ID) {
			f.add(p+".id", "NUMBER_TYPE_COERCE", "Value is not snowflake.")
			continue
		}
		ow.ID = *o.ID
		t := strings.Trim(string(o.Type), `"`)
		switch t {
		case "0", "role":
			ow.Type = 0
		case "1", "member":
			ow.Type = 1
		default:
			f.choices(p+".type", "(0, 1)")
			continue
		}
		var ok bool
		if ow.Allow, ok = parsePermissionValue(o.Allow); !ok {
			f.add(p+".allow", "NUMBER_TYPE_COERCE", "Value is not a valid permission bitfield.")
			continue
		}
		if ow.Deny, ok = parsePermissionValue(o.Deny); !ok {
			f.add(p+".deny", "NUMBER_TYPE_COERCE", "Value is not a valid permission bitfield.")
			continue
		}
		out = append(out, ow)
	}
	return out
}

// parsePermissionValue accepts a JSON number, a string of digits or null.
func parsePermissionValue(raw json.RawMessage) (uint64, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, true
	}
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v&^allPermissions != 0 {
		return 0, false
	}
	return v, true
}

// effectivePermissions applies a channel's overwrites to base permissions
// for a member with the given id and roles, in Discord's order: @everyone,
// then roles (deny, then allow), then the member.
func effectivePermissions(base uint64, guildID, memberID string, roles []string, overwrites []PermissionOverwrite) uint64 {
	if base&PermAdministrator != 0 {
		return allPermissions
	}
	perms := base
	for _, o := range overwrites {
		if o.Type == 0 && o.ID == guildID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	var roleAllow, roleDeny uint64
	for _, o := range overwrites {
		if o.Type != 0 || o.ID == guildID {
			continue
		}
		for _, r := range roles {
			if r == o.ID {
				roleAllow |= o.Allow
				roleDeny |= o.Deny
			}
		}
	}
	perms = perms&^roleDeny | roleAllow
	for _, o := range overwrites {
		if o.Type == 1 && o.ID == memberID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	if perms&PermViewChannel == 0 {
		return 0
	}
	return perms
}

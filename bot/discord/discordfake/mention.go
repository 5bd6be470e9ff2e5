package discordfake

import (
	"encoding/json"
	"strconv"
	"strings"
)

// allowedMentions is a validated allowed_mentions object.
type allowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users"`
	Roles       []string `json:"roles"`
	RepliedUser *bool    `json:"replied_user"`
}

func (a *allowedMentions) parses(kind string) bool {
	for _, p := range a.Parse {
		if p == kind {
			return true
		}
	}
	return false
}

// parseAllowedMentions validates allowed_mentions, including Discord's rule
// that parse:["users"] and an explicit users list are mutually exclusive.
func parseAllowedMentions(raw json.RawMessage, f *formErrors) *allowedMentions {
	var a allowedMentions
	if err := json.Unmarshal(raw, &a); err != nil {
		f.add("allowed_mentions", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
		return nil
	}
	for i, p := range a.Parse {
		if p != "users" && p != "roles" && p != "everyone" {
			f.choices("allowed_mentions.parse."+strconv.Itoa(i), "('roles', 'users', 'everyone')")
		}
	}
	if a.parses("users") && len(a.Users) > 0 {
		f.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
			`parse:["users"] and users: [ids...] are mutually exclusive.`)
	}
	if a.parses("roles") && len(a.Roles) > 0 {
		f.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
			`parse:["roles"] and roles: [ids...] are mutually exclusive.`)
	}
	if len(a.Users) > 100 {
		f.maxLength("allowed_mentions.users", 100)
	}
	if len(a.Roles) > 100 {
		f.maxLength("allowed_mentions.roles", 100)
	}
	return &a
}

// scanMentions finds <@id>, <@!id> and <@&id> tokens in content.
func scanMentions(content string) (users, roles []string) {
	for {
		i := strings.Index(content, "<@")
		if i < 0 {
			return users, roles
		}
		content = content[i+2:]
		role := false
		switch {
		case strings.HasPrefix(content, "&"):
			role = true
			content = content[1:]
		case strings.HasPrefix(content, "!"):
			content = content[1:]
		}
		end := strings.IndexByte(content, '>')
		if end < 0 {
			return users, roles
		}
		if id := content[:end]; isSnowflake(id) {
			if role {
				roles = append(roles, id)
			} else {
				users = append(users, id)
			}
		}
		content = content[end+1:]
	}
}

// resolveMentions decides which mentions in content notify, applying
// allowed_mentions (nil means Discord's default: parse everything) and the
// MENTION_EVERYONE permission. Only known users are returned. Caller holds
// s.mu.
func (s *Server) resolveMentions(content string, am *allowedMentions, canEveryone bool) (users, roles []string, everyone bool) {
	userIDs, roleIDs := scanMentions(content)
	seen := map[string]bool{}
	for _, id := range userIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, known := s.users[id]; !known && id != s.botUser.ID {
			continue
		}
		if am == nil || am.parses("users") || contains(am.Users, id) {
			users = append(users, id)
		}
	}
	for _, id := range roleIDs {
		if am == nil || am.parses("roles") || contains(am.Roles, id) {
			roles = append(roles, id)
		}
	}
	hasEveryone := strings.Contains(content, "@everyone") || strings.Contains(content, "@here")
	everyone = hasEveryone && canEveryone && (am == nil || am.parses("everyone"))
	return users, roles, everyone
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

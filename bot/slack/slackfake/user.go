package slackfake

import (
	"fmt"
	"strings"
)

// User is a snapshot of a workspace member.
type User struct {
	ID       string
	Name     string
	RealName string
	Email    string
	IsAdmin  bool
	IsBot    bool
	Deleted  bool
}

type user struct {
	id, name, realName, email string
	isAdmin, isBot, deleted   bool
}

func (u *user) snapshot() User {
	return User{ID: u.id, Name: u.name, RealName: u.realName, Email: u.email, IsAdmin: u.isAdmin, IsBot: u.isBot, Deleted: u.deleted}
}

func (s *Server) addUserLocked(u *user) {
	s.users[u.id] = u
	s.userOrder = append(s.userOrder, u.id)
}

func (s *Server) addUserSeedLocked(seed UserSeed) (User, error) {
	if seed.ID == "" {
		seed.ID = s.nextIDLocked("U")
	}
	if _, dup := s.users[seed.ID]; dup {
		return User{}, fmt.Errorf("user %s already exists", seed.ID)
	}
	if seed.Name == "" {
		seed.Name = strings.ToLower(seed.ID)
	}
	if seed.RealName == "" {
		seed.RealName = seed.Name
	}
	u := &user{id: seed.ID, name: seed.Name, realName: seed.RealName, email: seed.Email,
		isAdmin: seed.IsAdmin, isBot: seed.IsBot, deleted: seed.Deleted}
	s.addUserLocked(u)
	return u.snapshot(), nil
}

// AddUser adds a workspace member after New. It is not added to any channel.
func (s *Server) AddUser(seed UserSeed) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserSeedLocked(seed)
}

// Users returns every member, the bot user first.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.userOrder))
	for _, id := range s.userOrder {
		out = append(out, s.users[id].snapshot())
	}
	return out
}

func (s *Server) userJSON(u *user) obj {
	profile := obj{
		"real_name":               u.realName,
		"real_name_normalized":    u.realName,
		"display_name":            u.name,
		"display_name_normalized": u.name,
		"avatar_hash":             "g000000000",
		"image_24":                "https://a.slack-edge.com/fake_24.png",
		"image_32":                "https://a.slack-edge.com/fake_32.png",
		"image_48":                "https://a.slack-edge.com/fake_48.png",
		"image_72":                "https://a.slack-edge.com/fake_72.png",
		"image_192":               "https://a.slack-edge.com/fake_192.png",
		"image_512":               "https://a.slack-edge.com/fake_512.png",
		"team":                    s.opts.TeamID,
	}
	if u.email != "" {
		profile["email"] = u.email
	}
	if u.isBot && u.id == s.opts.BotUserID {
		profile["bot_id"] = s.opts.BotID
		profile["api_app_id"] = s.opts.AppID
	}
	return obj{
		"id":                  u.id,
		"team_id":             s.opts.TeamID,
		"name":                u.name,
		"deleted":             u.deleted,
		"color":               "9f69e7",
		"real_name":           u.realName,
		"tz":                  "Etc/UTC",
		"tz_label":            "Coordinated Universal Time",
		"tz_offset":           0,
		"profile":             profile,
		"is_admin":            u.isAdmin,
		"is_owner":            false,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.isBot,
		"is_app_user":         false,
		"is_email_confirmed":  u.email != "",
		"updated":             s.now().Unix(),
	}
}

// apiUsersInfo implements users.info.
func (s *Server) apiUsersInfo(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[c.p.get("user")]
	if u == nil {
		return fail("user_not_found")
	}
	return ok(obj{"user": s.userJSON(u)})
}

// apiUsersLookupByEmail implements users.lookupByEmail (case-insensitive, as Slack).
func (s *Server) apiUsersLookupByEmail(c *apiCall) obj {
	email := strings.TrimSpace(c.p.get("email"))
	if email == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.userOrder {
		if u := s.users[id]; u.email != "" && strings.EqualFold(u.email, email) {
			return ok(obj{"user": s.userJSON(u)})
		}
	}
	return fail("users_not_found")
}

package slackfake

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is a snapshot of a conversation: public or private channel, DM (IM)
// or group DM (MPIM).
type Channel struct {
	ID         string
	Name       string // empty for DMs
	IsPrivate  bool
	IsIM       bool
	IsMPIM     bool
	IsArchived bool
	IsGeneral  bool
	Creator    string
	Created    time.Time
	Topic      string
	Purpose    string
	Members    []string
	IMUser     string // the other party of a DM
}

type channel struct {
	id, name                string
	private, im, mpim       bool
	archived, general       bool
	creator                 string
	created                 time.Time
	topic, topicBy, purpose string
	topicAt                 time.Time
	members                 []string
	imUser                  string
	messages                []*message // channel order, oldest first, thread replies included
	byTS                    map[string]*message
	ephemerals              []*message
	pins                    []*pin
	bookmarks               []*bookmark
}

const (
	maxChannelName = 80
	maxTopic       = 250
)

func (c *channel) isMember(uid string) bool { return slices.Contains(c.members, uid) }

func (c *channel) addMember(uid string) bool {
	if c.isMember(uid) {
		return false
	}
	c.members = append(c.members, uid)
	return true
}

func (c *channel) snapshot() Channel {
	return Channel{ID: c.id, Name: c.name, IsPrivate: c.private, IsIM: c.im, IsMPIM: c.mpim,
		IsArchived: c.archived, IsGeneral: c.general, Creator: c.creator, Created: c.created,
		Topic: c.topic, Purpose: c.purpose, Members: slices.Clone(c.members), IMUser: c.imUser}
}

// validateChannelName applies Slack's conversations.create naming rules and
// returns the error code, or "".
func validateChannelName(name string) string {
	switch {
	case name == "":
		return "invalid_name_required"
	case utf8.RuneCountInString(name) > maxChannelName:
		return "invalid_name_maxlength"
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "invalid_name_specials"
		}
	}
	if strings.Trim(name, "-_") == "" {
		return "invalid_name_punctuation"
	}
	return ""
}

func (s *Server) newChannelLocked(name string, private bool, creator string) *channel {
	c := &channel{id: s.nextIDLocked("C"), name: name, private: private, creator: creator,
		created: s.now(), byTS: map[string]*message{}}
	if creator != "" {
		c.members = []string{creator}
	}
	s.channels[c.id] = c
	s.channelOrder = append(s.channelOrder, c.id)
	return c
}

func (s *Server) channelByNameLocked(name string) *channel {
	for _, id := range s.channelOrder {
		if c := s.channels[id]; !c.im && !c.mpim && c.name == name {
			return c
		}
	}
	return nil
}

// visibleLocked returns the conversation id refers to if the bot can see it:
// any public channel, and private channels, DMs and group DMs it belongs to.
func (s *Server) visibleLocked(id string) *channel {
	c := s.channels[id]
	if c == nil {
		return nil
	}
	if (c.private || c.im || c.mpim) && !c.isMember(s.opts.BotUserID) {
		return nil
	}
	return c
}

func (s *Server) seedChannelLocked(seed ChannelSeed) (Channel, error) {
	if code := validateChannelName(seed.Name); code != "" {
		return Channel{}, fmt.Errorf("channel seed %q: %s", seed.Name, code)
	}
	if s.channelByNameLocked(seed.Name) != nil {
		return Channel{}, fmt.Errorf("channel seed %q: name_taken", seed.Name)
	}
	if seed.ID != "" {
		if _, dup := s.channels[seed.ID]; dup {
			return Channel{}, fmt.Errorf("channel seed %q: id %s already used", seed.Name, seed.ID)
		}
	}
	for _, m := range seed.Members {
		if s.users[m] == nil {
			return Channel{}, fmt.Errorf("channel seed %q: unknown member %s", seed.Name, m)
		}
	}
	c := s.newChannelLocked(seed.Name, seed.IsPrivate, "")
	if seed.ID != "" {
		delete(s.channels, c.id)
		c.id = seed.ID
		s.channels[c.id] = c
		s.channelOrder[len(s.channelOrder)-1] = c.id
	}
	c.general = seed.Name == "general"
	c.topic, c.purpose = seed.Topic, seed.Purpose
	for _, m := range seed.Members {
		c.addMember(m)
	}
	if seed.BotIsMember {
		c.addMember(s.opts.BotUserID)
	}
	return c.snapshot(), nil
}

// SeedChannel creates a channel outside the Web API (no rate limit, no
// system messages). The name rules and uniqueness still apply.
func (s *Server) SeedChannel(seed ChannelSeed) (Channel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seedChannelLocked(seed)
}

// AddMember puts a user (for example BotUserID()) in a conversation outside
// the Web API, e.g. to let the bot post in a seeded channel.
func (s *Server) AddMember(channelID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return errString("channel_not_found")
	}
	if s.users[userID] == nil {
		return errString("user_not_found")
	}
	c.addMember(userID)
	return nil
}

// Channels returns every conversation, in creation order.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.channelOrder))
	for _, id := range s.channelOrder {
		out = append(out, s.channels[id].snapshot())
	}
	return out
}

// Channel returns the conversation with the given id.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[id]
	if c == nil {
		return Channel{}, false
	}
	return c.snapshot(), true
}

// ChannelByName returns the channel with the given name (without "#").
func (s *Server) ChannelByName(name string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channelByNameLocked(strings.TrimPrefix(name, "#"))
	if c == nil {
		return Channel{}, false
	}
	return c.snapshot(), true
}

func (s *Server) channelJSON(c *channel) obj {
	if c.im {
		return obj{"id": c.id, "created": c.created.Unix(), "is_im": true, "is_org_shared": false,
			"context_team_id": s.opts.TeamID, "user": c.imUser, "is_user_deleted": false,
			"priority": 0, "is_open": true}
	}
	textObj := func(v, by string, at time.Time) obj {
		o := obj{"value": v, "creator": by, "last_set": int64(0)}
		if v != "" {
			o["last_set"] = at.Unix()
		}
		return o
	}
	return obj{
		"id": c.id, "name": c.name, "name_normalized": c.name, "created": c.created.Unix(),
		"creator": c.creator, "is_channel": !c.mpim, "is_group": false, "is_im": false,
		"is_mpim": c.mpim, "is_private": c.private || c.mpim, "is_archived": c.archived,
		"is_general": c.general, "is_shared": false, "is_org_shared": false, "is_ext_shared": false,
		"is_pending_ext_shared": false, "unlinked": 0, "context_team_id": s.opts.TeamID,
		"is_member": c.isMember(s.opts.BotUserID), "num_members": len(c.members),
		"topic": textObj(c.topic, c.topicBy, c.topicAt), "purpose": textObj(c.purpose, c.creator, c.created),
		"previous_names": []string{},
	}
}

// systemMessageLocked appends a channel_join / channel_topic / channel_archive
// message, as Slack does.
func (s *Server) systemMessageLocked(c *channel, subtype, userID, text string) {
	m := &message{ts: s.nextTSLocked(), user: userID, subtype: subtype, text: text}
	c.messages = append(c.messages, m)
	c.byTS[m.ts] = m
}

// apiConversationsCreate implements conversations.create.
func (s *Server) apiConversationsCreate(c *apiCall) obj {
	name := c.p.get("name")
	if code := validateChannelName(name); code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channelByNameLocked(name) != nil {
		return fail("name_taken")
	}
	ch := s.newChannelLocked(name, c.p.bool("is_private"), s.opts.BotUserID)
	s.systemMessageLocked(ch, "channel_join", s.opts.BotUserID, "<@"+s.opts.BotUserID+"> has joined the channel")
	return ok(obj{"channel": s.channelJSON(ch)})
}

// apiConversationsInvite implements conversations.invite. Without force=true
// a single bad user fails the whole call and nobody is invited.
func (s *Server) apiConversationsInvite(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	switch {
	case ch == nil:
		return fail("channel_not_found")
	case ch.im || ch.mpim:
		return fail("method_not_supported_for_channel_type")
	case ch.archived:
		return fail("is_archived")
	case !ch.isMember(s.opts.BotUserID):
		return fail("not_in_channel")
	}
	var ids []string
	for _, u := range strings.Split(c.p.get("users"), ",") {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(ids, u) {
			ids = append(ids, u)
		}
	}
	switch {
	case len(ids) == 0:
		return fail("no_user")
	case len(ids) > 1000:
		return fail("too_many_users")
	}
	var errs []obj
	var good []string
	for _, id := range ids {
		code := ""
		u := s.users[id]
		switch {
		case id == s.opts.BotUserID:
			code = "cant_invite_self"
		case u == nil:
			code = "user_not_found"
		case u.deleted:
			code = "cant_invite"
		case ch.isMember(id):
			code = "already_in_channel"
		}
		if code != "" {
			errs = append(errs, obj{"user": id, "ok": false, "error": code})
			continue
		}
		good = append(good, id)
	}
	force := c.p.bool("force")
	if len(errs) > 0 && !force {
		o := fail(errs[0]["error"].(string))
		o["errors"] = errs
		return o
	}
	for _, id := range good {
		ch.addMember(id)
		s.systemMessageLocked(ch, "channel_join", id, "<@"+id+"> has joined the channel")
	}
	o := ok(obj{"channel": s.channelJSON(ch)})
	if len(errs) > 0 {
		o["errors"] = errs
	}
	return o
}

// apiConversationsSetTopic implements conversations.setTopic.
func (s *Server) apiConversationsSetTopic(c *apiCall) obj {
	topic := c.p.get("topic")
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	switch {
	case ch == nil:
		return fail("channel_not_found")
	case ch.im:
		return fail("method_not_supported_for_channel_type")
	case ch.archived:
		return fail("is_archived")
	case !ch.isMember(s.opts.BotUserID):
		return fail("not_in_channel")
	case utf8.RuneCountInString(topic) > maxTopic:
		return fail("too_long")
	}
	ch.topic, ch.topicBy, ch.topicAt = topic, s.opts.BotUserID, s.now()
	s.systemMessageLocked(ch, "channel_topic", s.opts.BotUserID, "set the channel topic: "+topic)
	return ok(obj{"channel": s.channelJSON(ch)})
}

// apiConversationsInfo implements conversations.info.
func (s *Server) apiConversationsInfo(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	return ok(obj{"channel": s.channelJSON(ch)})
}

// apiConversationsArchive implements conversations.archive.
func (s *Server) apiConversationsArchive(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	switch {
	case ch == nil:
		return fail("channel_not_found")
	case ch.im || ch.mpim:
		return fail("method_not_supported_for_channel_type")
	case ch.general:
		return fail("cant_archive_general")
	case ch.archived:
		return fail("already_archived")
	}
	ch.archived = true
	s.systemMessageLocked(ch, "channel_archive", s.opts.BotUserID, "archived the channel")
	return ok(nil)
}

// apiConversationsMembers implements conversations.members with cursor paging.
func (s *Server) apiConversationsMembers(c *apiCall) obj {
	limit, offset, code := pageArgs(c.p, 100, 1000)
	if code != "" {
		return fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	if offset > len(ch.members) {
		return fail("invalid_cursor")
	}
	end := min(offset+limit, len(ch.members))
	next := ""
	if end < len(ch.members) {
		next = encodeCursor(end)
	}
	return ok(obj{"members": slices.Clone(ch.members[offset:end]),
		"response_metadata": obj{"next_cursor": next}})
}

// apiConversationsList implements conversations.list: public channels by default
// (types=public_channel,private_channel for both; private ones only when the bot is
// a member), creation order, cursor paging, exclude_archived honoured.
func (s *Server) apiConversationsList(c *apiCall) obj {
	limit, offset, code := pageArgs(c.p, 100, 1000)
	if code != "" {
		return fail(code)
	}
	types := c.p.get("types")
	if types == "" {
		types = "public_channel"
	}
	want := map[string]bool{}
	for _, t := range strings.Split(types, ",") {
		switch t = strings.TrimSpace(t); t {
		case "public_channel", "private_channel", "im", "mpim":
			want[t] = true
		default:
			return fail("invalid_types")
		}
	}
	noArchived := c.p.get("exclude_archived") == "true" || c.p.get("exclude_archived") == "1"
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []obj
	for _, id := range s.channelOrder {
		ch := s.channels[id]
		kind := "public_channel"
		switch {
		case ch.im:
			kind = "im"
		case ch.mpim:
			kind = "mpim"
		case ch.private:
			kind = "private_channel"
		}
		if !want[kind] || noArchived && ch.archived || kind != "public_channel" && !ch.isMember(s.opts.BotUserID) {
			continue
		}
		list = append(list, s.channelJSON(ch))
	}
	if offset > len(list) {
		return fail("invalid_cursor")
	}
	end := min(offset+limit, len(list))
	next := ""
	if end < len(list) {
		next = encodeCursor(end)
	}
	page := list[offset:end]
	if page == nil {
		page = []obj{}
	}
	return ok(obj{"channels": page, "response_metadata": obj{"next_cursor": next}})
}

// pageArgs reads limit and cursor. Cursors are opaque base64 offsets.
func pageArgs(p params, def, maxLimit int) (limit, offset int, code string) {
	limit = def
	if v := p.get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxLimit {
			return 0, 0, "invalid_limit"
		}
		if n > 0 {
			limit = n
		}
	}
	if cur := p.get("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "offset:") || n < 0 {
			return 0, 0, "invalid_cursor"
		}
		offset = n
	}
	return limit, offset, ""
}

func encodeCursor(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

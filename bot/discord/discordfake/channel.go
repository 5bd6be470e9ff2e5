package discordfake

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channel types the fake models.
const (
	ChannelText     = 0
	ChannelDM       = 1
	ChannelVoice    = 2
	ChannelCategory = 4
)

// Limits Discord enforces on guild channels.
const (
	maxGuildChannels    = 500
	maxCategoryChildren = 50
	maxTopicLength      = 1024
)

// Channel is a guild or DM channel.
type Channel struct {
	ID                   string
	GuildID              string
	Type                 int
	Name                 string
	Topic                string
	ParentID             string
	Position             int
	NSFW                 bool
	RateLimitPerUser     int
	Bitrate              int
	UserLimit            int
	PermissionOverwrites []PermissionOverwrite
	// RecipientIDs are a DM channel's other users.
	RecipientIDs  []string
	LastMessageID string
	LastPinAt     time.Time
	CreatedAt     time.Time
}

func (c Channel) clone() Channel {
	c.PermissionOverwrites = append([]PermissionOverwrite(nil), c.PermissionOverwrites...)
	c.RecipientIDs = append([]string(nil), c.RecipientIDs...)
	return c
}

// Channels returns the guild's channels ordered by position, then id.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.guildChannels() {
		out = append(out, c.clone())
	}
	return out
}

// Channel returns a guild or DM channel by id.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return c.clone(), true
}

// ChannelByName returns the first guild channel (by position) with this
// exact name. Discord allows duplicate names.
func (s *Server) ChannelByName(name string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.guildChannels() {
		if c.Name == name {
			return c.clone(), true
		}
	}
	return Channel{}, false
}

// guildChannels lists guild channels sorted by position. Caller holds s.mu.
func (s *Server) guildChannels() []*Channel {
	var out []*Channel
	for _, id := range s.channelOrder {
		if c := s.channels[id]; c != nil && c.Type != ChannelDM {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	return out
}

// botPerms are the bot's permissions in c. Caller holds s.mu.
func (s *Server) botPerms(c *Channel) uint64 {
	if c.Type == ChannelDM {
		return PermViewChannel | PermSendMessages | PermReadMessageHistory | PermEmbedLinks |
			PermAttachFiles | PermAddReactions | PermPinMessages
	}
	return effectivePermissions(s.opts.BotPermissions, s.opts.GuildID, s.botUser.ID, s.botUser.Roles, c.PermissionOverwrites)
}

// memberPerms are a user's permissions in c. Caller holds s.mu.
func (s *Server) memberPerms(u User, c *Channel) uint64 {
	base := u.Permissions
	if base == 0 {
		base = DefaultMemberPermissions
	}
	if c == nil || c.Type == ChannelDM {
		return base
	}
	return effectivePermissions(base, s.opts.GuildID, u.ID, u.Roles, c.PermissionOverwrites)
}

// visibleChannel looks a channel up for the bot: 10003 if it does not exist,
// 50001 if the bot cannot view it. Caller holds s.mu.
func (s *Server) visibleChannel(id string) (*Channel, *reply) {
	c, ok := s.channels[id]
	if !ok {
		r := unknownChannel()
		return nil, &r
	}
	if s.botPerms(c)&PermViewChannel == 0 {
		r := missingAccess()
		return nil, &r
	}
	return c, nil
}

func (s *Server) checkGuild(id string) *reply {
	if id != s.opts.GuildID {
		r := errReply(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
		return &r
	}
	return nil
}

// channelJSON renders c. Caller holds s.mu.
func (s *Server) channelJSON(c *Channel) map[string]any {
	var lastMsg any
	if c.LastMessageID != "" {
		lastMsg = c.LastMessageID
	}
	var lastPin any
	if !c.LastPinAt.IsZero() {
		lastPin = c.LastPinAt.UTC().Format(time.RFC3339Nano)
	}
	if c.Type == ChannelDM {
		recipients := []any{}
		for _, id := range c.RecipientIDs {
			if u, ok := s.users[id]; ok {
				recipients = append(recipients, userJSON(u))
			}
		}
		return map[string]any{
			"id": c.ID, "type": c.Type, "last_message_id": lastMsg, "flags": 0,
			"recipients": recipients, "last_pin_timestamp": lastPin,
		}
	}
	overwrites := []any{}
	for _, o := range c.PermissionOverwrites {
		overwrites = append(overwrites, overwriteJSON(o))
	}
	var parent any
	if c.ParentID != "" {
		parent = c.ParentID
	}
	m := map[string]any{
		"id": c.ID, "type": c.Type, "guild_id": c.GuildID, "name": c.Name,
		"position": c.Position, "flags": 0, "parent_id": parent,
		"permission_overwrites": overwrites, "nsfw": c.NSFW,
	}
	switch c.Type {
	case ChannelText:
		var topic any
		if c.Topic != "" {
			topic = c.Topic
		}
		m["topic"] = topic
		m["last_message_id"] = lastMsg
		m["rate_limit_per_user"] = c.RateLimitPerUser
		m["last_pin_timestamp"] = lastPin
	case ChannelVoice:
		m["bitrate"] = c.Bitrate
		m["user_limit"] = c.UserLimit
		m["rtc_region"] = nil
		m["last_message_id"] = lastMsg
		m["rate_limit_per_user"] = c.RateLimitPerUser
	}
	return m
}

// normalizeTextChannelName lowercases and turns runs of whitespace into one
// dash, as Discord does for text channel names.
func normalizeTextChannelName(name string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(name) {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte('-')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// channelIn is a create or modify channel body.
type channelIn struct {
	Name                 *string         `json:"name"`
	Type                 *int            `json:"type"`
	Topic                json.RawMessage `json:"topic"`
	ParentID             json.RawMessage `json:"parent_id"`
	Position             *int            `json:"position"`
	NSFW                 *bool           `json:"nsfw"`
	Bitrate              *int            `json:"bitrate"`
	UserLimit            *int            `json:"user_limit"`
	RateLimitPerUser     *int            `json:"rate_limit_per_user"`
	PermissionOverwrites *[]overwriteIn  `json:"permission_overwrites"`
	LockPermissions      *bool           `json:"lock_permissions"`
}

// optString reads a nullable string: present reports whether the key was
// sent, ok whether it was a string or null.
func optString(raw json.RawMessage) (val string, present, ok bool) {
	if raw == nil {
		return "", false, true
	}
	if string(raw) == "null" {
		return "", true, true
	}
	if err := json.Unmarshal(raw, &val); err != nil {
		return "", true, false
	}
	return val, true, true
}

// channelChange is a validated channelIn.
type channelChange struct {
	name, topic           string
	nameSet, topicSet     bool
	parent                string
	parentSet             bool
	overwrites            []PermissionOverwrite
	overwritesSet         bool
	position, bitrate     *int
	userLimit, slowmode   *int
	nsfw, lockPermissions *bool
}

// validateChannel checks in for a channel of type typ; self is the channel
// being modified (nil on create). Caller holds s.mu.
func (s *Server) validateChannel(in *channelIn, typ int, self *Channel, f *formErrors) channelChange {
	var ch channelChange
	if in.Name != nil {
		n := utf8.RuneCountInString(*in.Name)
		switch {
		case n < 1 || n > 100:
			f.badLength("name", 1, 100)
		case typ == ChannelText && normalizeTextChannelName(*in.Name) == "":
			f.add("name", "CHANNEL_NAME_INVALID", "Channel name is invalid")
		default:
			ch.name, ch.nameSet = strings.TrimSpace(*in.Name), true
			if typ == ChannelText {
				ch.name = normalizeTextChannelName(*in.Name)
			}
		}
	} else if self == nil {
		f.required("name")
	}
	if topic, present, ok := optString(in.Topic); !ok {
		f.add("topic", "BASE_TYPE_STRING", "Must be a string.")
	} else if present && typ == ChannelText {
		if utf8.RuneCountInString(topic) > maxTopicLength {
			f.maxLength("topic", maxTopicLength)
		}
		ch.topic, ch.topicSet = topic, true
	}
	if parent, present, ok := optString(in.ParentID); !ok {
		f.add("parent_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.")
	} else if present {
		ch.parent, ch.parentSet = parent, true
		if parent != "" {
			p, exists := s.channels[parent]
			switch {
			case typ == ChannelCategory:
				f.add("parent_id", "CHANNEL_PARENT_INVALID_TYPE", "Categories cannot have subcategories")
			case !exists || p.GuildID != s.opts.GuildID:
				f.add("parent_id", "CHANNEL_PARENT_INVALID", "Unknown category")
			case p.Type != ChannelCategory:
				f.add("parent_id", "CHANNEL_PARENT_INVALID_TYPE", "Not a category")
			case (self == nil || self.ParentID != parent) && s.childCount(parent) >= maxCategoryChildren:
				f.add("parent_id", "CHANNEL_PARENT_MAX_CHANNELS", "Maximum number of channels in category reached (50)")
			}
		}
	}
	intRange := func(path string, v *int, min, max int) {
		if v != nil && (*v < min || *v > max) {
			f.add(path, "NUMBER_TYPE_MAX", "Must be between "+strconv.Itoa(min)+" and "+strconv.Itoa(max)+".")
		}
	}
	intRange("position", in.Position, 0, 1<<31-1)
	if typ == ChannelVoice {
		if in.Bitrate != nil && *in.Bitrate != 0 {
			intRange("bitrate", in.Bitrate, 8000, 96000)
		}
		intRange("user_limit", in.UserLimit, 0, 99)
		ch.bitrate, ch.userLimit = in.Bitrate, in.UserLimit
	}
	intRange("rate_limit_per_user", in.RateLimitPerUser, 0, 21600)
	ch.position, ch.slowmode, ch.nsfw, ch.lockPermissions = in.Position, in.RateLimitPerUser, in.NSFW, in.LockPermissions
	if in.PermissionOverwrites != nil {
		ch.overwrites = parseOverwrites(*in.PermissionOverwrites, "permission_overwrites", f)
		ch.overwritesSet = true
	}
	return ch
}

// childCount counts channels in a category. Caller holds s.mu.
func (s *Server) childCount(categoryID string) int {
	n := 0
	for _, c := range s.channels {
		if c.ParentID == categoryID {
			n++
		}
	}
	return n
}

func (s *Server) listGuildChannels(q *request) reply {
	if r := s.checkGuild(q.param("guild_id")); r != nil {
		return *r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, c := range s.guildChannels() {
		out = append(out, s.channelJSON(c))
	}
	return jsonReply(http.StatusOK, out)
}

func (s *Server) createGuildChannel(q *request) reply {
	if r := s.checkGuild(q.param("guild_id")); r != nil {
		return *r
	}
	var in channelIn
	if r := decodeJSON(q.body, &in); r != nil {
		return *r
	}
	typ := ChannelText
	if in.Type != nil {
		typ = *in.Type
	}
	s.mu.Lock()
	var f formErrors
	if typ != ChannelText && typ != ChannelVoice && typ != ChannelCategory {
		// Announcement, stage and forum channels need a Community guild.
		f.choices("type", "(0, 2, 4)")
	}
	ch := s.validateChannel(&in, typ, nil, &f)
	if !f.empty() {
		s.mu.Unlock()
		return f.reply()
	}
	if s.opts.BotPermissions&(PermManageChannels|PermAdministrator) == 0 ||
		(len(ch.overwrites) > 0 && s.opts.BotPermissions&(PermManageRoles|PermAdministrator) == 0) {
		s.mu.Unlock()
		return missingPermissions()
	}
	if len(s.guildChannels()) >= maxGuildChannels {
		s.mu.Unlock()
		return errReply(http.StatusBadRequest, CodeMaxGuildChannels, "Maximum number of guild channels reached (500)")
	}
	c := &Channel{
		ID: s.ids.next(), GuildID: s.opts.GuildID, Type: typ, Name: ch.name, Topic: ch.topic,
		ParentID: ch.parent, PermissionOverwrites: ch.overwrites, CreatedAt: q.now,
	}
	if ch.nsfw != nil {
		c.NSFW = *ch.nsfw
	}
	if ch.slowmode != nil {
		c.RateLimitPerUser = *ch.slowmode
	}
	if typ == ChannelVoice {
		c.Bitrate, c.UserLimit = 64000, 0
		if ch.bitrate != nil && *ch.bitrate != 0 {
			c.Bitrate = *ch.bitrate
		}
		if ch.userLimit != nil {
			c.UserLimit = *ch.userLimit
		}
	}
	if ch.position != nil {
		c.Position = *ch.position
	} else {
		for _, other := range s.guildChannels() {
			if other.Position >= c.Position {
				c.Position = other.Position + 1
			}
		}
	}
	// A channel created in a category without overwrites is synced to it.
	if !ch.overwritesSet && c.ParentID != "" {
		c.PermissionOverwrites = append([]PermissionOverwrite(nil), s.channels[c.ParentID].PermissionOverwrites...)
	}
	if c.PermissionOverwrites == nil {
		c.PermissionOverwrites = []PermissionOverwrite{}
	}
	s.channels[c.ID] = c
	s.channelOrder = append(s.channelOrder, c.ID)
	out := s.channelJSON(c)
	s.mu.Unlock()
	s.gw.broadcast(s.opts.GuildID, IntentGuilds, "CHANNEL_CREATE", out)
	return jsonReply(http.StatusCreated, out)
}

func (s *Server) getChannel(q *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		return *r
	}
	return jsonReply(http.StatusOK, s.channelJSON(c))
}

func (s *Server) modifyChannel(q *request) reply {
	var in channelIn
	if r := decodeJSON(q.body, &in); r != nil {
		return *r
	}
	s.mu.Lock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	if c.Type == ChannelDM {
		s.mu.Unlock()
		return errReply(http.StatusBadRequest, 50003, "Cannot execute action on a DM channel")
	}
	var f formErrors
	if in.Type != nil && *in.Type != c.Type {
		f.add("type", "CHANNEL_TYPE_INVALID", "Cannot convert this channel type")
	}
	ch := s.validateChannel(&in, c.Type, c, &f)
	if !f.empty() {
		s.mu.Unlock()
		return f.reply()
	}
	perms := s.botPerms(c)
	if perms&PermManageChannels == 0 || (ch.overwritesSet && perms&PermManageRoles == 0) {
		s.mu.Unlock()
		return missingPermissions()
	}
	if (ch.nameSet && ch.name != c.Name) || (ch.topicSet && ch.topic != c.Topic) {
		// Discord's documented sub-limit: 2 renames/topic changes per
		// 10 minutes per channel.
		dec := s.limiter.admit(BucketChannelNameTopic, c.ID, true, time.Now())
		if !dec.allowed {
			s.mu.Unlock()
			rep := jsonReply(http.StatusTooManyRequests, dec.body())
			rep.limit = &dec
			return rep
		}
	}
	if ch.nameSet {
		c.Name = ch.name
	}
	if ch.topicSet {
		c.Topic = ch.topic
	}
	if ch.parentSet {
		c.ParentID = ch.parent
		if ch.lockPermissions != nil && *ch.lockPermissions && c.ParentID != "" {
			c.PermissionOverwrites = append([]PermissionOverwrite{}, s.channels[c.ParentID].PermissionOverwrites...)
		}
	}
	if ch.overwritesSet {
		c.PermissionOverwrites = ch.overwrites
	}
	if ch.position != nil {
		c.Position = *ch.position
	}
	if ch.nsfw != nil {
		c.NSFW = *ch.nsfw
	}
	if ch.slowmode != nil {
		c.RateLimitPerUser = *ch.slowmode
	}
	if ch.bitrate != nil && *ch.bitrate != 0 {
		c.Bitrate = *ch.bitrate
	}
	if ch.userLimit != nil {
		c.UserLimit = *ch.userLimit
	}
	out := s.channelJSON(c)
	s.mu.Unlock()
	s.gw.broadcast(s.opts.GuildID, IntentGuilds, "CHANNEL_UPDATE", out)
	return jsonReply(http.StatusOK, out)
}

func (s *Server) deleteChannel(q *request) reply {
	s.mu.Lock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	if c.Type == ChannelDM {
		// Closing a DM keeps it; Discord reopens the same channel.
		out := s.channelJSON(c)
		s.mu.Unlock()
		return jsonReply(http.StatusOK, out)
	}
	if s.botPerms(c)&PermManageChannels == 0 {
		s.mu.Unlock()
		return missingPermissions()
	}
	out := s.channelJSON(c)
	delete(s.channels, c.ID)
	for i, id := range s.channelOrder {
		if id == c.ID {
			s.channelOrder = append(s.channelOrder[:i], s.channelOrder[i+1:]...)
			break
		}
	}
	for _, m := range s.messages[c.ID] {
		delete(s.messageByID, m.ID)
	}
	delete(s.messages, c.ID)
	var orphans []any
	for _, child := range s.channels {
		if child.ParentID == c.ID {
			child.ParentID = ""
			orphans = append(orphans, s.channelJSON(child))
		}
	}
	s.mu.Unlock()
	s.gw.broadcast(s.opts.GuildID, IntentGuilds, "CHANNEL_DELETE", out)
	for _, o := range orphans {
		s.gw.broadcast(s.opts.GuildID, IntentGuilds, "CHANNEL_UPDATE", o)
	}
	return jsonReply(http.StatusOK, out)
}

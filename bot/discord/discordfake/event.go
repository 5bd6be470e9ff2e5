package discordfake

func (g *gateway) liveSessions() []*gwSession {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*gwSession(nil), g.sessions...)
}

// broadcast dispatches an event to every valid session of the guild's shard
// that asked for intent (0: no intent needed). Sessions that are
// disconnected but resumable buffer it for replay, as on Discord.
func (g *gateway) broadcast(guildID string, intent int, t string, d any) {
	for _, sess := range g.liveSessions() {
		sess.mu.Lock()
		if !sess.invalid && (intent == 0 || sess.intents&intent != 0) && sess.covers(guildID) {
			g.dispatch(sess, t, d)
		}
		sess.mu.Unlock()
	}
}

// messageEvent is a message-related dispatch, prepared under s.mu.
type messageEvent struct {
	guildID string
	dm      bool
	// gated: content fields need the MESSAGE_CONTENT intent.
	gated   bool
	skip    bool
	payload map[string]any
}

// messageEvent renders m for the gateway. Caller holds s.mu.
func (s *Server) messageEvent(m *Message) messageEvent {
	if m.Ephemeral() {
		return messageEvent{skip: true}
	}
	p := s.messageJSON(m)
	c := s.channels[m.ChannelID]
	dm := c != nil && c.Type == ChannelDM
	if !dm {
		p["guild_id"] = m.GuildID
		if u, ok := s.users[m.AuthorID]; ok && m.WebhookID == "" {
			member := memberJSON(u, s.memberPerms(u, c), s.createdAt)
			delete(member, "user")
			p["member"] = member
		}
	}
	gated := m.AuthorID != s.botUser.ID && !dm && !contains(m.Mentions, s.botUser.ID)
	return messageEvent{guildID: m.GuildID, dm: dm, gated: gated, payload: p}
}

// dispatchMessage sends a message event, honouring GUILD_MESSAGES /
// DIRECT_MESSAGES and blanking content for sessions without MESSAGE_CONTENT.
func (g *gateway) dispatchMessage(t string, ev messageEvent) {
	if ev.skip {
		return
	}
	intent := IntentGuildMessages
	switch {
	case ev.dm:
		intent = IntentDirectMessages
	case t == "CHANNEL_PINS_UPDATE":
		intent = IntentGuilds
	}
	var blank map[string]any
	if ev.gated {
		blank = map[string]any{}
		for k, v := range ev.payload {
			blank[k] = v
		}
		blank["content"] = ""
		blank["embeds"], blank["attachments"], blank["components"] = []any{}, []any{}, []any{}
		delete(blank, "poll")
	}
	for _, sess := range g.liveSessions() {
		sess.mu.Lock()
		if !sess.invalid && sess.intents&intent != 0 && sess.covers(ev.guildID) {
			if blank != nil && sess.intents&IntentMessageContent == 0 {
				g.dispatch(sess, t, blank)
			} else {
				g.dispatch(sess, t, ev.payload)
			}
		}
		sess.mu.Unlock()
	}
}

// guildJSON renders the GUILD_CREATE payload. Caller holds s.mu.
func (s *Server) guildJSON() map[string]any {
	channels := []any{}
	for _, c := range s.guildChannels() {
		channels = append(channels, s.channelJSON(c))
	}
	roles := []any{map[string]any{
		"id": s.opts.GuildID, "name": "@everyone", "permissions": formatUint(DefaultMemberPermissions),
		"position": 0, "color": 0, "hoist": false, "managed": false, "mentionable": false, "flags": 0,
	}}
	if s.opts.BotRoleID != "" {
		roles = append(roles, map[string]any{
			"id": s.opts.BotRoleID, "name": s.botUser.Username, "permissions": formatUint(s.opts.BotPermissions),
			"position": 1, "color": 0, "hoist": false, "managed": true, "mentionable": false, "flags": 0,
		})
	}
	owner := s.opts.Users[0].ID
	return map[string]any{
		"id": s.opts.GuildID, "name": s.opts.GuildName, "icon": nil, "owner_id": owner,
		"roles": roles, "channels": channels, "threads": []any{},
		"members":      []any{memberJSON(s.botUser, s.opts.BotPermissions, s.createdAt)},
		"member_count": len(s.users) + 1, "joined_at": discordTime(s.createdAt),
		"large": false, "unavailable": false, "voice_states": []any{}, "presences": []any{},
		"features": []any{}, "emojis": []any{}, "stickers": []any{}, "stage_instances": []any{},
		"guild_scheduled_events": []any{}, "soundboard_sounds": []any{},
		"preferred_locale": "en-US", "verification_level": 0, "system_channel_id": nil,
		"application_id": nil, "afk_channel_id": nil, "afk_timeout": 300,
	}
}

package discordfake

import (
	"net/http"
	"sort"
)

// maxPins is Discord's per-channel pin limit.
const maxPins = 50

// Pins returns a channel's pinned messages, most recently pinned first.
func (s *Server) Pins(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.pinned(channelID) {
		out = append(out, m.clone())
	}
	return out
}

// pinned lists pinned messages, most recently pinned first. Caller holds
// s.mu.
func (s *Server) pinned(channelID string) []*Message {
	var out []*Message
	for _, m := range s.messages[channelID] {
		if m.Pinned {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PinnedAt.After(out[j].PinnedAt) })
	return out
}

// pinTarget resolves the channel and message of a pin request and checks the
// bot may pin there. Caller holds s.mu.
func (s *Server) pinTarget(q *request) (*Channel, *Message, *reply) {
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		return nil, nil, r
	}
	m, ok := s.messageByID[q.param("message_id")]
	if !ok || m.ChannelID != c.ID || m.Ephemeral() {
		r := unknownMessage()
		return nil, nil, &r
	}
	if s.botPerms(c)&(PermPinMessages|PermManageMessages) == 0 {
		r := missingPermissions()
		return nil, nil, &r
	}
	return c, m, nil
}

func (s *Server) pinMessage(q *request) reply {
	s.mu.Lock()
	c, m, r := s.pinTarget(q)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	if m.Pinned {
		s.mu.Unlock()
		return noContent()
	}
	if len(s.pinned(c.ID)) >= maxPins {
		s.mu.Unlock()
		return errReply(http.StatusBadRequest, CodeMaxPins, "Maximum number of pins reached (50)")
	}
	m.Pinned, m.PinnedAt = true, q.now
	c.LastPinAt = q.now
	// Discord posts a "pinned a message" system message.
	sys := &Message{
		ID: s.ids.next(), ChannelID: c.ID, GuildID: m.GuildID, AuthorID: s.botUser.ID,
		Type: MessageChannelPinned, Timestamp: q.now, ReferencedMessageID: m.ID,
	}
	s.storeMessage(sys)
	update, created := s.messageEvent(m), s.messageEvent(sys)
	pins := map[string]any{"channel_id": c.ID, "guild_id": nilIfEmpty(m.GuildID), "last_pin_timestamp": discordTime(q.now)}
	dm := c.Type == ChannelDM
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_UPDATE", update)
	s.gw.dispatchMessage("MESSAGE_CREATE", created)
	s.gw.dispatchMessage("CHANNEL_PINS_UPDATE", messageEvent{guildID: m.GuildID, dm: dm, payload: pins})
	return noContent()
}

func (s *Server) unpinMessage(q *request) reply {
	s.mu.Lock()
	c, m, r := s.pinTarget(q)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	if !m.Pinned {
		s.mu.Unlock()
		return unknownMessage()
	}
	m.Pinned, m.PinnedAt = false, q.now
	update := s.messageEvent(m)
	dm := c.Type == ChannelDM
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_UPDATE", update)
	s.gw.dispatchMessage("CHANNEL_PINS_UPDATE", messageEvent{guildID: m.GuildID, dm: dm,
		payload: map[string]any{"channel_id": c.ID, "guild_id": nilIfEmpty(m.GuildID)}})
	return noContent()
}

// listPinsDeprecated serves GET /channels/{id}/pins: an array of messages.
func (s *Server) listPinsDeprecated(q *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		return *r
	}
	out := []any{}
	for _, m := range s.pinned(c.ID) {
		out = append(out, s.messageJSON(m))
	}
	return jsonReply(http.StatusOK, out)
}

// listPins serves GET /channels/{id}/messages/pins: {items, has_more}.
func (s *Server) listPins(q *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		return *r
	}
	items := []any{}
	for _, m := range s.pinned(c.ID) {
		items = append(items, map[string]any{"pinned_at": discordTime(m.PinnedAt), "message": s.messageJSON(m)})
	}
	return jsonReply(http.StatusOK, map[string]any{"items": items, "has_more": false})
}

package discordfake

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// UserMessage is a message a (non-bot) user posts, for DispatchMessage.
type UserMessage struct {
	ChannelID string
	// AuthorID defaults to the first seeded user.
	AuthorID string
	Content  string
	// Embeds is an optional JSON array of embeds.
	Embeds json.RawMessage
	// ReplyTo is the id of a message this one replies to.
	ReplyTo string
}

// DispatchMessage stores a user's message and sends MESSAGE_CREATE to the
// gateway sessions that should see it: GUILD_MESSAGES (or DIRECT_MESSAGES)
// is required, and without MESSAGE_CONTENT the content, embeds, attachments
// and components arrive empty unless the message mentions the bot or is a
// DM. It returns ErrNotConnected (with the stored message) when no session
// is connected.
func (s *Server) DispatchMessage(ctx context.Context, um UserMessage) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	s.mu.Lock()
	if um.AuthorID == "" {
		um.AuthorID = s.opts.Users[0].ID
	}
	u, ok := s.users[um.AuthorID]
	if !ok {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("discordfake: unknown user %q", um.AuthorID)
	}
	c, ok := s.channels[um.ChannelID]
	if !ok || c.Type == ChannelCategory {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("discordfake: unknown or non-text channel %q", um.ChannelID)
	}
	if um.Content == "" && emptyArray(um.Embeds) {
		s.mu.Unlock()
		return Message{}, Error("discordfake: empty message")
	}
	if utf8.RuneCountInString(um.Content) > maxContentLength {
		s.mu.Unlock()
		return Message{}, Error("discordfake: content longer than 2000 characters")
	}
	m := &Message{
		ID: s.ids.next(), ChannelID: c.ID, AuthorID: u.ID, Content: um.Content,
		Embeds: compactJSON(um.Embeds), Timestamp: s.clock(), ReferencedMessageID: um.ReplyTo,
	}
	if emptyArray(um.Embeds) {
		m.Embeds = nil
	}
	if c.Type != ChannelDM {
		m.GuildID = c.GuildID
	}
	if um.ReplyTo != "" {
		m.Type = MessageReply
	}
	m.Mentions, m.MentionRoles, m.MentionEveryone = s.resolveMentions(m.Content, nil, s.memberPerms(u, c)&PermMentionEveryone != 0)
	s.storeMessage(m)
	ev := s.messageEvent(m)
	out := m.clone()
	s.mu.Unlock()
	connected := false
	for _, gs := range s.GatewaySessions() {
		connected = connected || (gs.Connected && !gs.Invalidated)
	}
	s.gw.dispatchMessage("MESSAGE_CREATE", ev)
	if !connected {
		return out, ErrNotConnected
	}
	return out, nil
}

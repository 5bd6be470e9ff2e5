package discordfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message types the fake produces.
const (
	MessageDefault          = 0
	MessageChannelPinned    = 6
	MessageReply            = 19
	MessageChatInputCommand = 20
	MessageContextMenu      = 23
)

// nonceWindow is how long enforce_nonce de-duplicates ("the past few
// minutes" in Discord's docs).
const nonceWindow = 2 * time.Minute

// Message is a stored message.
type Message struct {
	ID        string
	ChannelID string
	GuildID   string
	AuthorID  string
	Type      int
	Content   string
	// Embeds and Components are the JSON arrays as sent ("[]" when none).
	Embeds     json.RawMessage
	Components json.RawMessage
	// AllowedMentions is the allowed_mentions object as sent (nil if not).
	AllowedMentions json.RawMessage
	// Mentions are the known users mentioned in the content that
	// allowed_mentions lets through (Discord's "mentions" array);
	// MentionEveryone is set when @everyone/@here was allowed and the author
	// had MENTION_EVERYONE.
	Mentions        []string
	MentionRoles    []string
	MentionEveryone bool
	Attachments     []Attachment
	Nonce           string
	Flags           int
	TTS             bool
	Pinned          bool
	PinnedAt        time.Time
	// Edits counts successful edits (PATCH, @original edits, type 7
	// updates).
	Edits               int
	Timestamp           time.Time
	EditedAt            time.Time
	WebhookID           string
	InteractionID       string
	ReferencedMessageID string

	nonceJSON json.RawMessage
}

// Ephemeral reports whether only the invoking user can see the message.
func (m Message) Ephemeral() bool { return m.Flags&FlagEphemeral != 0 }

func (m Message) clone() Message {
	m.Mentions = append([]string(nil), m.Mentions...)
	m.MentionRoles = append([]string(nil), m.MentionRoles...)
	m.Attachments = append([]Attachment(nil), m.Attachments...)
	return m
}

type nonceEntry struct {
	messageID string
	at        time.Time
}

// Messages returns every message in a channel, oldest first, including
// ephemeral interaction replies and system messages.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[channelID] {
		out = append(out, m.clone())
	}
	return out
}

// Message returns one message by id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messageByID[id]
	if !ok {
		return Message{}, false
	}
	return m.clone(), true
}

func discordTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}

// author returns the user who wrote m. Caller holds s.mu.
func (s *Server) author(m *Message) User {
	if m.AuthorID == s.botUser.ID {
		return s.botUser
	}
	if u, ok := s.users[m.AuthorID]; ok {
		return u
	}
	return User{ID: m.AuthorID, Username: "unknown"}
}

// messageJSON renders m. Caller holds s.mu.
func (s *Server) messageJSON(m *Message) map[string]any {
	mentions := []any{}
	for _, id := range m.Mentions {
		if id == s.botUser.ID {
			mentions = append(mentions, userJSON(s.botUser))
		} else if u, ok := s.users[id]; ok {
			mentions = append(mentions, userJSON(u))
		}
	}
	attachments := []any{}
	for _, a := range m.Attachments {
		attachments = append(attachments, attachmentJSON(a))
	}
	roles := m.MentionRoles
	if roles == nil {
		roles = []string{}
	}
	var edited any
	if !m.EditedAt.IsZero() {
		edited = discordTime(m.EditedAt)
	}
	out := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "type": m.Type, "content": m.Content,
		"author": userJSON(s.author(m)), "timestamp": discordTime(m.Timestamp),
		"edited_timestamp": edited, "tts": m.TTS, "mention_everyone": m.MentionEveryone,
		"mentions": mentions, "mention_roles": roles, "attachments": attachments,
		"embeds": rawOrEmpty(m.Embeds), "components": rawOrEmpty(m.Components),
		"pinned": m.Pinned, "flags": m.Flags,
	}
	if m.nonceJSON != nil {
		out["nonce"] = m.nonceJSON
	}
	if m.WebhookID != "" {
		out["webhook_id"] = m.WebhookID
		out["application_id"] = s.opts.ApplicationID
	}
	if m.ReferencedMessageID != "" {
		out["message_reference"] = map[string]any{
			"type": 0, "message_id": m.ReferencedMessageID, "channel_id": m.ChannelID,
		}
	}
	if ix := s.interactions[m.InteractionID]; ix != nil {
		out["interaction_metadata"] = map[string]any{
			"id": ix.id, "type": ix.typ, "user": userJSON(s.users[ix.userID]),
			"authorizing_integration_owners": map[string]any{"0": s.opts.GuildID},
		}
	}
	return out
}

func rawOrEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("[]")
	}
	return raw
}

// storeMessage adds m to its channel. Caller holds s.mu.
func (s *Server) storeMessage(m *Message) {
	if m.Embeds == nil {
		m.Embeds = json.RawMessage("[]")
	}
	if m.Components == nil {
		m.Components = json.RawMessage("[]")
	}
	s.messages[m.ChannelID] = append(s.messages[m.ChannelID], m)
	s.messageByID[m.ID] = m
	if c := s.channels[m.ChannelID]; c != nil && !m.Ephemeral() {
		c.LastMessageID = m.ID
	}
}

// isEmptyMessage applies Discord's rule: a message needs content, embeds,
// components, files, stickers or a poll.
func isEmptyMessage(content string, embeds, components json.RawMessage, files, stickers int, poll bool) bool {
	return strings.TrimSpace(content) == "" && emptyArray(embeds) && emptyArray(components) &&
		files == 0 && stickers == 0 && !poll
}

// newMessageFrom builds a message authored by the bot from in. Caller holds
// s.mu.
func (s *Server) newMessageFrom(in *messageInput, channelID string, now time.Time, canEveryone bool) *Message {
	m := &Message{
		ID: s.ids.next(), ChannelID: channelID, AuthorID: s.botUser.ID, Type: MessageDefault,
		Embeds: in.embeds, Components: in.components, AllowedMentions: in.allowedRaw,
		Nonce: in.nonce, nonceJSON: in.nonceRaw, Flags: in.flags, TTS: in.tts,
		Timestamp: now, ReferencedMessageID: in.referenceID,
	}
	if c := s.channels[channelID]; c != nil && c.Type != ChannelDM {
		m.GuildID = c.GuildID
	}
	if in.content != nil {
		m.Content = *in.content
	}
	for _, f := range in.files {
		f.ID = s.ids.next()
		m.Attachments = append(m.Attachments, f)
	}
	if in.referenceID != "" {
		m.Type = MessageReply
	}
	m.Mentions, m.MentionRoles, m.MentionEveryone = s.resolveMentions(m.Content, in.allowed, canEveryone)
	return m
}

func (s *Server) createMessage(q *request) reply {
	payload, files, r := readPayload(q)
	if r != nil {
		return *r
	}
	in, r := parseMessage(payload, files, FlagSuppressEmbeds|FlagSuppressNotifications|FlagComponentsV2)
	if r != nil {
		return *r
	}
	s.mu.Lock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	if c.Type == ChannelCategory {
		s.mu.Unlock()
		return errReply(http.StatusBadRequest, CodeNonTextChannel, "Cannot send messages in a non-text channel")
	}
	content := ""
	if in.content != nil {
		content = *in.content
	}
	if isEmptyMessage(content, in.embeds, in.components, len(in.files), in.stickers, in.poll) {
		s.mu.Unlock()
		return emptyMessage()
	}
	if c.Type == ChannelDM {
		for _, id := range c.RecipientIDs {
			if s.users[id].DMsDisabled {
				s.mu.Unlock()
				return errReply(http.StatusForbidden, CodeCannotMessageUser, "Cannot send messages to this user")
			}
		}
	}
	perms := s.botPerms(c)
	if perms&PermSendMessages == 0 || (len(in.files) > 0 && perms&PermAttachFiles == 0) {
		s.mu.Unlock()
		return missingPermissions()
	}
	if in.referenceID != "" {
		if ref, ok := s.messageByID[in.referenceID]; !ok || ref.ChannelID != c.ID || ref.Ephemeral() {
			s.mu.Unlock()
			var f formErrors
			f.add("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
			return f.reply()
		}
	}
	nonceKey := s.botUser.ID + "|" + in.nonce
	if in.enforceNonce && in.nonce != "" {
		if e, ok := s.nonces[nonceKey]; ok && q.now.Sub(e.at) < nonceWindow {
			if existing, ok := s.messageByID[e.messageID]; ok {
				out := s.messageJSON(existing)
				s.mu.Unlock()
				return jsonReply(http.StatusOK, out)
			}
		}
	}
	m := s.newMessageFrom(in, c.ID, q.now, perms&PermMentionEveryone != 0)
	s.storeMessage(m)
	if in.enforceNonce && in.nonce != "" {
		s.nonces[nonceKey] = nonceEntry{messageID: m.ID, at: q.now}
	}
	out := s.messageJSON(m)
	ev := s.messageEvent(m)
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_CREATE", ev)
	return jsonReply(http.StatusOK, out)
}

// applyEdit applies an edit payload to a copy of m and, if the result is
// not empty, stores it. Caller holds s.mu.
func (s *Server) applyEdit(m *Message, in *messageInput, now time.Time, canEveryone bool) *reply {
	next := m.clone()
	next.nonceJSON = m.nonceJSON
	if in.content != nil {
		next.Content = *in.content
	}
	if in.embedsSet {
		next.Embeds = in.embeds
	}
	if in.componentsSet {
		next.Components = in.components
	}
	if in.allowedRaw != nil {
		next.AllowedMentions = in.allowedRaw
	}
	if in.flagsSet {
		next.Flags = m.Flags&FlagEphemeral | in.flags
	}
	next.Flags &^= FlagLoading
	if in.attachmentsSet {
		var kept []Attachment
		for _, a := range next.Attachments {
			if contains(in.keepAttachments, a.ID) {
				kept = append(kept, a)
			}
		}
		next.Attachments = kept
	}
	for _, f := range in.files {
		f.ID = s.ids.next()
		next.Attachments = append(next.Attachments, f)
	}
	stickers := 0
	if isEmptyMessage(next.Content, next.Embeds, next.Components, len(next.Attachments), stickers, false) {
		r := emptyMessage()
		return &r
	}
	var am *allowedMentions
	if next.AllowedMentions != nil {
		var f formErrors
		am = parseAllowedMentions(next.AllowedMentions, &f)
	}
	next.Mentions, next.MentionRoles, next.MentionEveryone = s.resolveMentions(next.Content, am, canEveryone)
	next.Edits++
	next.EditedAt = now
	*m = next
	return nil
}

func (s *Server) editMessage(q *request) reply {
	payload, files, r := readPayload(q)
	if r != nil {
		return *r
	}
	in, r := parseMessage(payload, files, FlagSuppressEmbeds|FlagComponentsV2)
	if r != nil {
		return *r
	}
	s.mu.Lock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	m, ok := s.messageByID[q.param("message_id")]
	if !ok || m.ChannelID != c.ID || m.Ephemeral() {
		s.mu.Unlock()
		return unknownMessage()
	}
	if m.AuthorID != s.botUser.ID {
		s.mu.Unlock()
		return errReply(http.StatusForbidden, CodeCannotEditOthersMessage, "Cannot edit a message authored by another user")
	}
	if r := s.applyEdit(m, in, q.now, s.botPerms(c)&PermMentionEveryone != 0); r != nil {
		s.mu.Unlock()
		return *r
	}
	out := s.messageJSON(m)
	ev := s.messageEvent(m)
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_UPDATE", ev)
	return jsonReply(http.StatusOK, out)
}

func (s *Server) getMessage(q *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		return *r
	}
	m, ok := s.messageByID[q.param("message_id")]
	if !ok || m.ChannelID != c.ID || m.Ephemeral() || s.botPerms(c)&PermReadMessageHistory == 0 {
		return unknownMessage()
	}
	return jsonReply(http.StatusOK, s.messageJSON(m))
}

func (s *Server) deleteMessage(q *request) reply {
	s.mu.Lock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	m, ok := s.messageByID[q.param("message_id")]
	if !ok || m.ChannelID != c.ID || m.Ephemeral() {
		s.mu.Unlock()
		return unknownMessage()
	}
	if m.AuthorID != s.botUser.ID && s.botPerms(c)&PermManageMessages == 0 {
		s.mu.Unlock()
		return missingPermissions()
	}
	s.removeMessage(m)
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_DELETE", messageEvent{
		guildID: m.GuildID, dm: c.Type == ChannelDM,
		payload: map[string]any{"id": m.ID, "channel_id": m.ChannelID, "guild_id": nilIfEmpty(m.GuildID)},
	})
	return noContent()
}

// removeMessage deletes m. Caller holds s.mu.
func (s *Server) removeMessage(m *Message) {
	delete(s.messageByID, m.ID)
	list := s.messages[m.ChannelID]
	for i, x := range list {
		if x == m {
			s.messages[m.ChannelID] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) listMessages(q *request) reply {
	limit := 50
	if v := q.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			var f formErrors
			f.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
			return f.reply()
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, r := s.visibleChannel(q.param("channel_id"))
	if r != nil {
		return *r
	}
	if s.botPerms(c)&PermReadMessageHistory == 0 {
		return jsonReply(http.StatusOK, []any{})
	}
	var visible []*Message
	for _, m := range s.messages[c.ID] {
		if !m.Ephemeral() {
			visible = append(visible, m)
		}
	}
	before, after, around := q.query.Get("before"), q.query.Get("after"), q.query.Get("around")
	idLess := func(a, b string) bool {
		x, _ := strconv.ParseUint(a, 10, 64)
		y, _ := strconv.ParseUint(b, 10, 64)
		return x < y
	}
	var picked []*Message
	switch {
	case around != "":
		idx := len(visible)
		for i, m := range visible {
			if !idLess(m.ID, around) {
				idx = i
				break
			}
		}
		lo := max(idx-limit/2, 0)
		hi := min(lo+limit, len(visible))
		picked = visible[lo:hi]
	case after != "":
		for _, m := range visible {
			if idLess(after, m.ID) && len(picked) < limit {
				picked = append(picked, m)
			}
		}
	default:
		for i := len(visible) - 1; i >= 0 && len(picked) < limit; i-- {
			if before == "" || idLess(visible[i].ID, before) {
				picked = append([]*Message{visible[i]}, picked...)
			}
		}
	}
	out := make([]any, 0, len(picked))
	for i := len(picked) - 1; i >= 0; i-- {
		out = append(out, s.messageJSON(picked[i]))
	}
	return jsonReply(http.StatusOK, out)
}

package slackfake

import (
	"encoding/json"
	"slices"
	"strings"
)

// Message is a snapshot of a message.
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string // parent ts for thread replies and thread parents
	User        string
	BotID       string // set on messages the bot posted
	Subtype     string // "" for normal messages; channel_join, channel_topic, channel_archive ...
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Files       []string // ids of files shared with the message
	Updated     int      // number of successful chat.update / replace_original edits
	ReplyCount  int
	Broadcast   bool   // thread reply also sent to the channel
	EphemeralTo string // for ephemeral messages, the only user who sees it
	Reactions   []Reaction
}

// Reaction is one emoji on a message and the users who added it.
type Reaction struct {
	Name  string
	Users []string
}

type message struct {
	ts, threadTS, user, botID, subtype string
	text                               string
	blocks, attachments                json.RawMessage
	files                              []string
	edits                              int
	editedTS                           string
	replyCount                         int
	replyUsers                         []string
	latestReply                        string
	broadcast                          bool
	ephemeralTo                        string
	reactions                          []*reaction
}

type reaction struct {
	name  string
	users []string
}

func (m *message) snapshot(channelID string) Message {
	out := Message{Channel: channelID, TS: m.ts, ThreadTS: m.threadTS, User: m.user, BotID: m.botID,
		Subtype: m.subtype, Text: m.text, Blocks: slices.Clone(m.blocks), Attachments: slices.Clone(m.attachments),
		Files: slices.Clone(m.files), Updated: m.edits, ReplyCount: m.replyCount, Broadcast: m.broadcast,
		EphemeralTo: m.ephemeralTo}
	for _, r := range m.reactions {
		out.Reactions = append(out.Reactions, Reaction{Name: r.name, Users: slices.Clone(r.users)})
	}
	return out
}

func snapshotMessages(c *channel, list []*message) []Message {
	out := make([]Message, 0, len(list))
	for _, m := range list {
		out = append(out, m.snapshot(c.id))
	}
	return out
}

// isReply reports whether m is a thread reply (not a parent).
func (m *message) isReply() bool { return m.threadTS != "" && m.threadTS != m.ts }

func (s *Server) messageJSON(c *channel, m *message) obj {
	o := obj{"type": "message", "ts": m.ts, "text": m.text, "team": s.opts.TeamID}
	if m.user != "" {
		o["user"] = m.user
	}
	if m.botID != "" {
		o["bot_id"] = m.botID
		o["app_id"] = s.opts.AppID
	}
	if m.subtype != "" {
		o["subtype"] = m.subtype
	}
	if m.blocks != nil {
		o["blocks"] = m.blocks
	}
	if m.attachments != nil {
		o["attachments"] = m.attachments
	}
	if m.threadTS != "" {
		o["thread_ts"] = m.threadTS
	}
	if m.threadTS == m.ts && m.replyCount > 0 {
		o["reply_count"] = m.replyCount
		o["reply_users_count"] = len(m.replyUsers)
		o["reply_users"] = m.replyUsers
		o["latest_reply"] = m.latestReply
	}
	if m.edits > 0 {
		o["edited"] = obj{"user": m.user, "ts": m.editedTS}
	}
	if len(m.reactions) > 0 {
		var rs []obj
		for _, r := range m.reactions {
			rs = append(rs, obj{"name": r.name, "count": len(r.users), "users": r.users})
		}
		o["reactions"] = rs
	}
	if len(m.files) > 0 {
		var fs []obj
		for _, id := range m.files {
			if f := s.files[id]; f != nil {
				fs = append(fs, s.fileJSON(f))
			}
		}
		o["files"] = fs
	}
	for _, p := range c.pins {
		if p.ts == m.ts {
			o["pinned_to"] = []string{c.id}
		}
	}
	return o
}

// resolvePostTargetLocked finds where chat.postMessage sends: a conversation
// id, a user id (the bot's DM with that user, opened on demand) or a
// channel name with or without "#".
func (s *Server) resolvePostTargetLocked(target string) *channel {
	if c := s.channels[target]; c != nil {
		return c
	}
	if u := s.users[target]; u != nil && !u.deleted && target != s.opts.BotUserID {
		c, _ := s.openIMLocked(target)
		return c
	}
	return s.channelByNameLocked(strings.TrimPrefix(target, "#"))
}

// canPostLocked returns the error code for the bot posting in c, or "".
// The fake models a bot without chat:write.public: it must be a member.
func (s *Server) canPostLocked(c *channel) string {
	switch {
	case c == nil || ((c.private || c.mpim) && !c.isMember(s.opts.BotUserID)):
		return "channel_not_found"
	case c.archived:
		return "is_archived"
	case !c.isMember(s.opts.BotUserID):
		return "not_in_channel"
	}
	return ""
}

// postLocked appends a message from the bot; threadTS may name any message
// of a thread.
func (s *Server) postLocked(c *channel, ct content, threadTS string, broadcast bool) *message {
	m := &message{ts: s.nextTSLocked(), user: s.opts.BotUserID, botID: s.opts.BotID,
		text: ct.text, blocks: ct.blocks, attachments: ct.attachments}
	s.attachToThreadLocked(c, m, threadTS, broadcast)
	c.messages = append(c.messages, m)
	c.byTS[m.ts] = m
	return m
}

func (s *Server) attachToThreadLocked(c *channel, m *message, threadTS string, broadcast bool) {
	if threadTS == "" {
		return
	}
	parent := c.byTS[threadTS]
	if parent != nil && parent.isReply() {
		parent = c.byTS[parent.threadTS]
	}
	if parent == nil {
		// Slack accepts an unknown thread_ts and posts a plain reply-less message.
		m.threadTS = threadTS
		return
	}
	parent.threadTS = parent.ts
	parent.replyCount++
	parent.latestReply = m.ts
	if !slices.Contains(parent.replyUsers, m.user) {
		parent.replyUsers = append(parent.replyUsers, m.user)
	}
	m.threadTS, m.broadcast = parent.ts, broadcast
}

func contentFrom(p params, requireBody bool) (content, string, []string) {
	return parseContent(p.get("text"), optional(p, "blocks"), optional(p, "attachments"), requireBody)
}

func contentFail(code string, msgs []string) obj {
	if len(msgs) > 0 {
		return failWith(code, msgs...)
	}
	return fail(code)
}

// apiChatPostMessage implements chat.postMessage.
func (s *Server) apiChatPostMessage(c *apiCall) obj {
	target := c.p.get("channel")
	if target == "" {
		return fail("channel_not_found")
	}
	ct, code, msgs := contentFrom(c.p, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.resolvePostTargetLocked(target)
	if code := s.canPostLocked(ch); code != "" {
		return fail(code)
	}
	if code != "" {
		return contentFail(code, msgs)
	}
	m := s.postLocked(ch, ct, c.p.get("thread_ts"), c.p.bool("reply_broadcast"))
	return ok(obj{"channel": ch.id, "ts": m.ts, "message": s.messageJSON(ch, m)})
}

// apiChatPostEphemeral implements chat.postEphemeral. Ephemeral messages are
// kept apart from the channel history (see Ephemerals).
func (s *Server) apiChatPostEphemeral(c *apiCall) obj {
	ct, code, msgs := contentFrom(c.p, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.resolvePostTargetLocked(c.p.get("channel"))
	if code := s.canPostLocked(ch); code != "" {
		return fail(code)
	}
	uid := c.p.get("user")
	switch {
	case s.users[uid] == nil:
		return fail("user_not_found")
	case !ch.isMember(uid):
		return fail("user_not_in_channel")
	case code != "":
		return contentFail(code, msgs)
	}
	m := &message{ts: s.nextTSLocked(), user: s.opts.BotUserID, botID: s.opts.BotID, text: ct.text,
		blocks: ct.blocks, attachments: ct.attachments, threadTS: c.p.get("thread_ts"), ephemeralTo: uid}
	ch.ephemerals = append(ch.ephemerals, m)
	return ok(obj{"message_ts": m.ts})
}

// apiChatUpdate implements chat.update. Blocks and attachments not passed are
// kept, as Slack documents; an empty array removes them.
func (s *Server) apiChatUpdate(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	m := ch.byTS[c.p.get("ts")]
	if m == nil {
		return fail("message_not_found")
	}
	if m.botID != s.opts.BotID {
		return fail("cant_update_message")
	}
	blocks, atts := optional(c.p, "blocks"), optional(c.p, "attachments")
	hasOldBody := (blocks == nil && hasItems(m.blocks)) || (atts == nil && hasItems(m.attachments))
	ct, code, msgs := parseContent(c.p.get("text"), blocks, atts, !hasOldBody)
	if code != "" {
		return contentFail(code, msgs)
	}
	s.updateLocked(m, ct, blocks != nil, atts != nil)
	return ok(obj{"channel": ch.id, "ts": m.ts, "text": m.text, "message": s.messageJSON(ch, m)})
}

func (s *Server) updateLocked(m *message, ct content, setBlocks, setAttachments bool) {
	m.text = ct.text
	if setBlocks {
		m.blocks = ct.blocks
	}
	if setAttachments {
		m.attachments = ct.attachments
	}
	m.edits++
	m.editedTS = s.nextTSLocked()
}

// hasItems reports whether raw is a non-empty JSON array.
func hasItems(raw json.RawMessage) bool {
	var list []json.RawMessage
	return json.Unmarshal(raw, &list) == nil && len(list) > 0
}

// apiChatDelete implements chat.delete; it also removes the message's pins.
func (s *Server) apiChatDelete(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	m := ch.byTS[c.p.get("ts")]
	switch {
	case m == nil:
		return fail("message_not_found")
	case m.botID != s.opts.BotID:
		return fail("cant_delete_message")
	}
	s.deleteLocked(ch, m)
	return ok(obj{"channel": ch.id, "ts": m.ts})
}

func (s *Server) deleteLocked(ch *channel, m *message) {
	delete(ch.byTS, m.ts)
	ch.messages = slices.DeleteFunc(ch.messages, func(x *message) bool { return x == m })
	ch.pins = slices.DeleteFunc(ch.pins, func(p *pin) bool { return p.ts == m.ts })
	if m.isReply() {
		if parent := ch.byTS[m.threadTS]; parent != nil && parent.replyCount > 0 {
			parent.replyCount--
		}
	}
}

// apiConversationsHistory implements conversations.history: newest first,
// thread replies omitted unless broadcast, cursor paging. The bot must be a
// member of the conversation.
func (s *Server) apiConversationsHistory(c *apiCall) obj {
	limit, offset, code := pageArgs(c.p, 100, 999)
	if code != "" {
		return fail(code)
	}
	latest, oldest := c.p.get("latest"), c.p.get("oldest")
	if latest != "" && !validTS(latest) {
		return fail("invalid_ts_latest")
	}
	if oldest != "" && !validTS(oldest) {
		return fail("invalid_ts_oldest")
	}
	inclusive := c.p.bool("inclusive")
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	if !ch.isMember(s.opts.BotUserID) {
		return fail("not_in_channel")
	}
	var sel []*message
	for i := len(ch.messages) - 1; i >= 0; i-- {
		m := ch.messages[i]
		if m.isReply() && !m.broadcast {
			continue
		}
		t := tsMicros(m.ts)
		if latest != "" && (t > tsMicros(latest) || !inclusive && t == tsMicros(latest)) {
			continue
		}
		if oldest != "" && (t < tsMicros(oldest) || !inclusive && t == tsMicros(oldest)) {
			continue
		}
		sel = append(sel, m)
	}
	if offset > len(sel) {
		return fail("invalid_cursor")
	}
	end := min(offset+limit, len(sel))
	msgs := make([]obj, 0, end-offset)
	for _, m := range sel[offset:end] {
		msgs = append(msgs, s.messageJSON(ch, m))
	}
	next := ""
	if end < len(sel) {
		next = encodeCursor(end)
	}
	return ok(obj{"messages": msgs, "has_more": next != "", "pin_count": len(ch.pins),
		"response_metadata": obj{"next_cursor": next}})
}

// Messages returns a conversation's messages, oldest first, including thread
// replies and Slack's system messages (Subtype channel_join, channel_topic,
// channel_archive), excluding ephemeral ones.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return nil
	}
	return snapshotMessages(c, c.messages)
}

// Message returns one message by channel and ts.
func (s *Server) Message(channelID, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil || c.byTS[ts] == nil {
		return Message{}, false
	}
	return c.byTS[ts].snapshot(c.id), true
}

// Ephemerals returns the ephemeral messages shown in a conversation, from
// chat.postEphemeral and ephemeral response_url posts.
func (s *Server) Ephemerals(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return nil
	}
	return snapshotMessages(c, c.ephemerals)
}

// PostUserMessage adds a message written by a (human) member, e.g. to give
// the bot something to react to or read from history. The user must be a
// member. It returns the message; deliver a matching event with SendEvent or
// PostEvent if the bot should hear about it.
func (s *Server) PostUserMessage(channelID, userID, text, threadTS string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	switch {
	case c == nil:
		return Message{}, errString("channel_not_found")
	case s.users[userID] == nil:
		return Message{}, errString("user_not_found")
	case !c.isMember(userID):
		return Message{}, errString("not_in_channel")
	}
	m := &message{ts: s.nextTSLocked(), user: userID, text: text}
	s.attachToThreadLocked(c, m, threadTS, false)
	c.messages = append(c.messages, m)
	c.byTS[m.ts] = m
	return m.snapshot(c.id), nil
}

// errString is an error carrying a Slack error code.
type errString string

func (e errString) Error() string { return "slackfake: " + string(e) }

package slackfake

import (
	"slices"
	"strings"
)

// ReactionAddedEvent is the inner event Slack sends when someone reacts to a
// message (Events API type "reaction_added"). Pass it to SendEvent or
// PostEvent to deliver it.
type ReactionAddedEvent struct {
	Type     string       `json:"type"`
	User     string       `json:"user"`
	Reaction string       `json:"reaction"`
	ItemUser string       `json:"item_user,omitempty"`
	Item     ReactionItem `json:"item"`
	EventTS  string       `json:"event_ts"`
}

// ReactionItem is the message a reaction applies to.
type ReactionItem struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// AddReaction records that user reacted with name (without colons) to the
// message channel/ts and returns the reaction_added event Slack would emit.
// The user must be able to see the channel, and may not add the same
// reaction twice (already_reacted).
func (s *Server) AddReaction(channelID, ts, name, userID string) (ReactionAddedEvent, error) {
	name = strings.Trim(name, ":")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	switch {
	case c == nil:
		return ReactionAddedEvent{}, errString("channel_not_found")
	case s.users[userID] == nil:
		return ReactionAddedEvent{}, errString("user_not_found")
	case (c.private || c.im || c.mpim) && !c.isMember(userID):
		return ReactionAddedEvent{}, errString("channel_not_found")
	case name == "":
		return ReactionAddedEvent{}, errString("invalid_name")
	}
	m := c.byTS[ts]
	if m == nil {
		return ReactionAddedEvent{}, errString("message_not_found")
	}
	var r *reaction
	for _, x := range m.reactions {
		if x.name == name {
			r = x
		}
	}
	if r == nil {
		r = &reaction{name: name}
		m.reactions = append(m.reactions, r)
	}
	if slices.Contains(r.users, userID) {
		return ReactionAddedEvent{}, errString("already_reacted")
	}
	r.users = append(r.users, userID)
	return ReactionAddedEvent{Type: "reaction_added", User: userID, Reaction: name, ItemUser: m.user,
		Item: ReactionItem{Type: "message", Channel: c.id, TS: m.ts}, EventTS: s.nextTSLocked()}, nil
}

// apiReactionsGet implements reactions.get for messages.
func (s *Server) apiReactionsGet(c *apiCall) obj {
	chID, ts := c.p.get("channel"), c.p.get("timestamp")
	if c.p.get("file") != "" || c.p.get("file_comment") != "" {
		return fail("file_not_found")
	}
	if chID == "" || ts == "" {
		return fail("no_item_specified")
	}
	if !validTS(ts) {
		return fail("bad_timestamp")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(chID)
	if ch == nil {
		return fail("channel_not_found")
	}
	m := ch.byTS[ts]
	if m == nil {
		return fail("message_not_found")
	}
	return ok(obj{"type": "message", "channel": ch.id, "message": s.messageJSON(ch, m)})
}

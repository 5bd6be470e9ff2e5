package slackfake

import (
	"slices"
	"strings"
)

const maxMPIMUsers = 8

// openIMLocked returns the bot's DM with uid, creating it if needed.
func (s *Server) openIMLocked(uid string) (c *channel, existed bool) {
	for _, id := range s.channelOrder {
		if c := s.channels[id]; c.im && c.imUser == uid {
			return c, true
		}
	}
	c = &channel{id: s.nextIDLocked("D"), im: true, imUser: uid, created: s.now(),
		members: []string{s.opts.BotUserID, uid}, byTS: map[string]*message{}}
	s.channels[c.id] = c
	s.channelOrder = append(s.channelOrder, c.id)
	return c, false
}

func (s *Server) openMPIMLocked(uids []string) (c *channel, existed bool) {
	want := append([]string{s.opts.BotUserID}, uids...)
	slices.Sort(want)
	for _, id := range s.channelOrder {
		c := s.channels[id]
		if !c.mpim {
			continue
		}
		have := slices.Clone(c.members)
		slices.Sort(have)
		if slices.Equal(have, want) {
			return c, true
		}
	}
	names := make([]string, 0, len(want))
	for _, id := range want {
		names = append(names, s.users[id].name)
	}
	c = &channel{id: s.nextIDLocked("C"), mpim: true, private: true, created: s.now(),
		name: "mpdm-" + strings.Join(names, "--") + "-1", creator: s.opts.BotUserID,
		members: want, byTS: map[string]*message{}}
	s.channels[c.id] = c
	s.channelOrder = append(s.channelOrder, c.id)
	return c, false
}

// apiConversationsOpen implements conversations.open: a DM for one user, a
// group DM for two to eight, or a lookup of an existing DM by channel.
func (s *Server) apiConversationsOpen(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ch *channel
	existed := true
	if id := c.p.get("channel"); id != "" {
		ch = s.visibleLocked(id)
		if ch == nil {
			return fail("channel_not_found")
		}
		if !ch.im && !ch.mpim {
			return fail("method_not_supported_for_channel_type")
		}
	} else {
		var ids []string
		for _, u := range strings.Split(c.p.get("users"), ",") {
			u = strings.TrimSpace(u)
			if u == "" || u == s.opts.BotUserID || slices.Contains(ids, u) {
				continue
			}
			ids = append(ids, u)
		}
		if strings.TrimSpace(c.p.get("users")) == "" {
			return fail("users_list_not_supplied")
		}
		switch {
		case len(ids) == 0:
			return fail("not_enough_users")
		case len(ids) > maxMPIMUsers:
			return fail("too_many_users")
		}
		for _, id := range ids {
			u := s.users[id]
			if u == nil {
				return fail("user_not_found")
			}
			if u.deleted {
				return fail("user_disabled")
			}
		}
		if len(ids) == 1 {
			ch, existed = s.openIMLocked(ids[0])
		} else {
			ch, existed = s.openMPIMLocked(ids)
		}
	}
	out := obj{"no_op": existed, "already_open": existed}
	if c.p.bool("return_im") || ch.mpim {
		out["channel"] = s.channelJSON(ch)
	} else {
		out["channel"] = obj{"id": ch.id}
	}
	return ok(out)
}

// DMs returns the messages in the bot's direct-message conversation with
// userID (nil when no DM exists).
func (s *Server) DMs(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.channelOrder {
		if c := s.channels[id]; c.im && c.imUser == userID {
			return snapshotMessages(c, c.messages)
		}
	}
	return nil
}

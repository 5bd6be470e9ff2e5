package slackfake

import "time"

// Pin is a snapshot of a pinned message.
type Pin struct {
	Channel  string
	TS       string
	PinnedBy string
	PinnedAt time.Time
}

type pin struct {
	ts, by string
	at     time.Time
}

// apiPinsAdd implements pins.add for messages (Slack no longer pins files).
func (s *Server) apiPinsAdd(c *apiCall) obj {
	ts := c.p.get("timestamp")
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	switch {
	case ch == nil:
		return fail("channel_not_found")
	case ts == "":
		return fail("no_item_specified")
	case !validTS(ts):
		return fail("bad_timestamp")
	case ch.byTS[ts] == nil:
		return fail("message_not_found")
	}
	for _, p := range ch.pins {
		if p.ts == ts {
			return fail("already_pinned")
		}
	}
	ch.pins = append(ch.pins, &pin{ts: ts, by: s.opts.BotUserID, at: s.now()})
	return ok(nil)
}

// apiPinsList implements pins.list, newest pin first.
func (s *Server) apiPinsList(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	items := make([]obj, 0, len(ch.pins))
	for i := len(ch.pins) - 1; i >= 0; i-- {
		p := ch.pins[i]
		m := ch.byTS[p.ts]
		if m == nil {
			continue
		}
		items = append(items, obj{"type": "message", "channel": ch.id, "created": p.at.Unix(),
			"created_by": p.by, "message": s.messageJSON(ch, m)})
	}
	return ok(obj{"items": items})
}

// Pins returns a conversation's pins, oldest first.
func (s *Server) Pins(channelID string) []Pin {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return nil
	}
	out := make([]Pin, 0, len(c.pins))
	for _, p := range c.pins {
		out = append(out, Pin{Channel: c.id, TS: p.ts, PinnedBy: p.by, PinnedAt: p.at})
	}
	return out
}

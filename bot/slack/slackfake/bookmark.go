package slackfake

import (
	"strings"
	"time"
)

// Bookmark is a snapshot of a channel bookmark.
type Bookmark struct {
	ID      string
	Channel string
	Title   string
	Link    string
	Emoji   string
	Type    string
	Created time.Time
}

type bookmark struct {
	id, title, link, emoji, typ string
	created                     time.Time
}

// validEmoji reports whether e looks like ":name:" with Slack's emoji-name characters.
func validEmoji(e string) bool {
	name, ok := strings.CutPrefix(e, ":")
	if !ok {
		return false
	}
	name, ok = strings.CutSuffix(name, ":")
	if !ok || name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_+'", r)) {
			return false
		}
	}
	return true
}

func (s *Server) bookmarkJSON(c *channel, b *bookmark) obj {
	return obj{"id": b.id, "channel_id": c.id, "title": b.title, "link": b.link, "emoji": b.emoji,
		"icon_url": nil, "type": b.typ, "entity_id": nil, "date_created": b.created.Unix(), "date_updated": 0,
		"rank": "g", "last_updated_by_user_id": s.opts.BotUserID, "last_updated_by_team_id": s.opts.TeamID,
		"shortcut_id": nil, "app_id": s.opts.AppID}
}

// apiBookmarksAdd implements bookmarks.add. Only type "link" is accepted, as
// on Slack; links must be http(s).
func (s *Server) apiBookmarksAdd(c *apiCall) obj {
	title, typ, link, emoji := c.p.get("title"), c.p.get("type"), c.p.get("link"), c.p.get("emoji")
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel_id"))
	switch {
	case ch == nil:
		return fail("channel_not_found")
	case title == "":
		return failWith("invalid_arguments", "[ERROR] missing required field: title")
	case typ != "link":
		return fail("invalid_bookmark_type")
	case !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://"):
		return fail("invalid_link")
	case emoji != "" && !validEmoji(emoji):
		return fail("invalid_emoji")
	}
	b := &bookmark{id: s.nextIDLocked("Bk"), title: title, link: link, emoji: emoji, typ: typ, created: s.now()}
	ch.bookmarks = append(ch.bookmarks, b)
	return ok(obj{"bookmark": s.bookmarkJSON(ch, b)})
}

// apiBookmarksList implements bookmarks.list.
func (s *Server) apiBookmarksList(c *apiCall) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.visibleLocked(c.p.get("channel_id"))
	if ch == nil {
		return fail("channel_not_found")
	}
	list := make([]obj, 0, len(ch.bookmarks))
	for _, b := range ch.bookmarks {
		list = append(list, s.bookmarkJSON(ch, b))
	}
	return ok(obj{"bookmarks": list})
}

// Bookmarks returns a channel's bookmarks in the order added.
func (s *Server) Bookmarks(channelID string) []Bookmark {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return nil
	}
	out := make([]Bookmark, 0, len(c.bookmarks))
	for _, b := range c.bookmarks {
		out = append(out, Bookmark{ID: b.id, Channel: c.id, Title: b.title, Link: b.link, Emoji: b.emoji, Type: b.typ, Created: b.created})
	}
	return out
}

package teamsfake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is a team channel as Graph shows it.
type Channel struct {
	ID, DisplayName, Description, MembershipType, WebURL string
	CreatedAt                                            time.Time
	Archived                                             bool
}

type channel struct {
	Channel
	general bool
	deleted bool
}

const generalName = "General"

// nameReservation is how long a deleted channel's name stays taken.
const nameReservation = 30 * 24 * time.Hour

// maxChannelName is the longest channel name Teams accepts, in characters.
const maxChannelName = 50

// forbiddenNameChars may not appear in a channel name.
const forbiddenNameChars = `~#%&*{}+/\:<>?|'"`

// checkChannelName names what breaks Teams' channel-name rules, "" if nothing.
func checkChannelName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(name) == "":
		return "Channel name cannot be empty."
	case n > maxChannelName:
		return fmt.Sprintf("Channel name length cannot exceed %d characters; it has %d.", maxChannelName, n)
	case strings.ContainsAny(name, forbiddenNameChars), strings.Contains(name, ".."):
		return `Channel name cannot contain the following characters: ~ # % & * { } + / \ : < > ? | ' " , or ..`
	case strings.HasPrefix(name, "_"), strings.HasPrefix(name, "."):
		return "Channel name cannot start with an underscore (_) or a period (.)."
	case strings.HasSuffix(name, "."):
		return "Channel name cannot end with a period (.)."
	}
	return ""
}

// nameTakenLocked reports whether name is used in the team, ignoring case,
// by a channel other than except or by a channel deleted not long ago.
func (s *Server) nameTakenLocked(name, except string) bool {
	for _, c := range s.channels {
		if c.ID != except && !c.deleted && strings.EqualFold(c.DisplayName, name) {
			return true
		}
	}
	until, ok := s.reserved[strings.ToLower(name)]
	return ok && s.now().Before(until)
}

func (s *Server) addChannelLocked(name, desc string) *channel {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := fmt.Sprintf("19:%x@thread.tacv2", b)
	web := fmt.Sprintf("https://teams.microsoft.com/l/channel/%s/%s?groupId=%s&tenantId=%s",
		url.PathEscape(id), url.PathEscape(name), s.opts.TeamID, s.opts.TenantID)
	c := &channel{Channel: Channel{ID: id, DisplayName: name, Description: desc, MembershipType: "standard", WebURL: web, CreatedAt: s.now()}}
	s.channels[id] = c
	s.chanOrder = append(s.chanOrder, id)
	s.convs[id] = &conversation{id: id, kind: "channel", known: map[string]string{}}
	return c
}

// Channels returns the team's channels (not deleted ones), General first.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, id := range s.chanOrder {
		if c := s.channels[id]; !c.deleted {
			out = append(out, c.Channel)
		}
	}
	return out
}

// ChannelByName finds a channel by display name, ignoring case.
func (s *Server) ChannelByName(name string) (Channel, bool) {
	for _, c := range s.Channels() {
		if strings.EqualFold(c.DisplayName, name) {
			return c, true
		}
	}
	return Channel{}, false
}

// AddChannel creates a channel as if someone had made it in Teams. It
// panics when the name breaks the rules or is taken: seeds are fixtures, and
// a broken fixture should fail loudly.
func (s *Server) AddChannel(name string) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := checkChannelName(name); m != "" {
		panic("teamsfake: add channel: " + m)
	}
	if s.nameTakenLocked(name, "") {
		panic("teamsfake: add channel: name taken: " + name)
	}
	return s.addChannelLocked(name, "").Channel
}

// DeleteChannel deletes a channel as someone in Teams would: it leaves the
// listings, posting in it is ConversationNotFound, and its name stays taken
// for 30 days on the clock. General cannot be deleted.
func (s *Server) DeleteChannel(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteChannelLocked(id)
}

func (s *Server) deleteChannelLocked(id string) bool {
	c := s.channels[id]
	if c == nil || c.deleted || c.general {
		return false
	}
	c.deleted = true
	s.convs[id].deleted = true
	s.reserved[strings.ToLower(c.DisplayName)] = s.now().Add(nameReservation)
	return true
}

func (s *Server) channelJSON(c Channel) obj {
	return obj{
		"id":                  c.ID,
		"createdDateTime":     c.CreatedAt.UTC().Format(time.RFC3339Nano),
		"displayName":         c.DisplayName,
		"description":         c.Description,
		"isFavoriteByDefault": nil,
		"email":               "",
		"webUrl":              c.WebURL,
		"membershipType":      c.MembershipType,
		"isArchived":          c.Archived,
		"tenantId":            s.opts.TenantID,
	}
}

// serveGraph serves the Graph routes: a team's channels and online meetings.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	if !s.graphAuth(w, r) {
		return
	}
	seg := segments(r)
	if len(seg) < 2 || seg[1] != "v1.0" {
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Invalid version: "+strings.Join(seg[1:2], ""))
		return
	}
	seg = seg[2:]
	switch {
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "onlineMeetings":
		if s.graphAllow(w, r, http.MethodPost) {
			s.createMeeting(w, r, seg[1])
		}
	case len(seg) >= 3 && seg[0] == "teams" && seg[2] == "channels":
		if seg[1] != s.opts.TeamID {
			s.writeGraphError(w, http.StatusNotFound, "NotFound", "No team found with Group Id "+seg[1])
			return
		}
		switch {
		case len(seg) == 3 && r.Method == http.MethodGet:
			s.listChannels(w, r)
		case len(seg) == 3:
			if s.graphAllow(w, r, http.MethodGet, http.MethodPost) {
				s.createChannel(w, r)
			}
		case len(seg) == 4 && r.Method == http.MethodGet:
			s.getChannel(w, seg[3])
		case len(seg) == 4 && r.Method == http.MethodPatch:
			s.patchChannel(w, r, seg[3])
		case len(seg) == 4:
			if s.graphAllow(w, r, http.MethodGet, http.MethodPatch, http.MethodDelete) {
				s.deleteChannel(w, seg[3])
			}
		default:
			s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+seg[len(seg)-1]+"'.")
		}
	default:
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(seg[:1], "")+"'.")
	}
}

func (s *Server) graphAllow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	s.writeGraphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The HTTP method '"+r.Method+"' is not allowed here.")
	return false
}

// filterByName is the only $filter the fake understands, OData's
// displayName eq 'x' (a quote inside doubled).
var filterByName = regexp.MustCompile(`^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$`)

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, filtered := "", false
	if f := q.Get("$filter"); f != "" {
		m := filterByName.FindStringSubmatch(f)
		if m == nil {
			s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+f)
			return
		}
		name, filtered = strings.ReplaceAll(m[1], "''", "'"), true
	}
	value := []obj{}
	for _, c := range s.Channels() {
		if !filtered || strings.EqualFold(c.DisplayName, name) {
			value = append(value, s.channelJSON(c))
		}
	}
	writeJSON(w, http.StatusOK, obj{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#teams('" + s.opts.TeamID + "')/channels",
		"@odata.count":   len(value),
		"value":          value,
	})
}

func (s *Server) getChannel(w http.ResponseWriter, id string) {
	s.mu.Lock()
	c := s.channels[id]
	s.mu.Unlock()
	if c == nil || c.deleted {
		s.writeGraphError(w, http.StatusNotFound, "NotFound", "Channel "+id+" not found.")
		return
	}
	writeJSON(w, http.StatusOK, s.channelJSON(c.Channel))
}

// channelBody is the JSON of a channel create or update.
type channelBody struct {
	DisplayName    *string `json:"displayName"`
	Description    *string `json:"description"`
	MembershipType *string `json:"membershipType"`
}

func (s *Server) readChannelBody(w http.ResponseWriter, r *http.Request) (channelBody, bool) {
	var b channelBody
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&b); err != nil {
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
		return b, false
	}
	if b.Description != nil && utf8.RuneCountInString(*b.Description) > 1024 {
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "Channel description cannot exceed 1024 characters.")
		return b, false
	}
	return b, true
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readChannelBody(w, r)
	if !ok {
		return
	}
	switch {
	case b.DisplayName == nil:
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "displayName is required.")
		return
	case b.MembershipType != nil && *b.MembershipType != "standard":
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "A "+*b.MembershipType+" channel needs members; only standard channels are supported here.")
		return
	}
	if m := checkChannelName(*b.DisplayName); m != "" {
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", m)
		return
	}
	ok, wait := s.pace.admit(createKey(s.opts.TeamID), channelCreateWindows, s.opts.RateLimitScale, s.now())
	if !ok {
		setRetryAfter(w, wait)
		s.writeGraphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after the time given in Retry-After.")
		return
	}
	desc := ""
	if b.Description != nil {
		desc = *b.Description
	}
	s.mu.Lock()
	if s.nameTakenLocked(*b.DisplayName, "") {
		s.mu.Unlock()
		s.writeGraphError(w, http.StatusBadRequest, "NameAlreadyExists", "Channel name already existed, please use other name.")
		return
	}
	c := s.addChannelLocked(*b.DisplayName, desc).Channel
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.channelJSON(c))
}

func (s *Server) patchChannel(w http.ResponseWriter, r *http.Request, id string) {
	b, ok := s.readChannelBody(w, r)
	if !ok {
		return
	}
	if b.DisplayName != nil {
		if m := checkChannelName(*b.DisplayName); m != "" {
			s.writeGraphError(w, http.StatusBadRequest, "BadRequest", m)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[id]
	switch {
	case c == nil || c.deleted:
		s.writeGraphError(w, http.StatusNotFound, "NotFound", "Channel "+id+" not found.")
		return
	case b.DisplayName != nil && c.general && *b.DisplayName != c.DisplayName:
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "The General channel cannot be renamed.")
		return
	case b.DisplayName != nil && s.nameTakenLocked(*b.DisplayName, id):
		s.writeGraphError(w, http.StatusBadRequest, "NameAlreadyExists", "Channel name already existed, please use other name.")
		return
	}
	if b.DisplayName != nil {
		c.DisplayName = *b.DisplayName
	}
	if b.Description != nil {
		c.Description = *b.Description
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteChannel(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[id]
	switch {
	case c == nil || c.deleted:
		s.writeGraphError(w, http.StatusNotFound, "NotFound", "Channel "+id+" not found.")
	case c.general:
		s.writeGraphError(w, http.StatusBadRequest, "BadRequest", "The General channel cannot be deleted.")
	default:
		s.deleteChannelLocked(id)
		w.WriteHeader(http.StatusNoContent)
	}
}

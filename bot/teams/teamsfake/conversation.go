package teamsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// conversation is a place the bot may post: a channel, a personal chat or
// a group chat.
type conversation struct {
	id   string // base id, without ";messageid="
	kind string // "channel", "personal", "groupChat"
	user string // personal: the user's AAD object id
	// deleted is set when the channel was deleted: posting there fails.
	deleted bool
	posts   []*post
	// known holds every activity id in the conversation, by the bot or to
	// it, with the root of its thread ("" outside channels).
	known map[string]string
}

type post struct {
	a      Activity
	thread string
}

// personalLocked returns the user's 1:1 conversation, opening it the first time.
func (s *Server) personalLocked(aad string) string {
	if c, ok := s.personal[aad]; ok {
		return c
	}
	s.seq++
	id := fmt.Sprintf("a:1%s%04d", strings.ReplaceAll(aad, "-", ""), s.seq)
	s.personal[aad] = id
	s.convs[id] = &conversation{id: id, kind: "personal", user: aad, known: map[string]string{}}
	return id
}

// Personal returns the user's 1:1 conversation id, if the bot opened one or
// the user wrote to the bot.
func (s *Server) Personal(userAAD string) (conv string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, ok = s.personal[userAAD]
	return conv, ok
}

// Posts returns what the bot posted in a conversation, in order, each in its
// current version (after updates); replies included. A conversation id with
// ";messageid=" narrows it to that thread.
func (s *Server) Posts(conv string) []Activity {
	base, thread := splitConv(conv)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[base]
	if c == nil {
		return nil
	}
	var out []Activity
	for _, p := range c.posts {
		if thread == "" || p.thread == thread {
			out = append(out, p.a)
		}
	}
	return out
}

// Post returns one activity the bot posted, in its current version.
func (s *Server) Post(conv, id string) (Activity, bool) {
	base, _ := splitConv(conv)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.convs[base]; c != nil {
		if p := c.find(id); p != nil {
			return p.a, true
		}
	}
	return Activity{}, false
}

func (c *conversation) find(id string) *post {
	for _, p := range c.posts {
		if p.a.ID == id {
			return p
		}
	}
	return nil
}

// Size limits of an outgoing message.
const (
	maxActivityBytes = 28 * 1024
	maxCardBytes     = 40 * 1024
	maxBodyBytes     = 4 << 20
)

// serveConnector serves the Bot Connector's v3 conversations API.
func (s *Server) serveConnector(w http.ResponseWriter, r *http.Request) {
	if !s.connectorAuth(w, r) {
		return
	}
	seg := segments(r)
	if len(seg) < 3 || seg[1] != "v3" || seg[2] != "conversations" {
		writeError(w, http.StatusNotFound, "NotFound", "No route matches "+r.URL.Path)
		return
	}
	seg = seg[3:]
	switch {
	case len(seg) == 0:
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.createConversation(w, r)
	case len(seg) == 2 && seg[1] == "activities":
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.postActivity(w, r, seg[0], "")
	case len(seg) == 3 && seg[1] == "activities":
		switch r.Method {
		case http.MethodPost:
			s.postActivity(w, r, seg[0], seg[2])
		case http.MethodPut:
			s.updateActivity(w, r, seg[0], seg[2])
		default:
			allow(w, r, http.MethodPost, http.MethodPut)
		}
	case len(seg) == 3 && seg[1] == "members":
		if !allow(w, r, http.MethodGet) {
			return
		}
		s.member(w, seg[0], seg[2])
	default:
		writeError(w, http.StatusNotFound, "NotFound", "No route matches "+r.URL.Path)
	}
}

// allow answers 405 unless the request's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, obj{"message": fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method)})
	return false
}

// createConversation opens (or finds) a 1:1 conversation with a user.
func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Bot         *Account     `json:"bot"`
		Members     []Account    `json:"members"`
		IsGroup     bool         `json:"isGroup"`
		TenantID    string       `json:"tenantId"`
		ChannelData *ChannelData `json:"channelData"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "The request body is not valid JSON: "+err.Error())
		return
	}
	tenant := req.TenantID
	if tenant == "" && req.ChannelData != nil && req.ChannelData.Tenant != nil {
		tenant = req.ChannelData.Tenant.ID
	}
	switch {
	case req.Bot == nil || req.Bot.ID != s.BotID():
		writeError(w, http.StatusBadRequest, "BadRequest", "The bot id must be the calling bot's, "+s.BotID()+".")
		return
	case req.IsGroup:
		writeError(w, http.StatusBadRequest, "BadRequest", "Bots cannot create group conversations.")
		return
	case len(req.Members) != 1:
		writeError(w, http.StatusBadRequest, "BadRequest", "A personal conversation has exactly one member.")
		return
	case tenant == "":
		writeError(w, http.StatusBadRequest, "BadRequest", "Incorrect conversation creation parameters: the tenant id is required.")
		return
	case tenant != s.opts.TenantID:
		writeError(w, http.StatusForbidden, "Forbidden", "The bot is not installed in tenant "+tenant+".")
		return
	}
	s.mu.Lock()
	u, ok := s.userLocked(req.Members[0].ID)
	var conv string
	if ok && u.AppInstalled {
		conv = s.personalLocked(u.AADObjectID)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "NotFound", "The user "+req.Members[0].ID+" was not found in the tenant.")
	case conv == "":
		writeError(w, http.StatusForbidden, "Forbidden", "The bot is not part of the conversation roster.")
	default:
		writeJSON(w, http.StatusCreated, obj{"id": conv})
	}
}

// postActivity sends a message into a conversation, or a reply to replyTo.
func (s *Server) postActivity(w http.ResponseWriter, r *http.Request, conv, replyTo string) {
	base, thread := splitConv(conv)
	a, ok := s.readActivity(w, r, base, thread)
	if !ok {
		return
	}
	s.mu.Lock()
	c := s.convs[base]
	if replyTo != "" {
		root, known := c.known[replyTo]
		if !known {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, "ActivityNotFound", "The activity "+replyTo+" was not found in the conversation.")
			return
		}
		if thread == "" {
			thread = root
		}
		a.ReplyToID = replyTo
	}
	s.mu.Unlock()
	if !s.paced(w, base) {
		return
	}
	if a.Type == "typing" {
		writeJSON(w, http.StatusCreated, obj{})
		return
	}
	s.mu.Lock()
	id := s.nextIDLocked()
	if c.kind == "channel" && thread == "" {
		thread = id // a new post in a channel starts a thread
	}
	c.known[id] = thread
	s.stampLocked(&a, c, id, thread)
	c.posts = append(c.posts, &post{a: a, thread: thread})
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, obj{"id": id})
}

// updateActivity replaces one of the bot's messages.
func (s *Server) updateActivity(w http.ResponseWriter, r *http.Request, conv, id string) {
	base, thread := splitConv(conv)
	a, ok := s.readActivity(w, r, base, thread)
	if !ok {
		return
	}
	if a.Type != "message" {
		writeError(w, http.StatusBadRequest, "BadRequest", "Only a message activity can replace a message, not "+a.Type+".")
		return
	}
	s.mu.Lock()
	c := s.convs[base]
	_, known := c.known[id]
	p := c.find(id)
	s.mu.Unlock()
	switch {
	case !known:
		writeError(w, http.StatusNotFound, "ActivityNotFound", "The activity "+id+" was not found in the conversation.")
		return
	case p == nil:
		writeError(w, http.StatusForbidden, "Forbidden", "The bot can only update its own messages.")
		return
	}
	if !s.paced(w, base) {
		return
	}
	s.mu.Lock()
	prev := p.a
	s.stampLocked(&a, c, id, p.thread)
	a.Timestamp, a.ReplyToID, a.Conversation = prev.Timestamp, prev.ReplyToID, prev.Conversation
	p.a = a
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, obj{"id": id})
}

// stampLocked fills what the service sets on a posted activity.
func (s *Server) stampLocked(a *Activity, c *conversation, id, thread string) {
	a.ID = id
	a.Timestamp = s.now().UTC().Format(time.RFC3339Nano)
	a.ServiceURL = s.ServiceURL()
	a.ChannelID = "msteams"
	a.From = &Account{ID: s.BotID(), Name: BotName}
	a.Recipient = nil
	convID := c.id
	if c.kind == "channel" {
		convID += ";messageid=" + thread
	}
	a.Conversation = &Conversation{ID: convID, ConversationType: c.kind, TenantID: s.opts.TenantID, IsGroup: c.kind != "personal"}
}

// paced admits a message under the conversation's pacing, or answers 429.
func (s *Server) paced(w http.ResponseWriter, base string) bool {
	ok, wait := s.pace.admit(convKey(base), messageWindows, s.opts.RateLimitScale, s.now())
	if ok {
		return true
	}
	setRetryAfter(w, wait)
	writeError(w, http.StatusTooManyRequests, "TooManyRequests",
		fmt.Sprintf("Too many requests to the conversation; retry after %d seconds.", retryAfterSeconds(wait)))
	return false
}

// readActivity checks that the conversation (and thread) exists and reads
// and validates the activity in the body; it answers the error itself.
func (s *Server) readActivity(w http.ResponseWriter, r *http.Request, base, thread string) (Activity, bool) {
	s.mu.Lock()
	c := s.convs[base]
	threadOK := c != nil && !c.deleted && (thread == "" || (c.kind == "channel" && c.known[thread] == thread))
	removed := false
	if threadOK && c.kind == "personal" {
		u, ok := s.userLocked(c.user)
		removed = !ok || !u.AppInstalled
	}
	s.mu.Unlock()
	switch {
	case !threadOK:
		writeError(w, http.StatusNotFound, "ConversationNotFound", "Conversation not found.")
		return Activity{}, false
	case removed:
		writeError(w, http.StatusForbidden, "Forbidden", "The bot is not part of the conversation roster.")
		return Activity{}, false
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "The request body could not be read.")
		return Activity{}, false
	}
	a, status, code, msg := validateActivity(raw)
	if status != 0 {
		writeError(w, status, code, msg)
		return Activity{}, false
	}
	return a, true
}

// member answers one member of a conversation.
func (s *Server) member(w http.ResponseWriter, conv, user string) {
	base, _ := splitConv(conv)
	s.mu.Lock()
	c := s.convs[base]
	u, found := s.userLocked(user)
	s.mu.Unlock()
	switch {
	case c == nil:
		writeError(w, http.StatusNotFound, "ConversationNotFound", "Conversation not found.")
	case !found || (c.kind == "personal" && c.user != u.AADObjectID):
		writeError(w, http.StatusNotFound, "MemberNotFoundInConversation", "The member was not found in the conversation.")
	default:
		given, surname, _ := strings.Cut(u.Name, " ")
		writeJSON(w, http.StatusOK, obj{
			"id":                u.ID,
			"name":              u.Name,
			"aadObjectId":       u.AADObjectID,
			"givenName":         given,
			"surname":           surname,
			"email":             u.UPN,
			"userPrincipalName": u.UPN,
			"tenantId":          s.opts.TenantID,
			"userRole":          "user",
		})
	}
}

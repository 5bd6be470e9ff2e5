package slackfake

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Slack's documented response_url limits: five uses within thirty minutes.
const (
	ResponseURLTTL     = 30 * time.Minute
	ResponseURLMaxUses = 5
)

// ResponseURLPost is one POST to a response_url the fake issued.
type ResponseURLPost struct {
	URL             string
	Time            time.Time
	Body            json.RawMessage
	Text            string
	ResponseType    string // "in_channel" or "ephemeral" (Slack's default)
	ReplaceOriginal bool
	DeleteOriginal  bool
	Channel         string // conversation the URL belongs to
	UserID          string // user who triggered it
	// Status and Error describe the fake's answer: 200 and "" when accepted.
	Status int
	Error  string
	// TS is the message created, replaced or deleted, if any.
	TS string
	// Ack is set when the message came in a slash command's acknowledgement rather
	// than a POST to its response_url.
	Ack bool
}

type responseURL struct {
	channel, user, messageTS string
	issued                   time.Time
	uses                     int
}

// issueResponseURLLocked mints a response_url under base for a slash command
// ("commands") or interaction ("actions"). messageTS binds it to the message
// an interaction came from, for replace_original/delete_original.
func (s *Server) issueResponseURLLocked(base, kind, channelID, userID, messageTS string) string {
	s.seq++
	path := "/" + kind + "/" + s.opts.TeamID + "/" + strconv.Itoa(s.seq) + "/" + randomHex(12)
	s.responseURLs[path] = &responseURL{channel: channelID, user: userID, messageTS: messageTS, issued: s.now()}
	return base + path
}

// serveResponseURL accepts a bot's JSON message for a response_url and
// applies it: in_channel posts to the conversation (no membership needed),
// ephemeral is shown to the triggering user only, replace_original and
// delete_original act on the interaction's source message.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	post := ResponseURLPost{URL: s.baseFor(r) + r.URL.Path, Time: s.now()}
	reply := func(status int, code string) {
		post.Status, post.Error = status, code
		s.mu.Lock()
		s.posts = append(s.posts, post)
		s.mu.Unlock()
		if code == "" {
			writeJSON(w, status, obj{"ok": true})
			return
		}
		writeJSON(w, status, fail(code))
	}
	if r.Method != http.MethodPost {
		reply(http.StatusMethodNotAllowed, "invalid_method")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	post.Body = body
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var m map[string]json.RawMessage
	if err != nil || ct != "application/json" || json.Unmarshal(body, &m) != nil {
		reply(http.StatusBadRequest, "invalid_payload")
		return
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(m[k], &v)
		return v
	}
	flag := func(k string) bool {
		var b bool
		if json.Unmarshal(m[k], &b) == nil {
			return b
		}
		return str(k) == "true"
	}
	raw := func(k string) *string {
		v, ok := m[k]
		if !ok || string(v) == "null" {
			return nil
		}
		sv := string(v)
		return &sv
	}
	post.Text, post.ResponseType = str("text"), str("response_type")
	post.ReplaceOriginal, post.DeleteOriginal = flag("replace_original"), flag("delete_original")

	s.mu.Lock()
	ru := s.responseURLs[r.URL.Path]
	var code string
	status := http.StatusOK
	switch {
	case ru == nil:
		status, code = http.StatusNotFound, "no_service"
	case s.now().Sub(ru.issued) > ResponseURLTTL:
		status, code = http.StatusNotFound, "expired_url"
	case ru.uses >= ResponseURLMaxUses:
		status, code = http.StatusNotFound, "used_url"
	default:
		ru.uses++
		post.Channel, post.UserID = ru.channel, ru.user
		post.TS, code = s.applyResponseLocked(ru, post, str("thread_ts"), raw("blocks"), raw("attachments"))
	}
	s.mu.Unlock()
	reply(status, code)
}

func (s *Server) applyResponseLocked(ru *responseURL, post ResponseURLPost, threadTS string, blocks, atts *string) (string, string) {
	ch := s.channels[ru.channel]
	if ch == nil {
		return "", "channel_not_found"
	}
	orig := ch.byTS[ru.messageTS]
	if post.DeleteOriginal {
		if orig != nil {
			s.deleteLocked(ch, orig)
			return orig.ts, ""
		}
		return "", ""
	}
	ct, code, _ := parseContent(post.Text, blocks, atts, true)
	if code != "" {
		return "", code
	}
	switch {
	case post.ReplaceOriginal && orig != nil:
		s.updateLocked(orig, ct, blocks != nil, atts != nil)
		return orig.ts, ""
	case post.ResponseType == "in_channel":
		if ch.archived {
			return "", "is_archived"
		}
		return s.postLocked(ch, ct, threadTS, false).ts, ""
	default:
		m := &message{ts: s.nextTSLocked(), user: s.opts.BotUserID, botID: s.opts.BotID, text: ct.text,
			blocks: ct.blocks, attachments: ct.attachments, threadTS: threadTS, ephemeralTo: ru.user}
		ch.ephemerals = append(ch.ephemerals, m)
		return m.ts, ""
	}
}

// ackMessage shows the message a slash command's acknowledgement carries (a JSON
// body, or a Socket Mode ack payload, with text or blocks), as Slack does: like a
// post to the command's response_url, without using one of its five uses. It is
// recorded among ResponseURLPosts with Ack set.
func (s *Server) ackMessage(rec Ack) {
	if rec.Type != "slash_commands" || !rec.Acked || len(rec.Payload) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(rec.Payload, &m) != nil {
		return
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(m[k], &v)
		return v
	}
	raw := func(k string) *string {
		v, ok := m[k]
		if !ok || string(v) == "null" {
			return nil
		}
		sv := string(v)
		return &sv
	}
	post := ResponseURLPost{URL: rec.ResponseURL, Time: s.now(), Body: rec.Payload, Text: str("text"),
		ResponseType: str("response_type"), Status: http.StatusOK, Ack: true}
	if post.Text == "" && raw("blocks") == nil && raw("attachments") == nil {
		return
	}
	u, err := url.Parse(rec.ResponseURL)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ru := s.responseURLs[u.Path]; ru != nil {
		post.Channel, post.UserID = ru.channel, ru.user
		post.TS, post.Error = s.applyResponseLocked(ru, post, "", raw("blocks"), raw("attachments"))
	}
	s.posts = append(s.posts, post)
}

// ResponseURLPosts returns every POST to a response_url, accepted or not.
func (s *Server) ResponseURLPosts() []ResponseURLPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ResponseURLPost, len(s.posts))
	copy(out, s.posts)
	return out
}

package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// obj is a JSON object under construction.
type obj = map[string]any

// params holds a Web API call's arguments, whatever the encoding. JSON string
// values are stored unquoted; other JSON values (arrays, objects, numbers,
// booleans) are stored as their JSON text, so "blocks" reads the same from a
// form and from a JSON body.
type params map[string]string

func (p params) get(k string) string { return p[k] }

func (p params) has(k string) bool { _, ok := p[k]; return ok }

func (p params) bool(k string) bool {
	v := strings.ToLower(p[k])
	return v == "true" || v == "1"
}

// apiCall is one Web API request being served.
type apiCall struct {
	method string
	p      params
	r      *http.Request
	base   string
	form   *multipart.Form
}

type handlerFunc func(*apiCall) obj

func ok(fields obj) obj {
	if fields == nil {
		fields = obj{}
	}
	fields["ok"] = true
	return fields
}

func fail(code string) obj { return obj{"ok": false, "error": code} }

// failWith returns an error response carrying Slack's response_metadata
// messages, as views.* and other block-validating methods do.
func failWith(code string, messages ...string) obj {
	o := fail(code)
	o["response_metadata"] = obj{"messages": messages}
	return o
}

// methodTable maps Web API method names to handlers.
func (s *Server) methodTable() map[string]handlerFunc {
	return map[string]handlerFunc{
		"auth.test":                    s.apiAuthTest,
		"apps.connections.open":        s.apiAppsConnectionsOpen,
		"conversations.create":         s.apiConversationsCreate,
		"conversations.invite":         s.apiConversationsInvite,
		"conversations.setTopic":       s.apiConversationsSetTopic,
		"conversations.info":           s.apiConversationsInfo,
		"conversations.list":           s.apiConversationsList,
		"conversations.open":           s.apiConversationsOpen,
		"conversations.archive":        s.apiConversationsArchive,
		"conversations.members":        s.apiConversationsMembers,
		"conversations.history":        s.apiConversationsHistory,
		"chat.postMessage":             s.apiChatPostMessage,
		"chat.postEphemeral":           s.apiChatPostEphemeral,
		"chat.update":                  s.apiChatUpdate,
		"chat.delete":                  s.apiChatDelete,
		"pins.add":                     s.apiPinsAdd,
		"pins.list":                    s.apiPinsList,
		"bookmarks.add":                s.apiBookmarksAdd,
		"bookmarks.list":               s.apiBookmarksList,
		"views.open":                   s.apiViewsOpen,
		"views.update":                 s.apiViewsUpdate,
		"users.info":                   s.apiUsersInfo,
		"users.lookupByEmail":          s.apiUsersLookupByEmail,
		"reactions.get":                s.apiReactionsGet,
		"files.upload":                 s.apiFilesUpload,
		"files.getUploadURLExternal":   s.apiFilesGetUploadURLExternal,
		"files.completeUploadExternal": s.apiFilesCompleteUploadExternal,
	}
}

// appTokenMethods need the app-level token; every other method needs the bot token.
func needsAppToken(method string) bool { return method == "apps.connections.open" }

const maxBody = 64 << 20

// parseParams reads a request's arguments from the query string and the body
// (form, multipart or JSON). It returns a Slack error code when the body is
// malformed.
func parseParams(r *http.Request) (p params, form *multipart.Form, isJSON bool, code string) {
	p = params{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Method != http.MethodPost {
		return p, nil, false, ""
	}
	ct, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return p, nil, true, "request_timeout"
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil, true, ""
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			if json.Valid(body) {
				return p, nil, true, "json_not_object"
			}
			return p, nil, true, "invalid_json"
		}
		for k, raw := range m {
			var str string
			switch {
			case string(raw) == "null":
			case json.Unmarshal(raw, &str) == nil:
				p[k] = str
			default:
				p[k] = string(raw)
			}
		}
		return p, nil, true, ""
	case "multipart/form-data":
		mr := multipart.NewReader(io.LimitReader(r.Body, maxBody), mp["boundary"])
		f, err := mr.ReadForm(maxBody)
		if err != nil {
			return p, nil, false, "invalid_form_data"
		}
		for k, v := range f.Value {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		return p, f, false, ""
	case "application/x-www-form-urlencoded", "":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return p, nil, false, "request_timeout"
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil, false, ""
		}
		if ct == "" {
			return p, nil, false, "missing_post_type"
		}
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return p, nil, false, "invalid_form_data"
		}
		for k, v := range vals {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		return p, nil, false, ""
	default:
		return p, nil, false, "invalid_post_type"
	}
}

// authenticate returns "" when the token may call method, else the Slack error.
// As on Slack, a token inside a JSON body is ignored: JSON callers must use
// the Authorization header.
func (s *Server) authenticate(r *http.Request, method string, p params, isJSON bool) string {
	tok := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			tok = strings.TrimSpace(rest)
		}
	}
	if tok == "" && !isJSON {
		tok = p.get("token")
	}
	switch {
	case tok == "":
		return "not_authed"
	case needsAppToken(method) && tok == s.opts.AppToken, !needsAppToken(method) && tok == s.opts.BotToken:
		return ""
	case tok == s.opts.AppToken || tok == s.opts.BotToken:
		return "not_allowed_token_type"
	default:
		return "invalid_auth"
	}
}

// channelParam returns the channel a call targets, for rate limiting and the call log.
func channelParam(p params) string {
	if c := p.get("channel"); c != "" {
		return c
	}
	return p.get("channel_id")
}

// canonicalChannel maps a channel argument (id, "#name", name, or a user id
// for the bot's DM) to the conversation id, so that a per-channel rate limit
// cannot be dodged by naming the same channel differently.
func (s *Server) canonicalChannel(arg string) string {
	if arg == "" {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[arg] != nil {
		return arg
	}
	if s.users[arg] != nil {
		for _, id := range s.channelOrder {
			if c := s.channels[id]; c.im && c.imUser == arg {
				return c.id
			}
		}
		return arg
	}
	if c := s.channelByNameLocked(strings.TrimPrefix(arg, "#")); c != nil {
		return c.id
	}
	return arg
}

// serveAPI handles /api/<method>: parse, authenticate, apply injected faults
// and rate limits, run the handler, delay the response by the configured
// latency, and record the call.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	arrived := s.now()
	s.underWay.add(method, 1)
	defer s.underWay.add(method, -1)
	p, form, isJSON, perr := parseParams(r)
	if form != nil {
		defer func() { _ = form.RemoveAll() }()
	}
	call := Call{Method: method, Channel: channelParam(p), Time: arrived}
	key, limit, limited := s.limiter.lookup(method, s.canonicalChannel(call.Channel))
	latency := s.faults.latencyFor(method)

	finish := func(status int, body obj, hdr http.Header) {
		call.Status = status
		if body != nil {
			if code, _ := body["error"].(string); code != "" {
				call.Error = code
			}
		}
		if !sleepCtx(r.Context(), latency) {
			call.Status, call.Error = 0, "client_gone"
			s.calls.add(call)
			return
		}
		s.calls.add(call)
		if status == http.StatusTooManyRequests {
			s.limiter.answered(key, s.now())
		}
		s.log.Debug("slackfake: api call", "method", method, "channel", call.Channel,
			"status", call.Status, "error", call.Error, "early_retry", call.EarlyRetry)
		for k, v := range hdr {
			w.Header()[k] = v
		}
		writeJSON(w, status, body)
	}

	handler, known := s.handlers[method]
	switch {
	case !known:
		finish(http.StatusOK, fail("unknown_method"), nil)
		return
	case perr != "":
		finish(http.StatusOK, fail(perr), nil)
		return
	}
	if code := s.authenticate(r, method, p, isJSON); code != "" {
		finish(http.StatusOK, fail(code), nil)
		return
	}
	call.EarlyRetry = s.limiter.early(key, arrived)
	f, hit := s.faults.take(method)
	if !hit {
		var spike time.Duration
		f, hit, spike = s.chaos.roll()
		latency += spike
	}
	if hit {
		call.Fault = true
		switch {
		case f.Drop:
			_ = sleepCtx(r.Context(), latency)
			call.Error = "connection_dropped"
			s.calls.add(call)
			panic(http.ErrAbortHandler)
		case f.Status == http.StatusTooManyRequests:
			ra := f.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			s.limiter.block(key, arrived, arrived.Add(ra))
			call.RetryAfter = ra
			finish(http.StatusTooManyRequests, fail("ratelimited"), retryHeaders(ra))
			return
		case f.Status != 0 && f.Status != http.StatusOK:
			call.Status = f.Status
			if !sleepCtx(r.Context(), latency) {
				call.Status, call.Error = 0, "client_gone"
			}
			s.calls.add(call)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(f.Status)
			_, _ = io.WriteString(w, "<html><body>slackfake: injected HTTP "+strconv.Itoa(f.Status)+"</body></html>")
			return
		default:
			finish(http.StatusOK, fail(f.Error), nil)
			return
		}
	}
	if call.EarlyRetry || limited {
		if allowed, ra := s.limiter.admit(key, limit, arrived); !allowed {
			call.RetryAfter = ra
			finish(http.StatusTooManyRequests, fail("ratelimited"), retryHeaders(ra))
			return
		}
	}
	body := handler(&apiCall{method: method, p: p, r: r, base: s.baseFor(r), form: form})
	finish(http.StatusOK, body, nil)
}

// retryHeaders builds Slack's Retry-After header (whole seconds, rounded up,
// at least 1) and the fake's exact X-Fake-Retry-After-Ms.
func retryHeaders(d time.Duration) http.Header {
	secs := int64(math.Ceil(d.Seconds()))
	if secs < 1 {
		secs = 1
	}
	ms := int64(math.Ceil(float64(d) / float64(time.Millisecond)))
	if ms < 1 {
		ms = 1
	}
	h := http.Header{}
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	h.Set(RetryAfterMsHeader, strconv.FormatInt(ms, 10))
	return h
}

// sleepCtx waits d unless ctx ends first; it reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiAuthTest implements auth.test.
func (s *Server) apiAuthTest(c *apiCall) obj {
	return ok(obj{
		"url":     "https://" + s.opts.TeamDomain + ".slack.com/",
		"team":    s.opts.TeamName,
		"user":    s.opts.BotUserName,
		"team_id": s.opts.TeamID,
		"user_id": s.opts.BotUserID,
		"bot_id":  s.opts.BotID,
		"app_id":  s.opts.AppID,
	})
}

// apiAppsConnectionsOpen implements apps.connections.open: it issues a
// one-time ticket and returns the WebSocket URL that redeems it.
func (s *Server) apiAppsConnectionsOpen(c *apiCall) obj {
	ticket := s.hub.issueTicket(s.now())
	ws := "ws" + strings.TrimPrefix(c.base, "http") + "/socket?ticket=" + ticket + "&app_id=" + s.opts.AppID
	return ok(obj{"url": ws})
}

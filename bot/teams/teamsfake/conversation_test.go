package teamsfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// connector is a test client of the fake's Connector.
type connector struct {
	t   *testing.T
	s   *Server
	tok string
}

func newConnector(t *testing.T, s *Server) *connector {
	return &connector{t: t, s: s, tok: getToken(t, s, ConnectorScope)}
}

func (c *connector) url(conv string, rest ...string) string {
	u := c.s.ServiceURL() + "v3/conversations/" + url.PathEscape(conv)
	for _, r := range rest {
		u += "/" + url.PathEscape(r)
	}
	return u
}

func (c *connector) send(conv string, a any) answer {
	c.t.Helper()
	return do(c.t, http.MethodPost, c.url(conv, "activities"), c.tok, a)
}

func (c *connector) reply(conv, to string, a any) answer {
	c.t.Helper()
	return do(c.t, http.MethodPost, c.url(conv, "activities", to), c.tok, a)
}

func (c *connector) update(conv, id string, a any) answer {
	c.t.Helper()
	return do(c.t, http.MethodPut, c.url(conv, "activities", id), c.tok, a)
}

func (c *connector) createPersonal(user string) answer {
	c.t.Helper()
	return do(c.t, http.MethodPost, c.s.ServiceURL()+"v3/conversations", c.tok, obj{
		"bot": obj{"id": c.s.BotID()}, "members": []obj{{"id": user}}, "isGroup": false,
		"tenantId": c.s.TenantID(), "channelData": obj{"tenant": obj{"id": c.s.TenantID()}},
	})
}

func text(s string) Activity { return Activity{Type: "message", Text: s} }

func card(content string) Activity {
	return Activity{Type: "message", Attachments: []Attachment{{ContentType: AdaptiveCard, Content: json.RawMessage(content)}}}
}

const goodCard = `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"SEV2"}]}`

func TestPersonalConversations(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)

	first := c.createPersonal(alice.AADObjectID)
	if first.status != http.StatusCreated || !strings.HasPrefix(first.id(), "a:") {
		t.Fatalf("create for Alice: %d %s", first.status, first.body)
	}
	again := c.createPersonal(alice.AADObjectID)
	if again.id() != first.id() {
		t.Errorf("second create = %q, want the same %q", again.id(), first.id())
	}
	if conv, ok := s.Personal(alice.AADObjectID); !ok || conv != first.id() {
		t.Errorf("Personal = %q %v", conv, ok)
	}
	if got := s.PersonalMessage(alice.AADObjectID, "hi").Conversation.ID; got != first.id() {
		t.Errorf("Alice's message comes from %q, want %q", got, first.id())
	}

	noApp := c.createPersonal(bob.AADObjectID)
	if noApp.status != http.StatusForbidden || noApp.code() != "Forbidden" || noApp.message() != "The bot is not part of the conversation roster." {
		t.Errorf("create for Bob (no app): %d %s", noApp.status, noApp.body)
	}
	if _, ok := s.Personal(bob.AADObjectID); ok {
		t.Error("Bob got a personal conversation")
	}
	if !s.SetAppInstalled(bob.AADObjectID, true) {
		t.Fatal("Bob is not a user")
	}
	if a := c.createPersonal(bob.AADObjectID); a.status != http.StatusCreated || a.id() == first.id() {
		t.Errorf("create for Bob once installed: %d %s", a.status, a.body)
	}
	if a := c.createPersonal("aad-nobody"); a.status != http.StatusNotFound {
		t.Errorf("create for a stranger: %d %s", a.status, a.body)
	}
	if a := c.send(first.id(), text("your incident")); a.status != http.StatusCreated {
		t.Errorf("send to Alice: %d %s", a.status, a.body)
	}
	s.SetAppInstalled(alice.AADObjectID, false)
	if a := c.send(first.id(), text("your incident")); a.status != http.StatusForbidden || a.code() != "Forbidden" {
		t.Errorf("send to Alice after she removed the app: %d %s", a.status, a.body)
	}
	s.PersonalMessage(alice.AADObjectID, "hello again")
	if a := c.send(first.id(), text("hi")); a.status != http.StatusCreated {
		t.Errorf("send to Alice after she wrote to the bot: %d %s", a.status, a.body)
	}
}

func TestUnknownConversationsAndActivities(t *testing.T) {
	s, _ := start(t, Options{Conversations: []string{"19:stakeholders@thread.v2"}})
	c := newConnector(t, s)
	general := s.generalID()
	posted := c.send(general, text("root")).id()

	tests := []struct {
		name   string
		a      answer
		status int
		code   string
	}{
		{"unknown conversation", c.send("19:nope@thread.tacv2", text("x")), 404, "ConversationNotFound"},
		{"unknown thread", c.send(general+";messageid=42", text("x")), 404, "ConversationNotFound"},
		{"personal never opened", c.send("a:never", text("x")), 404, "ConversationNotFound"},
		{"reply to unknown activity", c.reply(general, "42", text("x")), 404, "ActivityNotFound"},
		{"update unknown activity", c.update(general, "42", text("x")), 404, "ActivityNotFound"},
		{"extra conversation exists", c.send("19:stakeholders@thread.v2", text("x")), 201, ""},
		{"thread of a bot post", c.send(general+";messageid="+posted, text("x")), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.status != tt.status || tt.a.code() != tt.code {
				t.Errorf("got %d %s", tt.a.status, tt.a.body)
			}
		})
	}
}

func TestSendReplyAndUpdate(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	general := s.generalID()

	// A user's message starts a thread; the bot answers in it.
	in := s.Message(general, alice.AADObjectID, "declare sev2")
	root := c.send(general, card(goodCard)).id()
	r := c.reply(in.Conversation.ID, in.ID, text("declared"))
	if r.status != http.StatusCreated {
		t.Fatalf("reply: %d %s", r.status, r.body)
	}
	got, ok := s.Post(general, r.id())
	if !ok || got.ReplyToID != in.ID || got.Conversation.ID != in.Conversation.ID || got.From.ID != s.BotID() {
		t.Errorf("reply recorded as %+v", got)
	}
	if thread := s.Posts(in.Conversation.ID); len(thread) != 1 || thread[0].ID != r.id() {
		t.Errorf("thread posts = %+v", thread)
	}

	up := c.update(general, root, card(`{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"SEV2 resolved"}]}`))
	if up.status != http.StatusOK || up.id() != root {
		t.Fatalf("update: %d %s", up.status, up.body)
	}
	posts := s.Posts(general)
	if len(posts) != 2 || posts[0].ID != root || !strings.Contains(string(posts[0].Attachments[0].Content), "resolved") {
		t.Fatalf("posts after update = %+v", posts)
	}
	if posts[0].Conversation.ID != general+";messageid="+root {
		t.Errorf("root post conversation = %q", posts[0].Conversation.ID)
	}
	if a := c.update(general, in.ID, text("edited")); a.status != http.StatusForbidden {
		t.Errorf("updating Alice's message: %d %s", a.status, a.body)
	}
}

func TestSizeLimits(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	general := s.generalID()
	bigCard := `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"` + strings.Repeat("x", 41*1024) + `"}]}`

	tests := []struct {
		name   string
		a      Activity
		status int
		want   string
	}{
		{"27 KB of text", text(strings.Repeat("a", 27*1024)), 201, ""},
		{"29 KB of text", text(strings.Repeat("a", 29*1024)), 413, "28 KB"},
		{"41 KB card", card(bigCard), 413, "Adaptive Card"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.send(general, tt.a)
			if a.status != tt.status || (tt.status == 413 && (a.code() != "MessageSizeTooBig" || !strings.Contains(a.message(), tt.want))) {
				t.Errorf("got %d %s", a.status, a.body)
			}
		})
	}
}

func TestActivityShapes(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	tests := []struct {
		name string
		a    any
		want string // in the 400's message; "" means accepted
	}{
		{"text", text("hello"), ""},
		{"card", card(goodCard), ""},
		{"not json", `{"type":`, "not a valid activity"},
		{"event", Activity{Type: "event", Text: "x"}, `"event"`},
		{"no type", Activity{Text: "x"}, "no type"},
		{"empty message", Activity{Type: "message"}, "no text"},
		{"unknown attachment", Activity{Type: "message", Attachments: []Attachment{{ContentType: "application/x-card", Content: json.RawMessage(`{}`)}}}, "application/x-card"},
		{"card not an object", card(`"hello"`), "not a JSON object"},
		{"card of another type", card(`{"type":"HeroCard","version":"1.5"}`), `"type":"AdaptiveCard"`},
		{"card without version", card(`{"type":"AdaptiveCard","body":[]}`), `"version"`},
		{"bad textFormat", Activity{Type: "message", Text: "x", TextFormat: "html"}, "textFormat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.send(s.generalID(), tt.a)
			if tt.want == "" {
				if a.status != 201 {
					t.Errorf("refused: %d %s", a.status, a.body)
				}
				return
			}
			if a.status != 400 || a.code() != "BadRequest" || !strings.Contains(a.message(), tt.want) {
				t.Errorf("got %d %s, want 400 naming %s", a.status, a.body, tt.want)
			}
		})
	}
}

func TestPacingPerConversation(t *testing.T) {
	s, clk := start(t, Options{})
	c := newConnector(t, s)
	general := s.generalID()
	other := s.AddChannel("inc-1").ID

	for i := range 7 {
		if a := c.send(general, text("x")); a.status != 201 {
			t.Fatalf("message %d: %d", i+1, a.status)
		}
	}
	over := c.send(general, text("x"))
	if over.status != http.StatusTooManyRequests || over.header.Get("Retry-After") != "1" {
		t.Fatalf("8th in a second: %d Retry-After %q", over.status, over.header.Get("Retry-After"))
	}
	if a := c.send(other, text("x")); a.status != 201 {
		t.Errorf("another conversation is paced apart: %d", a.status)
	}
	if n := s.EarlyRetries(); n != 0 {
		t.Fatalf("EarlyRetries = %d before any retry", n)
	}
	if a := c.send(general, text("x")); a.status != http.StatusTooManyRequests {
		t.Errorf("retry inside Retry-After: %d", a.status)
	}
	if n := s.EarlyRetries(); n != 1 {
		t.Errorf("EarlyRetries = %d, want 1", n)
	}
	clk.Advance(time.Second)
	if a := c.update(general, s.Posts(general)[0].ID, text("y")); a.status != 200 {
		t.Errorf("after Retry-After: %d %s", a.status, a.body)
	}

	// 60 per 30 s: 8 messages so far in this window; 7 a second from now on.
	sent := 8
	for sent < 60 {
		clk.Advance(time.Second)
		for range min(7, 60-sent) {
			if a := c.send(general, text("x")); a.status != 201 {
				t.Fatalf("message %d: %d", sent+1, a.status)
			}
			sent++
		}
	}
	clk.Advance(time.Second)
	a := c.send(general, text("x"))
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("61st in 30 s: %d", a.status)
	}
	wait := a.header.Get("Retry-After")
	if wait == "1" || wait == "" {
		t.Errorf("Retry-After for the 30 s window = %q, want until the first message leaves it", wait)
	}
	if calls := s.Calls(); calls[len(calls)-1].RetryAfter == 0 || calls[len(calls)-1].Status != 429 {
		t.Errorf("last call = %+v", calls[len(calls)-1])
	}
}

func TestRateLimitScaleStretchesWindows(t *testing.T) {
	s, clk := start(t, Options{RateLimitScale: 0.1})
	c := newConnector(t, s)
	for range 7 {
		c.send(s.generalID(), text("x"))
	}
	a := c.send(s.generalID(), text("x"))
	if a.status != 429 || a.header.Get("Retry-After") != "10" {
		t.Fatalf("8th: %d Retry-After %q, want 429 after 10 s", a.status, a.header.Get("Retry-After"))
	}
	clk.Advance(10 * time.Second)
	if a := c.send(s.generalID(), text("x")); a.status != 201 {
		t.Errorf("after the stretched window: %d", a.status)
	}
}

func TestMembers(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	personal := c.createPersonal(alice.AADObjectID).id()
	aliceID := "29:1" + alice.AADObjectID
	tests := []struct {
		name, conv, user string
		status           int
		code             string
	}{
		{"in a channel by AAD id", s.generalID(), bob.AADObjectID, 200, ""},
		{"in a channel by 29: id", s.generalID(), aliceID, 200, ""},
		{"in her own chat", personal, alice.AADObjectID, 200, ""},
		{"someone else's chat", personal, bob.AADObjectID, 404, "MemberNotFoundInConversation"},
		{"a stranger", s.generalID(), "aad-nobody", 404, "MemberNotFoundInConversation"},
		{"unknown conversation", "19:nope@thread.tacv2", alice.AADObjectID, 404, "ConversationNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, http.MethodGet, c.url(tt.conv, "members", tt.user), c.tok, nil)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got %d %s", a.status, a.body)
			}
		})
	}
	var m struct{ ID, Name, AADObjectID, UserPrincipalName string }
	a := do(t, http.MethodGet, c.url(s.generalID(), "members", alice.AADObjectID), c.tok, nil)
	_ = json.Unmarshal(a.body, &m)
	if m.ID != aliceID || m.Name != "Alice" || m.AADObjectID != alice.AADObjectID || m.UserPrincipalName != alice.UPN {
		t.Errorf("member = %+v", m)
	}
}

func TestSubmitFollowsTheCardsThread(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	general := s.generalID()
	cardID := c.send(general, card(goodCard)).id()
	sub := s.Submit(general, alice.AADObjectID, cardID, map[string]any{"action": "ack"})
	if sub.Conversation.ID != general+";messageid="+cardID || sub.ReplyToID != cardID || sub.Text != "" {
		t.Errorf("submit = %+v", sub)
	}
	var v map[string]any
	if err := json.Unmarshal(sub.Value, &v); err != nil || v["action"] != "ack" {
		t.Errorf("value = %s", sub.Value)
	}
	if a := c.reply(sub.Conversation.ID, sub.ID, text("acknowledged")); a.status != 201 {
		t.Errorf("reply to the submit: %d %s", a.status, a.body)
	}
}

func TestExecuteIsAnInvoke(t *testing.T) {
	s, _ := start(t, Options{})
	c := newConnector(t, s)
	conv := c.createPersonal(alice.AADObjectID).id()
	cardID := c.send(conv, card(goodCard)).id()
	a := s.Execute(conv, alice.AADObjectID, cardID, "ack", map[string]any{"incident": 7})
	var v struct {
		Action struct {
			Type, Verb string
			Data       map[string]any
		}
		Trigger string
	}
	if err := json.Unmarshal(a.Value, &v); err != nil {
		t.Fatal(err)
	}
	if a.Type != "invoke" || a.Name != "adaptiveCard/action" || a.ReplyToID != cardID || a.Conversation.ID != conv ||
		v.Action.Type != "Action.Execute" || v.Action.Verb != "ack" || v.Action.Data["incident"] != float64(7) || v.Trigger != "manual" {
		t.Errorf("execute = %+v, value %s", a, a.Value)
	}
}

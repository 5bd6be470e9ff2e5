package teamsfake

import (
	"encoding/json"
	"time"
)

// Activities into the bot, built as Teams builds them. Each gets a fresh
// message id (epoch milliseconds on the clock, strictly increasing) that the
// fake remembers, so the bot may reply to it. Send them with Deliver.

// Message is a message typed in a team channel that mentions the bot: its
// text is "<at>mimbot</at> " + text, with the mention entity Teams adds. The
// conversation is the new thread, "<channel id>;messageid=<activity id>".
func (s *Server) Message(channelID, userAAD, text string) Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextIDLocked()
	if c := s.convs[channelID]; c != nil {
		c.known[id] = id
	}
	a := s.inboundLocked(id, userAAD)
	a.Conversation = &Conversation{ID: channelID + ";messageid=" + id, ConversationType: "channel", TenantID: s.opts.TenantID, IsGroup: true}
	a.Text = "<at>" + BotName + "</at> " + text
	a.Entities = []Entity{{Type: "mention", Mentioned: &Account{ID: s.BotID(), Name: BotName}, Text: "<at>" + BotName + "</at>"}}
	a.ChannelData = s.channelDataLocked(channelID)
	return a
}

// PersonalMessage is a message in the user's 1:1 conversation with the bot
// (no mention needed). The conversation is the same one CreatePersonal
// answers for that user. A user who writes to the bot has it installed in
// their personal scope: the fake marks them so.
func (s *Server) PersonalMessage(userAAD, text string) Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setInstalledLocked(userAAD, true)
	id := s.nextIDLocked()
	conv := s.personalLocked(userAAD)
	s.convs[conv].known[id] = ""
	a := s.inboundLocked(id, userAAD)
	a.Conversation = &Conversation{ID: conv, ConversationType: "personal", TenantID: s.opts.TenantID}
	a.Text = text
	a.ChannelData = &ChannelData{Tenant: &Ref{ID: s.opts.TenantID}}
	return a
}

// Submit is an Adaptive Card Action.Submit: a message activity with no text,
// the card's inputs and data in value, and replyToId the card's activity id.
// In a channel, a conversation given without ";messageid=" gets the thread
// of the card.
func (s *Server) Submit(conv, userAAD, replyToID string, value map[string]any) Activity {
	raw, err := json.Marshal(value)
	if err != nil {
		panic("teamsfake: submit value: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextIDLocked()
	base, thread := splitConv(conv)
	kind := "groupChat"
	c := s.convs[base]
	if c != nil {
		kind = c.kind
		if thread == "" && kind == "channel" {
			thread = c.known[replyToID]
		}
		c.known[id] = thread
	}
	a := s.inboundLocked(id, userAAD)
	a.Conversation = &Conversation{ID: base, ConversationType: kind, TenantID: s.opts.TenantID, IsGroup: kind != "personal"}
	if thread != "" {
		a.Conversation.ID = base + ";messageid=" + thread
	}
	a.ReplyToID = replyToID
	a.Value = raw
	if kind == "channel" {
		a.ChannelData = s.channelDataLocked(base)
	} else {
		a.ChannelData = &ChannelData{Tenant: &Ref{ID: s.opts.TenantID}}
	}
	return a
}

// Execute is an Adaptive Card Action.Execute (Universal Actions): an
// "invoke" activity named "adaptiveCard/action" whose value carries the
// action's verb and data. The bot answers it in the HTTP response, with an
// invoke response ({"statusCode":200,"type":...,"value":...}).
func (s *Server) Execute(conv, userAAD, replyToID, verb string, data map[string]any) Activity {
	a := s.Submit(conv, userAAD, replyToID, nil)
	raw, err := json.Marshal(map[string]any{
		"action":  map[string]any{"type": "Action.Execute", "verb": verb, "data": data},
		"trigger": "manual",
	})
	if err != nil {
		panic("teamsfake: execute data: " + err.Error())
	}
	a.Type, a.Name, a.Value, a.TextFormat = "invoke", "adaptiveCard/action", raw, ""
	return a
}

// inboundLocked is the common part of an activity from a user to the bot.
func (s *Server) inboundLocked(id, userAAD string) Activity {
	return Activity{
		Type:       "message",
		ID:         id,
		Timestamp:  s.now().UTC().Format(time.RFC3339Nano),
		ServiceURL: s.ServiceURL(),
		ChannelID:  "msteams",
		From:       s.accountLocked(userAAD),
		Recipient:  &Account{ID: s.BotID(), Name: BotName},
		TextFormat: "plain",
	}
}

func (s *Server) channelDataLocked(channelID string) *ChannelData {
	return &ChannelData{
		Tenant:  &Ref{ID: s.opts.TenantID},
		Team:    &Ref{ID: s.opts.TeamID},
		Channel: &Ref{ID: channelID},
	}
}

// accountLocked is the Bot Framework account of a user, known or not.
func (s *Server) accountLocked(aad string) *Account {
	if u, ok := s.userLocked(aad); ok {
		return &Account{ID: u.ID, Name: u.Name, AADObjectID: u.AADObjectID}
	}
	return &Account{ID: "29:1" + aad, AADObjectID: aad}
}

// userLocked finds a user by AAD object id or by 29: id.
func (s *Server) userLocked(id string) (User, bool) {
	for _, u := range s.users {
		if u.AADObjectID == id || u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

// SetAppInstalled installs the bot in the user's personal scope (or removes
// it): only then may the bot open a 1:1 conversation with them, or post in
// one opened before.
func (s *Server) SetAppInstalled(userAAD string, installed bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setInstalledLocked(userAAD, installed)
}

func (s *Server) setInstalledLocked(userAAD string, installed bool) bool {
	for i := range s.users {
		if s.users[i].AADObjectID == userAAD {
			s.users[i].AppInstalled = installed
			return true
		}
	}
	return false
}

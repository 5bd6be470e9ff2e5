package discordfake

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Interaction types.
const (
	InteractionPing               = 1
	InteractionApplicationCommand = 2
	InteractionMessageComponent   = 3
	InteractionAutocomplete       = 4
	InteractionModalSubmit        = 5
)

// Interaction callback types.
const (
	CallbackPong                   = 1
	CallbackChannelMessage         = 4
	CallbackDeferredChannelMessage = 5
	CallbackDeferredUpdateMessage  = 6
	CallbackUpdateMessage          = 7
	CallbackAutocompleteResult     = 8
	CallbackModal                  = 9
)

// Discord's interaction timing rules.
const (
	// InteractionDeadline is how long after dispatch the first callback may
	// come.
	InteractionDeadline = 3 * time.Second
	// InteractionTokenTTL is how long the interaction token works for
	// follow-ups and edits.
	InteractionTokenTTL = 15 * time.Minute
)

// allowedCallbacks maps an interaction type to the callback types Discord
// accepts for it.
func allowedCallbacks(interactionType int) []int {
	switch interactionType {
	case InteractionPing:
		return []int{CallbackPong}
	case InteractionApplicationCommand:
		return []int{CallbackChannelMessage, CallbackDeferredChannelMessage, CallbackModal}
	case InteractionMessageComponent:
		return []int{CallbackChannelMessage, CallbackDeferredChannelMessage, CallbackDeferredUpdateMessage, CallbackUpdateMessage, CallbackModal}
	case InteractionAutocomplete:
		return []int{CallbackAutocompleteResult}
	case InteractionModalSubmit:
		return []int{CallbackChannelMessage, CallbackDeferredChannelMessage, CallbackDeferredUpdateMessage, CallbackUpdateMessage}
	}
	return nil
}

// Interaction is what a test asks the fake to send to the bot.
type Interaction struct {
	// ID and Token are generated when empty.
	ID    string
	Token string
	// Type defaults to InteractionApplicationCommand.
	Type int
	// Data is marshalled as the interaction's data. For commands and
	// autocomplete it must name a registered command ("name"); the fake
	// fills "id" and "type" from the registration. For components it needs
	// the "custom_id" of a component on MessageID; for modal submits the
	// "custom_id" of a modal the bot opened for UserID.
	Data any
	// ChannelID defaults to the first guild text channel. A DM channel id
	// makes a DM interaction (user instead of member, no guild).
	ChannelID string
	// UserID is the invoking user, by default the first seeded user.
	UserID string
	// MessageID is the message carrying the component (type 3).
	MessageID string
	// Locale defaults to "en-US".
	Locale string
	// Redelivery sends an interaction whose ID was sent before, as a
	// platform re-delivering one it is unsure arrived: the fake keeps the
	// latest delivery's result under the ID.
	Redelivery bool
}

// RejectedCallback is a callback attempt the fake refused.
type RejectedCallback struct {
	At      time.Time
	Status  int
	Code    int
	Message string
}

// InteractionResult is what became of an interaction.
type InteractionResult struct {
	ID        string
	Token     string
	Type      int
	Transport string // "gateway" or "http"
	// DispatchedAt is the Clock's time when the interaction was sent.
	DispatchedAt time.Time
	Acknowledged bool
	CallbackType int
	CallbackData json.RawMessage
	CallbackAt   time.Time
	// Latency is CallbackAt - DispatchedAt on the Clock.
	Latency time.Duration
	// OriginalMessageID is the @original message (the reply, the deferred
	// placeholder, or the component's message for types 6 and 7).
	OriginalMessageID string
	// Edits counts successful edits of @original after the callback.
	Edits              int
	FollowUpMessageIDs []string
	Rejected           []RejectedCallback
}

// interaction is the fake's record of one interaction. Guarded by s.mu.
type interaction struct {
	id, token       string
	typ             int
	transport       string
	channelID       string
	guildID         string
	userID          string
	messageID       string
	commandType     int
	createdAt       time.Time
	acked           bool
	cbType          int
	cbData          json.RawMessage
	cbAt            time.Time
	originalID      string
	deferredPending bool
	edits           int
	followUps       []string
	rejected        []RejectedCallback
	done            chan struct{}
	doneClosed      bool
}

func (ix *interaction) signal() {
	if !ix.doneClosed {
		ix.doneClosed = true
		close(ix.done)
	}
}

func (ix *interaction) result() InteractionResult {
	r := InteractionResult{
		ID: ix.id, Token: ix.token, Type: ix.typ, Transport: ix.transport,
		DispatchedAt: ix.createdAt, Acknowledged: ix.acked, CallbackType: ix.cbType,
		CallbackData: append(json.RawMessage(nil), ix.cbData...), CallbackAt: ix.cbAt,
		OriginalMessageID: ix.originalID, Edits: ix.edits,
		FollowUpMessageIDs: append([]string(nil), ix.followUps...),
		Rejected:           append([]RejectedCallback(nil), ix.rejected...),
	}
	if ix.acked {
		r.Latency = ix.cbAt.Sub(ix.createdAt)
	}
	return r
}

// InteractionResult returns the current state of an interaction.
func (s *Server) InteractionResult(id string) (InteractionResult, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, ok := s.interactions[id]
	if !ok {
		return InteractionResult{}, false
	}
	return ix.result(), true
}

// Interactions returns the results of every interaction sent so far, oldest
// first.
func (s *Server) Interactions() []InteractionResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]InteractionResult, 0, len(s.interactions))
	for _, ix := range s.interactions {
		out = append(out, ix.result())
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].DispatchedAt.Equal(out[j].DispatchedAt) {
			return out[i].DispatchedAt.Before(out[j].DispatchedAt)
		}
		return len(out[i].ID) < len(out[j].ID) || (len(out[i].ID) == len(out[j].ID) && out[i].ID < out[j].ID)
	})
	return out
}

// DispatchInteraction sends INTERACTION_CREATE to the gateway session that
// handles the guild and waits until the bot's callback is accepted, until a
// callback is refused for coming too late, until InteractionDeadline has
// passed on the Clock (or, as a backstop for a frozen clock, a little longer
// in real time), or until ctx ends. An unanswered interaction is not an
// error: check Acknowledged and Rejected.
func (s *Server) DispatchInteraction(ctx context.Context, i Interaction) (InteractionResult, error) {
	if i.Type == InteractionPing {
		return InteractionResult{}, Error("discordfake: ping interactions are only sent over HTTP")
	}
	sess := s.gw.sessionFor(s.opts.GuildID)
	if sess == nil {
		return InteractionResult{}, ErrNotConnected
	}
	ix, payload, err := s.prepareInteraction(i, "gateway")
	if err != nil {
		return InteractionResult{}, err
	}
	if !s.gw.sendTo(sess, "INTERACTION_CREATE", json.RawMessage(payload)) {
		return InteractionResult{}, ErrNotConnected
	}
	backstop := time.NewTimer(InteractionDeadline + 500*time.Millisecond)
	defer backstop.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ix.done:
		case <-backstop.C:
		case <-ctx.Done():
			res, _ := s.InteractionResult(ix.id)
			return res, ctx.Err()
		case <-tick.C:
			if s.clock().Sub(ix.createdAt) <= InteractionDeadline {
				continue
			}
		}
		res, _ := s.InteractionResult(ix.id)
		return res, nil
	}
}

// prepareInteraction validates i, registers it and renders its payload.
func (s *Server) prepareInteraction(i Interaction, transport string) (*interaction, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := &interaction{
		id: i.ID, token: i.Token, typ: i.Type, transport: transport,
		userID: i.UserID, channelID: i.ChannelID, messageID: i.MessageID, done: make(chan struct{}),
	}
	if ix.typ == 0 {
		ix.typ = InteractionApplicationCommand
	}
	if ix.typ < InteractionPing || ix.typ > InteractionModalSubmit {
		return nil, nil, fmt.Errorf("discordfake: unknown interaction type %d", ix.typ)
	}
	if ix.id == "" {
		ix.id = s.ids.next()
	}
	if ix.token == "" {
		ix.token = "aW50ZXJhY3Rpb246" + randomToken(48)
	}
	if _, dup := s.interactions[ix.id]; dup && !i.Redelivery {
		return nil, nil, fmt.Errorf("discordfake: interaction %s already exists", ix.id)
	}
	var data json.RawMessage
	if ix.typ != InteractionPing {
		if ix.userID == "" {
			ix.userID = s.opts.Users[0].ID
		}
		if _, ok := s.users[ix.userID]; !ok {
			return nil, nil, fmt.Errorf("discordfake: unknown user %q", ix.userID)
		}
		if ix.channelID == "" {
			for _, c := range s.guildChannels() {
				if c.Type == ChannelText {
					ix.channelID = c.ID
					break
				}
			}
		}
		c, ok := s.channels[ix.channelID]
		if !ok {
			return nil, nil, fmt.Errorf("discordfake: unknown channel %q", ix.channelID)
		}
		if c.Type != ChannelDM {
			ix.guildID = s.opts.GuildID
		}
		var err error
		if data, err = s.interactionData(ix, i.Data); err != nil {
			return nil, nil, err
		}
	}
	locale := i.Locale
	if locale == "" {
		locale = "en-US"
	}
	payload, err := json.Marshal(s.interactionJSON(ix, data, locale))
	if err != nil {
		return nil, nil, err
	}
	ix.createdAt = s.clock()
	s.interactions[ix.id] = ix
	s.byToken[ix.token] = ix
	return ix, payload, nil
}

// interactionData checks that Discord could have sent this interaction: the
// command is registered, the component exists, the modal was opened. Caller
// holds s.mu.
func (s *Server) interactionData(ix *interaction, in any) (json.RawMessage, error) {
	data := map[string]any{}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("discordfake: interaction data: %w", err)
		}
		if err := json.Unmarshal(b, &data); err != nil {
			return nil, fmt.Errorf("discordfake: interaction data must be a JSON object: %w", err)
		}
	}
	str := func(k string) string { v, _ := data[k].(string); return v }
	switch ix.typ {
	case InteractionApplicationCommand, InteractionAutocomplete:
		typ := 0
		if t, ok := data["type"].(float64); ok {
			typ = int(t)
		}
		cmd := s.findCommand(str("name"), typ)
		if cmd == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownCommand, str("name"))
		}
		if ix.typ == InteractionAutocomplete && cmd.Type != CommandChatInput {
			return nil, fmt.Errorf("discordfake: autocomplete needs a chat input command, %q is type %d", cmd.Name, cmd.Type)
		}
		data["id"], data["type"] = cmd.ID, cmd.Type
		ix.commandType = cmd.Type
		if cmd.GuildID != "" {
			data["guild_id"] = cmd.GuildID
		}
	case InteractionMessageComponent:
		m, ok := s.messageByID[ix.messageID]
		if !ok || m.ChannelID != ix.channelID {
			return nil, fmt.Errorf("discordfake: component interaction needs MessageID of a message in channel %s", ix.channelID)
		}
		if !contains(componentCustomIDs(m.Components), str("custom_id")) {
			return nil, fmt.Errorf("discordfake: message %s has no component with custom_id %q", m.ID, str("custom_id"))
		}
		if _, ok := data["component_type"]; !ok {
			data["component_type"] = componentButton
		}
	case InteractionModalSubmit:
		key := ix.userID + "|" + str("custom_id")
		origin, ok := s.modals[key]
		if !ok {
			return nil, fmt.Errorf("discordfake: no open modal %q for user %s", str("custom_id"), ix.userID)
		}
		delete(s.modals, key)
		if ix.messageID == "" {
			ix.messageID = origin
		}
	}
	return json.Marshal(data)
}

// interactionJSON renders the interaction object. Caller holds s.mu.
func (s *Server) interactionJSON(ix *interaction, data json.RawMessage, locale string) map[string]any {
	m := map[string]any{
		"id": ix.id, "application_id": s.opts.ApplicationID, "type": ix.typ,
		"token": ix.token, "version": 1,
	}
	if ix.typ == InteractionPing {
		return m
	}
	c := s.channels[ix.channelID]
	u := s.users[ix.userID]
	m["data"] = data
	m["channel_id"] = ix.channelID
	m["channel"] = s.channelJSON(c)
	m["locale"] = locale
	m["app_permissions"] = formatUint(s.botPerms(c))
	m["entitlements"] = []any{}
	m["attachment_size_limit"] = maxFileSize
	m["authorizing_integration_owners"] = map[string]any{"0": s.opts.GuildID}
	if ix.guildID != "" {
		m["guild_id"] = ix.guildID
		m["guild"] = map[string]any{"id": ix.guildID, "locale": "en-US", "features": []any{}}
		m["guild_locale"] = "en-US"
		m["member"] = memberJSON(u, s.memberPerms(u, c), s.createdAt)
		m["context"] = 0
	} else {
		m["user"] = userJSON(u)
		m["context"] = 1
	}
	if msg, ok := s.messageByID[ix.messageID]; ok {
		m["message"] = s.messageJSON(msg)
	}
	return m
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Error is the type of the fake's sentinel errors.
type Error string

func (e Error) Error() string { return string(e) }

// Sentinel errors.
const (
	// ErrNotConnected: no identified gateway session can receive the event.
	ErrNotConnected Error = "discordfake: no gateway session is connected"
	// ErrUnknownCommand: Discord only sends interactions for registered
	// commands.
	ErrUnknownCommand Error = "discordfake: command is not registered"
)

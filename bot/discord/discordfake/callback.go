package discordfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// reject records a refused callback. Caller holds s.mu.
func (ix *interaction) reject(at time.Time, r reply) reply {
	rc := RejectedCallback{At: at, Status: r.status}
	if b, ok := r.body.(errorBody); ok {
		rc.Code, rc.Message = b.Code, b.Message
	}
	ix.rejected = append(ix.rejected, rc)
	return r
}

// interactionCallback serves POST /interactions/{id}/{token}/callback.
func (s *Server) interactionCallback(q *request) reply {
	payload, files, r := readPayload(q)
	s.mu.Lock()
	ix := s.interactions[q.param("interaction_id")]
	if ix == nil || ix.token != q.param("interaction_token") {
		s.mu.Unlock()
		return unknownInteraction()
	}
	if r != nil {
		rep := ix.reject(q.now, *r)
		s.mu.Unlock()
		return rep
	}
	rep, events := s.acceptCallback(ix, payload, files, q.now)
	if rep.status == http.StatusNoContent && q.query.Get("with_response") == "true" {
		rep = jsonReply(http.StatusOK, s.callbackResponse(ix))
	}
	s.mu.Unlock()
	for _, ev := range events {
		s.gw.dispatchMessage(ev.name, ev.event)
	}
	return rep
}

func (s *Server) callbackResponse(ix *interaction) map[string]any {
	resp := map[string]any{
		"interaction": map[string]any{"id": ix.id, "type": ix.typ, "response_message_id": nilIfEmpty(ix.originalID)},
		"resource":    map[string]any{"type": ix.cbType},
	}
	if m, ok := s.messageByID[ix.originalID]; ok {
		resp["resource"].(map[string]any)["message"] = s.messageJSON(m)
	}
	return resp
}

type namedEvent struct {
	name  string
	event messageEvent
}

// acceptCallback applies Discord's callback rules to a callback body and
// records the outcome. Caller holds s.mu.
func (s *Server) acceptCallback(ix *interaction, payload []byte, files []Attachment, now time.Time) (reply, []namedEvent) {
	if now.Sub(ix.createdAt) > InteractionDeadline {
		rep := ix.reject(now, unknownInteraction())
		ix.signal()
		return rep, nil
	}
	if ix.acked {
		return ix.reject(now, errReply(http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")), nil
	}
	var cb struct {
		Type *int            `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if r := decodeJSON(payload, &cb); r != nil {
		return ix.reject(now, *r), nil
	}
	var f formErrors
	if cb.Type == nil {
		f.required("type")
		return ix.reject(now, f.reply()), nil
	}
	if !containsInt(allowedCallbacks(ix.typ), *cb.Type) {
		f.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", fmt.Sprintf("Interaction response type %d is not valid for interaction type %d", *cb.Type, ix.typ))
		return ix.reject(now, f.reply()), nil
	}
	data := cb.Data
	if data == nil || isNull(data) {
		data = json.RawMessage("{}")
	}
	c := s.channels[ix.channelID]
	var events []namedEvent
	switch *cb.Type {
	case CallbackChannelMessage:
		in, r := parseMessage(data, files, FlagSuppressEmbeds|FlagEphemeral|FlagSuppressNotifications|FlagComponentsV2)
		if r != nil {
			return ix.reject(now, prefixFormErrors(*r, "data")), nil
		}
		content := ""
		if in.content != nil {
			content = *in.content
		}
		if isEmptyMessage(content, in.embeds, in.components, len(in.files), in.stickers, in.poll) {
			return ix.reject(now, emptyMessage()), nil
		}
		m := s.interactionMessage(ix, in, now)
		events = append(events, namedEvent{"MESSAGE_CREATE", s.messageEvent(m)})
	case CallbackDeferredChannelMessage:
		var d struct {
			Flags int `json:"flags"`
		}
		_ = json.Unmarshal(data, &d)
		m := s.interactionMessage(ix, &messageInput{flags: d.Flags&FlagEphemeral | FlagLoading}, now)
		ix.deferredPending = true
		events = append(events, namedEvent{"MESSAGE_CREATE", s.messageEvent(m)})
	case CallbackDeferredUpdateMessage, CallbackUpdateMessage:
		target, ok := s.messageByID[ix.messageID]
		if !ok {
			f.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "This interaction has no message to update")
			return ix.reject(now, f.reply()), nil
		}
		if *cb.Type == CallbackUpdateMessage {
			in, r := parseMessage(data, files, FlagSuppressEmbeds|FlagComponentsV2)
			if r != nil {
				return ix.reject(now, prefixFormErrors(*r, "data")), nil
			}
			if r := s.applyEdit(target, in, now, s.botPerms(c)&PermMentionEveryone != 0); r != nil {
				return ix.reject(now, *r), nil
			}
			events = append(events, namedEvent{"MESSAGE_UPDATE", s.messageEvent(target)})
		}
		ix.originalID = target.ID
	case CallbackAutocompleteResult:
		validateAutocomplete(data, &f)
	case CallbackModal:
		if id := validateModal(data, &f); f.empty() {
			s.modals[ix.userID+"|"+id] = ix.messageID
		}
	}
	if !f.empty() {
		return ix.reject(now, f.reply()), nil
	}
	ix.acked, ix.cbType, ix.cbData, ix.cbAt = true, *cb.Type, compactJSON(data), now
	ix.signal()
	return noContent(), events
}

// interactionMessage stores the reply message of an interaction. Caller
// holds s.mu.
func (s *Server) interactionMessage(ix *interaction, in *messageInput, now time.Time) *Message {
	if in.embeds == nil {
		in.embeds = json.RawMessage("[]")
	}
	m := s.newMessageFrom(in, ix.channelID, now, s.botPerms(s.channels[ix.channelID])&PermMentionEveryone != 0)
	m.WebhookID, m.InteractionID = s.opts.ApplicationID, ix.id
	switch {
	case ix.typ == InteractionApplicationCommand && ix.commandType == CommandChatInput:
		m.Type = MessageChatInputCommand
	case ix.typ == InteractionApplicationCommand:
		m.Type = MessageContextMenu
	}
	s.storeMessage(m)
	ix.originalID = m.ID
	return m
}

func validateAutocomplete(data json.RawMessage, f *formErrors) {
	var d struct {
		Choices []choiceIn `json:"choices"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		f.add("data.choices", "BASE_TYPE_ARRAY", "Must be an array.")
		return
	}
	if len(d.Choices) > maxCommandChoices {
		f.maxLength("data.choices", maxCommandChoices)
	}
	for i, c := range d.Choices {
		if c.Name == nil || *c.Name == "" || len([]rune(*c.Name)) > 100 {
			f.badLength(fmt.Sprintf("data.choices.%d.name", i), 1, 100)
		}
		if c.Value == nil {
			f.required(fmt.Sprintf("data.choices.%d.value", i))
		}
	}
}

// prefixFormErrors nests a 50035 reply's errors under prefix (callback data
// errors are reported under "data").
func prefixFormErrors(r reply, prefix string) reply {
	b, ok := r.body.(errorBody)
	if !ok || b.Errors == nil {
		return r
	}
	b.Errors = map[string]any{prefix: b.Errors}
	r.body = b
	return r
}

package discordfake

import (
	"net/http"
	"time"
)

// webhookInteraction resolves the interaction behind an interaction webhook
// (/webhooks/{application_id}/{token}). Caller holds s.mu.
func (s *Server) webhookInteraction(q *request) (*interaction, *reply) {
	if q.param("webhook_id") != s.opts.ApplicationID {
		r := errReply(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil, &r
	}
	ix := s.byToken[q.param("webhook_token")]
	if ix == nil || q.now.Sub(ix.createdAt) > InteractionTokenTTL {
		r := errReply(http.StatusUnauthorized, CodeInvalidWebhookToken, "Invalid Webhook Token")
		return nil, &r
	}
	// The webhook exists once the interaction was acknowledged with a
	// message-bearing callback.
	switch {
	case !ix.acked, ix.cbType == CallbackPong, ix.cbType == CallbackAutocompleteResult, ix.cbType == CallbackModal:
		r := errReply(http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil, &r
	}
	return ix, nil
}

// webhookMessage resolves @original or a follow-up id. Caller holds s.mu.
func (s *Server) webhookMessage(q *request, ix *interaction) (*Message, *reply) {
	id, ok := q.params["message_id"]
	if !ok || id == "@original" {
		id = ix.originalID
	} else if id != ix.originalID && !contains(ix.followUps, id) {
		r := unknownMessage()
		return nil, &r
	}
	m, found := s.messageByID[id]
	if !found {
		r := unknownMessage()
		return nil, &r
	}
	return m, nil
}

func (s *Server) getWebhookMessage(q *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, r := s.webhookInteraction(q)
	if r != nil {
		return *r
	}
	m, r := s.webhookMessage(q, ix)
	if r != nil {
		return *r
	}
	return jsonReply(http.StatusOK, s.messageJSON(m))
}

func (s *Server) editWebhookMessage(q *request) reply {
	payload, files, r := readPayload(q)
	if r != nil {
		return *r
	}
	in, r := parseMessage(payload, files, FlagSuppressEmbeds|FlagComponentsV2)
	if r != nil {
		return *r
	}
	s.mu.Lock()
	ix, r := s.webhookInteraction(q)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	m, r := s.webhookMessage(q, ix)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	if r := s.applyEdit(m, in, q.now, s.botPerms(s.channels[ix.channelID])&PermMentionEveryone != 0); r != nil {
		s.mu.Unlock()
		return *r
	}
	if m.ID == ix.originalID {
		ix.edits++
		ix.deferredPending = false
	}
	out := s.messageJSON(m)
	ev := s.messageEvent(m)
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_UPDATE", ev)
	return jsonReply(http.StatusOK, out)
}

func (s *Server) deleteWebhookMessage(q *request) reply {
	s.mu.Lock()
	ix, r := s.webhookInteraction(q)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	m, r := s.webhookMessage(q, ix)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	s.removeMessage(m)
	ev := messageEvent{guildID: m.GuildID, skip: m.Ephemeral(),
		payload: map[string]any{"id": m.ID, "channel_id": m.ChannelID, "guild_id": nilIfEmpty(m.GuildID)}}
	s.mu.Unlock()
	s.gw.dispatchMessage("MESSAGE_DELETE", ev)
	return noContent()
}

// executeFollowUp serves POST /webhooks/{application_id}/{token}. After a
// deferred (type 5) callback, the first follow-up replaces the "thinking"
// placeholder instead of creating a message, keeping its ephemeral flag, as
// Discord does. The message is always returned.
func (s *Server) executeFollowUp(q *request) reply {
	payload, files, r := readPayload(q)
	if r != nil {
		return *r
	}
	in, r := parseMessage(payload, files, FlagSuppressEmbeds|FlagEphemeral|FlagSuppressNotifications|FlagComponentsV2)
	if r != nil {
		return *r
	}
	s.mu.Lock()
	ix, r := s.webhookInteraction(q)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	content := ""
	if in.content != nil {
		content = *in.content
	}
	if isEmptyMessage(content, in.embeds, in.components, len(in.files), in.stickers, in.poll) {
		s.mu.Unlock()
		return emptyMessage()
	}
	if s.opts.MaxFollowUps > 0 && len(ix.followUps) >= s.opts.MaxFollowUps {
		s.mu.Unlock()
		return errReply(http.StatusBadRequest, 40094, "This interaction has hit the maximum number of follow up messages")
	}
	var m *Message
	name := "MESSAGE_CREATE"
	if orig, ok := s.messageByID[ix.originalID]; ok && ix.deferredPending && orig.Flags&FlagLoading != 0 {
		in.flags = in.flags&^FlagEphemeral | orig.Flags&FlagEphemeral
		in.flagsSet = true
		if r := s.applyEdit(orig, in, q.now, s.botPerms(s.channels[ix.channelID])&PermMentionEveryone != 0); r != nil {
			s.mu.Unlock()
			return *r
		}
		// Replacing the placeholder is not an edit.
		orig.Edits--
		orig.EditedAt = time.Time{}
		m, name = orig, "MESSAGE_UPDATE"
		ix.deferredPending = false
	} else {
		m = s.newMessageFrom(in, ix.channelID, q.now, s.botPerms(s.channels[ix.channelID])&PermMentionEveryone != 0)
		m.WebhookID, m.InteractionID = s.opts.ApplicationID, ix.id
		s.storeMessage(m)
	}
	ix.followUps = append(ix.followUps, m.ID)
	out := s.messageJSON(m)
	ev := s.messageEvent(m)
	s.mu.Unlock()
	s.gw.dispatchMessage(name, ev)
	return jsonReply(http.StatusOK, out)
}

package discordfake

import (
	"encoding/json"
	"net/http"
)

// DMChannel returns the DM channel the bot opened with a user, if any.
func (s *Server) DMChannel(userID string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.dmByUser[userID]
	if !ok {
		return Channel{}, false
	}
	return s.channels[id].clone(), true
}

// createDM serves POST /users/@me/channels. Opening a DM twice returns the
// same channel, as on Discord.
func (s *Server) createDM(q *request) reply {
	var in struct {
		RecipientID json.RawMessage `json:"recipient_id"`
	}
	if r := decodeJSON(q.body, &in); r != nil {
		return *r
	}
	recipient, _, ok := optString(in.RecipientID)
	if !ok || recipient == "" {
		var f formErrors
		f.required("recipient_id")
		return f.reply()
	}
	s.mu.Lock()
	u, known := s.users[recipient]
	if !known {
		s.mu.Unlock()
		return errReply(http.StatusBadRequest, CodeInvalidRecipient, "Invalid Recipient(s)")
	}
	if id, ok := s.dmByUser[u.ID]; ok {
		out := s.channelJSON(s.channels[id])
		s.mu.Unlock()
		return jsonReply(http.StatusOK, out)
	}
	c := &Channel{ID: s.ids.next(), Type: ChannelDM, RecipientIDs: []string{u.ID}, CreatedAt: q.now}
	s.channels[c.ID] = c
	s.channelOrder = append(s.channelOrder, c.ID)
	s.dmByUser[u.ID] = c.ID
	out := s.channelJSON(c)
	s.mu.Unlock()
	return jsonReply(http.StatusOK, out)
}

package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AckDeadline is how long Slack waits for an app to acknowledge a slash
// command, interaction or event before showing the user an error (or, for
// events, retrying).
const AckDeadline = 3 * time.Second

// Ack records how the bot acknowledged one delivery, over Socket Mode or HTTP.
type Ack struct {
	EnvelopeID string // Socket Mode only
	Type       string // "slash_commands", "interactive" or "events_api"
	Transport  string // "socket" or "http"
	SentAt     time.Time
	Acked      bool          // an ack arrived (socket) or the bot answered HTTP 200
	Latency    time.Duration // from send to ack, by Options.Clock
	Late       bool          // Latency > AckDeadline: Slack would have shown an error
	// Payload is the ack's payload (socket) or the HTTP response body.
	Payload     json.RawMessage
	StatusCode  int    // HTTP only
	TriggerID   string // trigger id carried by the delivery, if any
	ResponseURL string // response_url carried by the delivery, if any
}

// SlashCommand is a slash command a user runs. The fake fills in team,
// user and channel names, api_app_id, a fresh trigger_id and a response_url.
type SlashCommand struct {
	Command   string // e.g. "/deploy"
	Text      string
	UserID    string
	ChannelID string
	// TriggerID, when set, is sent instead of a fresh trigger id: the same
	// command delivered again. It must be one the fake issued.
	TriggerID string
}

// Acks returns every delivery record, in send order. Records of deliveries
// still awaiting an ack show Acked false.
func (s *Server) Acks() []Ack {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	out := make([]Ack, 0, len(s.hub.acks))
	for _, a := range s.hub.acks {
		out = append(out, *a)
	}
	return out
}

// LateAcks counts deliveries acknowledged after AckDeadline or not at all
// (yet).
func (s *Server) LateAcks() int {
	n := 0
	for _, a := range s.Acks() {
		if a.Late || !a.Acked {
			n++
		}
	}
	return n
}

// slashPayload builds the fields Slack sends for a slash command and mints
// its trigger id and response_url.
func (s *Server) slashPayload(base string, cmd SlashCommand) (map[string]string, error) {
	if !strings.HasPrefix(cmd.Command, "/") {
		return nil, fmt.Errorf("slackfake: command %q must start with /", cmd.Command)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[cmd.UserID]
	if u == nil {
		return nil, errString("user_not_found")
	}
	c := s.channels[cmd.ChannelID]
	if c == nil {
		return nil, errString("channel_not_found")
	}
	trigger := cmd.TriggerID
	if trigger == "" {
		trigger = s.issueTriggerLocked(u.id)
	}
	chName := c.name
	switch {
	case c.im:
		chName = "directmessage"
	case c.private && !c.mpim:
		chName = "privategroup"
	}
	return map[string]string{
		"token": s.opts.VerificationToken, "team_id": s.opts.TeamID, "team_domain": s.opts.TeamDomain,
		"channel_id": c.id, "channel_name": chName, "user_id": u.id, "user_name": u.name,
		"command": cmd.Command, "text": cmd.Text, "api_app_id": s.opts.AppID,
		"response_url": s.issueResponseURLLocked(base, "commands", c.id, u.id, ""),
		"trigger_id":   trigger,
	}, nil
}

func (s *Server) requireURL() (string, error) {
	if u := s.URL(); u != "" {
		return u, nil
	}
	return "", errors.New("slackfake: base URL unknown; call Start or SetURL first")
}

// SendSlashCommand delivers a slash command over Socket Mode and waits for
// the ack (or ctx). The returned Ack carries the trigger id and response_url
// the bot received.
func (s *Server) SendSlashCommand(ctx context.Context, cmd SlashCommand) (Ack, error) {
	base, err := s.requireURL()
	if err != nil {
		return Ack{}, err
	}
	f, err := s.slashPayload(base, cmd)
	if err != nil {
		return Ack{}, err
	}
	payload := obj{"is_enterprise_install": false}
	for k, v := range f {
		payload[k] = v
	}
	return s.deliver(ctx, "slash_commands", payload, Ack{TriggerID: f["trigger_id"], ResponseURL: f["response_url"]})
}

// interactionPayload normalizes an interaction payload: it must be a JSON
// object with a "type". Missing team, api_app_id, token and trigger_id are
// filled in, and block_actions / message_action / interactive_message get a
// response_url bound to their channel and source message.
func (s *Server) interactionPayload(base string, payload any) (map[string]any, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New("slackfake: interaction payload must be a JSON object")
	}
	typ, _ := m["type"].(string)
	if typ == "" {
		return nil, errors.New("slackfake: interaction payload needs a type")
	}
	sub := func(k string) map[string]any { o, _ := m[k].(map[string]any); return o }
	str := func(o map[string]any, k string) string { v, _ := o[k].(string); return v }
	if team := sub("team"); str(team, "id") == "" {
		if team == nil {
			team = map[string]any{}
			m["team"] = team
		}
		team["id"], team["domain"] = s.opts.TeamID, s.opts.TeamDomain
	}
	for k, v := range map[string]string{"api_app_id": s.opts.AppID, "token": s.opts.VerificationToken} {
		if str(m, k) == "" {
			m[k] = v
		}
	}
	userID := str(sub("user"), "id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if str(m, "trigger_id") == "" && typ != "view_closed" {
		m["trigger_id"] = s.issueTriggerLocked(userID)
	}
	switch typ {
	case "block_actions", "message_action", "interactive_message":
		chID := str(sub("channel"), "id")
		if chID == "" {
			chID = str(sub("container"), "channel_id")
		}
		if str(m, "response_url") == "" && chID != "" {
			msgTS := str(sub("container"), "message_ts")
			if msgTS == "" {
				msgTS = str(sub("message"), "ts")
			}
			m["response_url"] = s.issueResponseURLLocked(base, "actions", chID, userID, msgTS)
		}
	}
	return m, nil
}

// SendInteraction delivers an interaction payload (block_actions,
// view_submission, shortcut ...; a slack.InteractionCallback or any value
// that marshals to the payload JSON) over Socket Mode and waits for the ack.
func (s *Server) SendInteraction(ctx context.Context, payload any) (Ack, error) {
	base, err := s.requireURL()
	if err != nil {
		return Ack{}, err
	}
	m, err := s.interactionPayload(base, payload)
	if err != nil {
		return Ack{}, err
	}
	tid, _ := m["trigger_id"].(string)
	rurl, _ := m["response_url"].(string)
	return s.deliver(ctx, "interactive", m, Ack{TriggerID: tid, ResponseURL: rurl})
}

// eventCallback wraps an inner event (anything that marshals to a JSON
// object with a "type") in Slack's event_callback envelope.
func (s *Server) eventCallback(event any) (map[string]any, error) {
	raw, err := json.Marshal(event)
	if err != nil {
		return nil, err
	}
	var inner map[string]any
	if err := json.Unmarshal(raw, &inner); err != nil || inner == nil {
		return nil, errors.New("slackfake: event must be a JSON object")
	}
	if t, _ := inner["type"].(string); t == "" {
		return nil, errors.New("slackfake: event needs a type")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts, _ := inner["event_ts"].(string); ts == "" {
		inner["event_ts"] = s.nextTSLocked()
	}
	return map[string]any{
		"token": s.opts.VerificationToken, "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"event": inner, "type": "event_callback", "event_id": s.nextIDLocked("Ev"),
		"event_time": s.now().Unix(), "event_context": "4-" + randomHex(12),
		"authorizations": []obj{{"enterprise_id": nil, "team_id": s.opts.TeamID,
			"user_id": s.opts.BotUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
	}, nil
}

// SendEvent delivers an Events API event (the inner event, e.g. a
// ReactionAddedEvent or an app_mention map) over Socket Mode, wrapped in an
// event_callback, and waits for the ack.
func (s *Server) SendEvent(ctx context.Context, event any) (Ack, error) {
	cb, err := s.eventCallback(event)
	if err != nil {
		return Ack{}, err
	}
	return s.deliver(ctx, "events_api", cb, Ack{})
}

package slack

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
)

// Bounds of request bodies: a slash command is a short form, an interaction carries
// a whole message or view.
const (
	maxCommandBody     = 64 << 10
	maxInteractionBody = 1 << 20
	maxEventBody       = 1 << 20
)

// Routes registers Slack's HTTP endpoints on mux. Every request must carry a valid
// signature made with Config.SigningSecret; without a secret, all are refused.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/commands", guarded(formType, a.serveCommand))
	mux.HandleFunc("POST /slack/interactions", guarded(formType, a.serveInteraction))
	mux.HandleFunc("POST /slack/events", guarded(jsonType, a.serveEvent))
}

// verified reads a bounded body and checks Slack's v0 signature over it (HMAC-SHA256
// of "v0:<timestamp>:<body>", compared in constant time, timestamp within five
// minutes). On failure it has answered and returns false.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, ok := bot.ReadBody(w, r, limit)
	if !ok {
		return nil, false
	}
	sv, err := slackapi.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		reason := "bad signature"
		switch {
		case errors.Is(err, slackapi.ErrMissingHeaders):
			reason = "unsigned"
		case errors.Is(err, slackapi.ErrExpiredTimestamp):
			reason = "stale timestamp"
		case errors.Is(err, slackapi.ErrInvalidConfiguration):
			reason = "no signing secret configured"
		}
		a.log.Warn("slack: request refused", "path", r.URL.Path, "reason", reason)
		http.Error(w, "invalid or missing Slack signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// refuseTeam answers 403 to a request from another workspace.
func (a *Adapter) refuseTeam(w http.ResponseWriter, r *http.Request, team string) {
	a.log.Warn("slack: request from another workspace refused", "path", r.URL.Path, "team", team)
	http.Error(w, "wrong workspace", http.StatusForbidden)
}

// acked writes the acknowledgement (payload as JSON, or an empty 200) and flushes
// it, so that it is on its way before the work that may follow it (answers, progress)
// starts. What the request asked for is committed before.
func acked(w http.ResponseWriter, payload any) {
	if payload != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(payload)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w).Flush()
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r, maxCommandBody)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	cmd := slackapi.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), UserID: form.Get("user_id"),
		Command: form.Get("command"), Text: form.Get("text"), ResponseURL: form.Get("response_url"),
		TriggerID: form.Get("trigger_id"), APIAppID: form.Get("api_app_id"),
	}
	if a.checkTeam(cmd.TeamID) != nil {
		a.refuseTeam(w, r, cmd.TeamID)
		return
	}
	payload, then := a.command(r.Context(), cmd)
	acked(w, payload)
	then()
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r, maxInteractionBody)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	var cb slackapi.InteractionCallback
	if err != nil || json.Unmarshal([]byte(form.Get("payload")), &cb) != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if a.checkTeam(cb.Team.ID) != nil {
		a.refuseTeam(w, r, cb.Team.ID)
		return
	}
	payload, then := a.interaction(r.Context(), cb)
	acked(w, payload)
	then()
}

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r, maxEventBody)
	if !ok {
		return
	}
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		acked(w, map[string]string{"challenge": env.Challenge})
		return
	}
	if a.checkTeam(env.TeamID) != nil {
		a.refuseTeam(w, r, env.TeamID)
		return
	}
	ack, then := a.event(r.Context(), env)
	if !ack {
		// Slack sends the event again later.
		http.Error(w, "not done; send it again", http.StatusServiceUnavailable)
		return
	}
	acked(w, nil)
	then()
}

package teams

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
	"mimbot/internal/httpguard"
)

// maxActivity bounds an activity's body: a message with its entities and a card's
// submitted inputs fit many times over.
const maxActivity = 256 << 10

// Routes registers POST /teams/messages, the bot's Bot Framework messaging endpoint,
// on mux. Every activity must carry a Bot Framework token for this app (see
// verifier); anything else is answered 401 before any other work.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /teams/messages", httpguard.ContentType("application/json", a.serveActivity))
}

func (a *Adapter) serveActivity(w http.ResponseWriter, r *http.Request) {
	body, ok := bot.ReadBody(w, r, maxActivity)
	if !ok {
		return
	}
	var act msapi.Activity
	bad := json.Unmarshal(body, &act) != nil
	why := "not started yet: the signing keys are not loaded"
	if v := a.verifier.Load(); v != nil {
		about := &act
		if bad {
			about = nil // no activity to bind the token to: the token alone is checked, then 400
		}
		why = v.check(r.Context(), r.Header.Get("Authorization"), about)
	}
	if why != "" {
		a.log.Warn("teams: request refused", "reason", why) // a.log names the platform
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if bad {
		http.Error(w, "bad activity", http.StatusBadRequest)
		return
	}
	a.sawServiceURL(act.ServiceURL)
	var resp any
	then := nothing
	// The Bot Framework may deliver an activity again: it is handled once.
	if act.ID == "" || a.seen.Add(conversationID(&act)+"/"+act.ID) {
		resp, then = a.handle(r.Context(), &act)
	} else if act.Type == "invoke" {
		resp = invokeMessage("Already done.")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if resp != nil {
		_ = json.NewEncoder(w).Encode(resp)
	}
	// The answer is on its way before any other call to Microsoft starts.
	_ = http.NewResponseController(w).Flush()
	then()
}

func nothing() {}

// handle works out the answer to a verified activity (the invoke response, or nil)
// and the work to start once it is out. It makes no call to Microsoft, but to look
// up a person mentioned whom it does not know, and then it answers first.
func (a *Adapter) handle(ctx context.Context, act *msapi.Activity) (any, func()) {
	if t := tenantOf(act); t != "" && t != a.cfg.TenantID {
		// The bot is single-tenant: its war rooms and people are in one tenant.
		a.log.Warn("teams: activity from another tenant ignored", "tenant", t)
		if act.Type == "invoke" {
			return invokeMessage("mimbot serves another organisation; nothing was done."), nothing
		}
		return nil, nothing
	}
	a.installed(act)
	switch act.Type {
	case "message":
		if len(act.Value) > 0 && strings.TrimSpace(act.Text) == "" {
			return nil, a.submitted(ctx, act)
		}
		return nil, a.message(ctx, act)
	case "invoke":
		if act.Name == "adaptiveCard/action" {
			return a.invoked(ctx, act)
		}
		return invokeMessage("mimbot does not know this action."), nothing
	}
	return nil, nothing
}

// installed remembers the personal conversation an activity of a 1:1 chat reveals
// (the app installed, a message), so that a direct message to its person needs no
// conversation created.
func (a *Adapter) installed(act *msapi.Activity) {
	if act.Conversation == nil || act.Conversation.ConversationType != "personal" || act.From == nil || act.From.AADObjectID == "" {
		return
	}
	a.rememberPersonal(act.From.AADObjectID, act.Conversation.ID)
}

// tenantOf is the tenant an activity comes from, or "" when it does not say.
func tenantOf(act *msapi.Activity) string {
	if act.ChannelData != nil && act.ChannelData.Tenant != nil && act.ChannelData.Tenant.ID != "" {
		return act.ChannelData.Tenant.ID
	}
	if act.Conversation != nil {
		return act.Conversation.TenantID
	}
	return ""
}

// conversationID is the conversation of an activity, or "".
func conversationID(act *msapi.Activity) string {
	if act.Conversation == nil {
		return ""
	}
	return act.Conversation.ID
}

// roomOf is the channel an activity was typed in ("" in a personal or group chat):
// the channel's id, not the thread's conversation id.
func roomOf(act *msapi.Activity) string {
	if act.ChannelData != nil && act.ChannelData.Channel != nil && act.ChannelData.Channel.ID != "" {
		return act.ChannelData.Channel.ID
	}
	if act.Conversation != nil && act.Conversation.ConversationType == "channel" {
		id, _, _ := strings.Cut(act.Conversation.ID, ";")
		return id
	}
	return ""
}

// invokeResponse is the answer to an adaptiveCard/action invoke: a message Teams
// shows the person who pressed the button.
type invokeResponse struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      string `json:"value"`
}

func invokeMessage(text string) invokeResponse {
	return invokeResponse{StatusCode: http.StatusOK, Type: "application/vnd.microsoft.activity.message", Value: bot.Truncate(text, 1000)}
}

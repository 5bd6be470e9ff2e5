package teamsfake

import (
	"encoding/json"
	"strings"
)

// Activity is a Bot Framework activity: the fake's own copy of the subset
// mimbot reads and writes, with the same JSON as msapi.Activity.
type Activity struct {
	Type         string          `json:"type"`
	ID           string          `json:"id,omitempty"`
	Timestamp    string          `json:"timestamp,omitempty"`
	ServiceURL   string          `json:"serviceUrl,omitempty"`
	ChannelID    string          `json:"channelId,omitempty"`
	From         *Account        `json:"from,omitempty"`
	Recipient    *Account        `json:"recipient,omitempty"`
	Conversation *Conversation   `json:"conversation,omitempty"`
	Text         string          `json:"text,omitempty"`
	TextFormat   string          `json:"textFormat,omitempty"`
	Summary      string          `json:"summary,omitempty"`
	Attachments  []Attachment    `json:"attachments,omitempty"`
	Entities     []Entity        `json:"entities,omitempty"`
	ChannelData  *ChannelData    `json:"channelData,omitempty"`
	ReplyToID    string          `json:"replyToId,omitempty"`
	Value        json.RawMessage `json:"value,omitempty"`
	Name         string          `json:"name,omitempty"`
}

// Account is a user or the bot.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// Conversation identifies where an activity happened.
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"` // "channel", "personal", "groupChat"
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

// Attachment is a card or a file. ContentURL and Name are the fields of a
// file or image attachment; cards carry Content.
type Attachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content,omitempty"`
	ContentURL  string          `json:"contentUrl,omitempty"`
	Name        string          `json:"name,omitempty"`
}

// AdaptiveCard is the content type of an Adaptive Card attachment.
const AdaptiveCard = "application/vnd.microsoft.card.adaptive"

// Entity is an activity entity; mimbot uses mentions.
type Entity struct {
	Type      string   `json:"type"`
	Mentioned *Account `json:"mentioned,omitempty"`
	Text      string   `json:"text,omitempty"`
}

// ChannelData is the Teams-specific part of an activity.
type ChannelData struct {
	Tenant  *Ref `json:"tenant,omitempty"`
	Team    *Ref `json:"team,omitempty"`
	Channel *Ref `json:"channel,omitempty"`
}

// Ref names a tenant, team or channel.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// BotName is the bot's display name in activities.
const BotName = "mimbot"

// splitConv splits a conversation id into its base and the thread's root
// message id: "19:x@thread.tacv2;messageid=17" -> ("19:x@thread.tacv2", "17").
func splitConv(conv string) (base, thread string) {
	base, rest, ok := strings.Cut(conv, ";")
	if !ok {
		return conv, ""
	}
	if v, ok := strings.CutPrefix(rest, "messageid="); ok {
		return base, v
	}
	return base, ""
}

package msapi

import "encoding/json"

// Activity is a Bot Framework activity (the subset mimbot reads and writes).
type Activity struct {
	Type         string          `json:"type"` // "message", "invoke", "conversationUpdate"
	ID           string          `json:"id,omitempty"`
	Timestamp    string          `json:"timestamp,omitempty"`
	ServiceURL   string          `json:"serviceUrl,omitempty"`
	ChannelID    string          `json:"channelId,omitempty"` // "msteams"
	From         *Account        `json:"from,omitempty"`
	Recipient    *Account        `json:"recipient,omitempty"`
	Conversation *Conversation   `json:"conversation,omitempty"`
	Text         string          `json:"text,omitempty"`
	TextFormat   string          `json:"textFormat,omitempty"` // "markdown", "plain", "xml"
	Summary      string          `json:"summary,omitempty"`
	Attachments  []Attachment    `json:"attachments,omitempty"`
	Entities     []Entity        `json:"entities,omitempty"`
	ChannelData  *ChannelData    `json:"channelData,omitempty"`
	ReplyToID    string          `json:"replyToId,omitempty"`
	Value        json.RawMessage `json:"value,omitempty"`
	Name         string          `json:"name,omitempty"` // invoke name, e.g. "adaptiveCard/action"
}

// Account is a user or a bot in a conversation.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// Conversation is the conversation an activity belongs to: a channel (its id, with
// ";messageid=..." for a thread), a group chat or a personal chat.
type Conversation struct {
	ID               string `json:"id"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

// Attachment is a card or a file attached to an activity.
type Attachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content"`
}

// AdaptiveCard is the content type of an Adaptive Card attachment.
const AdaptiveCard = "application/vnd.microsoft.card.adaptive"

// Entity is an entity of an activity; mimbot uses mentions.
type Entity struct {
	Type      string   `json:"type"`
	Mentioned *Account `json:"mentioned,omitempty"`
	Text      string   `json:"text,omitempty"`
}

// ChannelData is Teams' part of an activity: the tenant, the team and the channel.
type ChannelData struct {
	Tenant  *Ref `json:"tenant,omitempty"`
	Team    *Ref `json:"team,omitempty"`
	Channel *Ref `json:"channel,omitempty"`
}

// Ref names a tenant, a team or a channel.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

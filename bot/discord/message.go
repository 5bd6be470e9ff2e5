package discord

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
	"mimbot/mim"
)

// Discord's message limits.
const (
	maxContent     = 2000 // characters of a message's content
	maxDescription = 4096 // characters of an embed's description
	maxEmbedTotal  = 6000 // characters across a message's embeds
	maxEmbedTitle  = 256
	maxFieldValue  = 1024
	maxEmbeds      = 10
	// maxParts is how many messages a long text may take; a longer one is attached as
	// a file under its beginning.
	maxParts = 4
)

// Message flags.
const flagEphemeral = 1 << 6

// mentions is allowed_mentions: exactly the users a message means to ping, never
// @everyone, @here or a role, whatever its text says.
type mentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users"`
	Roles []string `json:"roles"`
}

func only(users []string) mentions {
	if users == nil {
		users = []string{}
	}
	if len(users) > 100 {
		users = users[:100]
	}
	return mentions{Parse: []string{}, Users: users, Roles: []string{}}
}

// outgoing is the body of a message create (and of follow-ups).
type outgoing struct {
	Content         string                       `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed    `json:"embeds,omitempty"`
	Components      []discordgo.MessageComponent `json:"components,omitempty"`
	AllowedMentions mentions                     `json:"allowed_mentions"`
	Attachments     []attachment                 `json:"attachments,omitempty"`
	Flags           int                          `json:"flags,omitempty"`
	// Nonce with EnforceNonce makes Discord return the message it already created for
	// the same nonce in the last few minutes instead of posting it again.
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// edit is the body of a message edit: what it sets replaces what was there.
type edit struct {
	Content         *string                      `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed    `json:"embeds,omitempty"`
	Components      []discordgo.MessageComponent `json:"components"`
	AllowedMentions mentions                     `json:"allowed_mentions"`
	Attachments     []attachment                 `json:"attachments,omitempty"`
}

// attachment describes an uploaded file in the JSON payload.
type attachment struct {
	ID          int    `json:"id"`
	Filename    string `json:"filename"`
	Description string `json:"description,omitempty"`
}

// file is a file to upload with a message.
type file struct {
	name, contentType string
	data              []byte
}

// message is a message as Discord returns it (what the adapter reads of it).
type message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	Author    struct {
		ID string `json:"id"`
	} `json:"author"`
	Components []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
		} `json:"components"`
	} `json:"components"`
}

// customIDs lists the custom ids of a message's buttons.
func (m message) customIDs() []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			out = append(out, c.CustomID)
		}
	}
	return out
}

// render replaces mim's mention tokens by Discord mentions, or by the person's name
// when they have no Discord id. It returns the ids it mentioned: the users the
// message means to ping.
func (a *Adapter) render(text string) (string, []string) {
	cfg := a.surface.Config()
	var ids []string
	out := mim.RenderMentions(text, func(key string) string {
		if id := cfg.People[key].Discord; id != "" {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			return "<@" + id + ">"
		}
		return cfg.Display(key)
	})
	return out, ids
}

var userMentionRE = regexp.MustCompile(`<@!?([0-9]+)>`)

// pinged returns the users of want mentioned in part: a part of a long message pings
// only the people it names.
func pinged(part string, want []string) []string {
	var out []string
	for _, m := range userMentionRE.FindAllStringSubmatch(part, -1) {
		if slices.Contains(want, m[1]) && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// nonce identifies one message an outbox delivery posts, so that posting it again
// (the relay retrying after a lost answer) returns the message already there. It
// comes from the outbox message id and the part number, within Discord's 25
// characters; a message with no id (not from the outbox) gets a hash of what it says.
func nonce(m mim.Outgoing, channel string, part int) string {
	if m.ID > 0 {
		return "m" + strconv.FormatInt(m.ID, 36) + "." + strconv.Itoa(part)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%s|%s", channel, m.To, m.Kind, m.Text)
	return "h" + strconv.FormatUint(h.Sum64(), 36) + "." + strconv.Itoa(part)
}

// buttons returns the action row of buttons for an incident, or nil.
func buttons(names []string, incident int) []discordgo.MessageComponent {
	if len(names) == 0 || incident <= 0 {
		return nil
	}
	var row []discordgo.MessageComponent
	for _, b := range names {
		label := buttonLabel(b)
		if label == "" {
			continue
		}
		style := discordgo.SecondaryButton
		switch b {
		case mim.ButtonAck, mim.ButtonConfirm:
			style = discordgo.SuccessButton
		case mim.ButtonUpdate:
			style = discordgo.PrimaryButton
		case mim.ButtonResolve:
			style = discordgo.DangerButton
		}
		row = append(row, discordgo.Button{Label: label, Style: style, CustomID: buttonID(b, incident)})
	}
	if len(row) == 0 {
		return nil
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: row}}
}

// buttonLabel is what a button says ("": not a button mimbot knows).
func buttonLabel(b string) string {
	switch b {
	case mim.ButtonAck:
		return "Acknowledge"
	case mim.ButtonUpdate:
		return "Post update"
	case mim.ButtonResolve:
		return "Resolve"
	case mim.ButtonConfirm:
		return "It works: close it"
	case mim.ButtonReopen:
		return "Still broken: reopen"
	}
	return ""
}

// turn waits for channel's turn (see lanes), within bot.MaxWait: a channel busy for longer
// is worth trying again later.
func (a *Adapter) turn(ctx context.Context, channel string) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, bot.MaxWait)
	defer cancel()
	release, err = a.lanes.Acquire(ctx, channel)
	if err != nil {
		return nil, mim.Errorf(mim.EUNAVAILABLE, "channel %s is busy: %v", channel, err)
	}
	return release, nil
}

// postText posts text in channel, in parts under Discord's limits and in order; a text
// too long for maxParts messages goes as an attached file under its beginning.
// Buttons, if any, go under the last part. It keeps the channel's order.
func (a *Adapter) postText(ctx context.Context, channel string, m mim.Outgoing, text string, users []string, comps []discordgo.MessageComponent) error {
	release, err := a.turn(ctx, channel)
	if err != nil {
		return err
	}
	defer release()
	parts := bot.Split(text, maxContent)
	if len(parts) > maxParts {
		name := fmt.Sprintf("incident-%d-%s.md", m.Incident, m.Kind)
		if m.Incident == 0 {
			name = fmt.Sprintf("mimbot-%s.md", m.Kind)
		}
		head := bot.Split(text, maxContent-80)[0] + "\n… (the whole text is attached)"
		msg := outgoing{Content: head, AllowedMentions: only(pinged(head, users)), Components: comps,
			Nonce: nonce(m, channel, 0), EnforceNonce: true}
		_, err := a.post(ctx, channel, msg, file{name: name, contentType: "text/markdown; charset=utf-8", data: []byte(text)})
		return err
	}
	last := len(parts) - 1
	for last > 0 && strings.TrimSpace(parts[last]) == "" {
		last--
	}
	for i, p := range parts[:last+1] {
		if strings.TrimSpace(p) == "" {
			continue
		}
		msg := outgoing{Content: p, AllowedMentions: only(pinged(p, users)), Nonce: nonce(m, channel, i), EnforceNonce: true}
		if i == last {
			msg.Components = comps
		}
		if _, err := a.post(ctx, channel, msg); err != nil {
			return err
		}
	}
	return nil
}

// post creates one message (with files, as multipart) and returns it. The caller
// holds the channel's lane.
func (a *Adapter) post(ctx context.Context, channel string, msg outgoing, files ...file) (message, error) {
	c := call{
		method: http.MethodPost, path: "/channels/" + channel + "/messages",
		route: "POST /channels/{channel}/messages", major: channel,
		// A nonce makes a repeated create return the first message.
		idempotent: msg.EnforceNonce && msg.Nonce != "",
	}
	if len(files) == 0 {
		c.body = msg
	} else {
		for i, f := range files {
			msg.Attachments = append(msg.Attachments, attachment{ID: i, Filename: f.name})
		}
		var err error
		if c.contentType, c.raw, err = multipart(msg, files); err != nil {
			return message{}, err
		}
	}
	var out message
	err := a.rest.do(ctx, c, &out)
	return out, err
}

// multipart encodes a message with files: payload_json and files[n].
func multipart(payload any, files []file) (string, []byte, error) {
	dfiles := make([]*discordgo.File, len(files))
	for i, f := range files {
		dfiles[i] = &discordgo.File{Name: f.name, ContentType: f.contentType, Reader: strings.NewReader(string(f.data))}
	}
	return discordgo.MultipartBodyWithJSON(payload, dfiles)
}

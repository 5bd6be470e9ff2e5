package discord

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
	"mimbot/mim"
)

// Embed colours: a glance at the channel tells how bad it is and whether it is over.
const (
	colourP0      = 0xD83C3E
	colourP1      = 0xE67E22
	colourMinor   = 0xF1C40F
	colourDone    = 0x2ECC71
	colourDigest  = 0x5865F2
	colourNeutral = 0x95A5A6
)

// colour picks an embed colour for an incident (nil: the digest).
func colour(inc *mim.Incident) int {
	switch {
	case inc == nil:
		return colourDigest
	case inc.State == mim.Resolved || inc.State == mim.Closed:
		return colourDone
	case inc.State == mim.Cancelled:
		return colourNeutral
	case inc.Priority == mim.P0:
		return colourP0
	case inc.Priority == mim.P1:
		return colourP1
	}
	return colourMinor
}

// embeds lays text out as embeds: its first line is the title, the rest the
// description, continued in further embeds when it is longer than one holds. It
// returns the embeds in groups that each fit one message (ten embeds, 6,000
// characters).
func embeds(text string, inc *mim.Incident, at time.Time) [][]*discordgo.MessageEmbed {
	title, rest, _ := strings.Cut(strings.TrimSpace(text), "\n")
	title = bot.Truncate(strings.TrimSpace(title), maxEmbedTitle)
	rest = strings.TrimSpace(rest)
	stamp := ""
	if !at.IsZero() {
		stamp = at.UTC().Format(time.RFC3339)
	}
	descs := []string{""}
	if rest != "" {
		descs = bot.Split(rest, maxDescription)
	}
	var groups [][]*discordgo.MessageEmbed
	var group []*discordgo.MessageEmbed
	size := 0
	for i, d := range descs {
		e := &discordgo.MessageEmbed{Description: d, Color: colour(inc)}
		if i == 0 {
			e.Title = title
		}
		if i == len(descs)-1 {
			e.Timestamp = stamp
		}
		n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		if len(group) > 0 && (size+n > maxEmbedTotal || len(group) == maxEmbeds) {
			groups = append(groups, group)
			group, size = nil, 0
		}
		group = append(group, e)
		size += n
	}
	return append(groups, group)
}

// postEmbeds posts text as embeds (stakeholder posts, the digest), in as many
// messages as it takes, in order. Embeds never ping anyone.
func (a *Adapter) postEmbeds(ctx context.Context, channel string, m mim.Outgoing, text string, inc *mim.Incident) error {
	release, err := a.turn(ctx, channel)
	if err != nil {
		return err
	}
	defer release()
	for i, group := range embeds(text, inc, m.Created) {
		msg := outgoing{Embeds: group, AllowedMentions: only(nil), Nonce: nonce(m, channel, i), EnforceNonce: true}
		if _, err := a.post(ctx, channel, msg); err != nil {
			return err
		}
	}
	return nil
}

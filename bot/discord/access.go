package discord

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"mimbot/mim"
)

// Permission bits (discord.com/developers/docs/topics/permissions).
const (
	permAddReactions   uint64 = 1 << 6
	permViewChannel    uint64 = 1 << 10
	permSendMessages   uint64 = 1 << 11
	permManageMessages uint64 = 1 << 13
	permEmbedLinks     uint64 = 1 << 14
	permAttachFiles    uint64 = 1 << 15
	permReadHistory    uint64 = 1 << 16
	permConnect        uint64 = 1 << 20
	permSpeak          uint64 = 1 << 21
	permUseCommands    uint64 = 1 << 31
	permPublicThreads  uint64 = 1 << 35
	permPrivateThreads uint64 = 1 << 36
	permSendInThreads  uint64 = 1 << 38
	permPinMessages    uint64 = 1 << 51
)

// What each party may do in a war room (see below).
const (
	talk      = permSendMessages | permSendInThreads | permPublicThreads | permPrivateThreads | permAddReactions
	readOnly  = permViewChannel | permReadHistory
	teamText  = readOnly | permSendMessages | permEmbedLinks | permAttachFiles | permAddReactions | permUseCommands
	teamVoice = permViewChannel | permConnect | permSpeak
	botText   = readOnly | permSendMessages | permEmbedLinks | permAttachFiles | permManageMessages | permPinMessages
	botVoice  = permViewChannel | permConnect
)

// Overwrite types, and how many overwrites a channel may have.
const (
	overwriteRole   = 0
	overwriteMember = 1
	maxOverwrites   = 100
)

// The war room's access, by design:
//
//   - @everyone sees the text channel and its history but cannot post in it, react or
//     open threads: the whole guild can follow a major incident without asking, and the
//     room stays the team's working space.
//   - The major incident team (declarer, IM, comms, paged leads; the SMO head while no
//     IM is assigned) may post, attach files and react, and join the voice bridge.
//     People who join the team later (paged, assigned) are let in when the card is
//     next refreshed; nobody is let out before the room is archived.
//   - @everyone sees the voice bridge but cannot connect.
//   - The bot keeps what it needs (view, send, embed, attach, manage and pin messages)
//     whatever the category or @everyone say.
//   - An archived room is read-only for everyone but the bot.

// overwrite is a channel permission overwrite as Discord reads and writes it.
type overwrite struct {
	ID    string `json:"id"`
	Type  int    `json:"type"`
	Allow string `json:"allow"`
	Deny  string `json:"deny"`
}

func perm(id string, typ int, allow, deny uint64) overwrite {
	return overwrite{ID: id, Type: typ, Allow: strconv.FormatUint(allow, 10), Deny: strconv.FormatUint(deny, 10)}
}

func bits(s string) uint64 {
	v, _ := strconv.ParseUint(s, 10, 64)
	return v
}

// team returns the Discord ids of the people who work the incident in its war room.
func (a *Adapter) team(inc *mim.Incident) []string {
	keys := inc.Participants()
	if inc.IM == "" {
		keys = append(keys, a.surface.Config().Head...)
	}
	var ids []string
	bot := a.botUserID()
	for _, k := range keys {
		if id := a.discordID(k); id != "" && id != bot && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// roomAccess is the overwrites of a war room's text channel.
func (a *Adapter) roomAccess(team []string) []overwrite {
	out := []overwrite{perm(a.cfg.GuildID, overwriteRole, readOnly, talk)}
	if bot := a.botUserID(); bot != "" {
		out = append(out, perm(bot, overwriteMember, botText, 0))
	}
	for _, id := range team {
		if len(out) < maxOverwrites {
			out = append(out, perm(id, overwriteMember, teamText, 0))
		}
	}
	return out
}

// bridgeAccess is the overwrites of a war room's voice channel.
func (a *Adapter) bridgeAccess(team []string) []overwrite {
	out := []overwrite{perm(a.cfg.GuildID, overwriteRole, permViewChannel, permConnect)}
	if bot := a.botUserID(); bot != "" {
		out = append(out, perm(bot, overwriteMember, botVoice, 0))
	}
	for _, id := range team {
		if len(out) < maxOverwrites {
			out = append(out, perm(id, overwriteMember, teamVoice, 0))
		}
	}
	return out
}

// archivedAccess is the overwrites of an archived war room: read-only for everyone.
func (a *Adapter) archivedAccess() []overwrite {
	out := []overwrite{perm(a.cfg.GuildID, overwriteRole, readOnly, talk)}
	if bot := a.botUserID(); bot != "" {
		out = append(out, perm(bot, overwriteMember, botText, 0))
	}
	return out
}

// grant lets team into a channel (allow: the bits they need) by adding member
// overwrites to the ones it has, keeping anything an administrator set there. What is
// known to be in place is remembered, so that a card refresh costs no call when
// nobody joined the team.
func (a *Adapter) grant(ctx context.Context, channelID string, team []string, allow uint64) error {
	var missing []string
	for _, id := range team {
		if !a.granted.Has(channelID + "/" + id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	ch, err := a.channel(ctx, channelID)
	if err != nil {
		return err
	}
	changed := false
	ows := ch.Overwrites
	for _, id := range missing {
		i := slices.IndexFunc(ows, func(o overwrite) bool { return o.Type == overwriteMember && o.ID == id })
		switch {
		case i < 0 && len(ows) < maxOverwrites:
			ows = append(ows, perm(id, overwriteMember, allow, 0))
			changed = true
		case i >= 0 && (bits(ows[i].Allow)&allow != allow || bits(ows[i].Deny)&allow != 0):
			ows[i] = perm(id, overwriteMember, bits(ows[i].Allow)|allow, bits(ows[i].Deny)&^allow)
			changed = true
		}
	}
	if changed {
		err := a.rest.do(ctx, call{
			method: http.MethodPatch, path: "/channels/" + channelID, route: "PATCH /channels/{channel}", major: channelID,
			body: map[string]any{"permission_overwrites": ows}, idempotent: true,
		}, nil)
		if err != nil {
			return err
		}
	}
	for _, id := range missing {
		a.granted.Add(channelID + "/" + id)
	}
	return nil
}

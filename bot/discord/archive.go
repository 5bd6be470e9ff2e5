package discord

import (
	"context"
	"fmt"
	"net/http"

	"mimbot/mim"
)

// archive puts a closed (or cancelled) incident's war room away: the text channel
// moves to the "Archived incidents" category, read-only for everyone but the bot, and
// the voice bridge is deleted (the room is returned without it, to be recorded). Every
// step can be repeated, so a retry finishes the job.
func (a *Adapter) archive(ctx context.Context, inc *mim.Incident, room mim.WarRoom) (*mim.WarRoom, error) {
	ch, err := a.channel(ctx, room.ID)
	if discordCode(err) == codeUnknownChannel {
		return nil, nil // someone deleted it; the message will say so when it is refused
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	for refresh := false; ; refresh = true {
		parent, _, listed, err := a.category(ctx, archivedCategory, 1, refresh)
		if err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		if ch.ParentID == parent {
			break
		}
		// Parent and access change together.
		err = a.rest.do(ctx, call{
			method: http.MethodPatch, path: "/channels/" + room.ID, route: "PATCH /channels/{channel}", major: room.ID,
			body: map[string]any{"parent_id": parent, "permission_overwrites": a.archivedAccess()}, idempotent: true,
		}, nil)
		if err != nil && !listed && parentRefused(err) {
			continue // the category is gone or full since the adapter last looked
		}
		if err != nil {
			return nil, fmt.Errorf("archive #%s: %w", room.Name, err)
		}
		a.moved(room.ID, parent)
		a.log.Info("discord: war room archived", "incident", inc.Number, "channel", room.ID)
		break
	}
	if room.Voice == "" {
		return nil, nil
	}
	err = a.rest.do(ctx, call{
		method: http.MethodDelete, path: "/channels/" + room.Voice, route: "DELETE /channels/{channel}", major: room.Voice, idempotent: true,
	}, nil)
	if err != nil && discordCode(err) != codeUnknownChannel {
		return nil, fmt.Errorf("archive: delete the voice bridge: %w", err)
	}
	a.forget(room.Voice)
	room.Voice = ""
	return &room, nil
}

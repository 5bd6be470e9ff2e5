package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"mimbot/mim"
)

// guild is what the adapter knows of the guild's channels between declarations: the
// channels as last listed, plus those this process created, moved or deleted since.
// It spares a declaration the listing of every channel (one round trip before the war
// room can even be created). People and other replicas change channels too, so it is
// listed again wherever being out of date would matter: when a room request may be a
// retry (an earlier attempt may have created a channel it could not record), when it
// knows no category with room left, and when Discord refuses a channel's category.
// Name collisions are checked against it as it is: a channel someone created since
// with a war room's exact name ("mi-7-payments-down") only costs a second channel of
// that name, never a wrong room.
type guild struct {
	// mu is held while listing and creating categories, so that two war rooms
	// opening together do not create two categories.
	mu     sync.Mutex
	listed bool      // chans came from a listing
	chans  []channel // as listed, with this process's changes since
}

// listChannelsLocked lists the guild's channels and keeps them. The caller holds
// a.guild.mu.
func (a *Adapter) listChannelsLocked(ctx context.Context) ([]channel, error) {
	chans, err := a.guildChannels(ctx)
	if err != nil {
		return nil, err
	}
	a.guild.chans, a.guild.listed = chans, true
	return slices.Clone(chans), nil
}

// listChannels lists the guild's channels and keeps them.
func (a *Adapter) listChannels(ctx context.Context) ([]channel, error) {
	a.guild.mu.Lock()
	defer a.guild.mu.Unlock()
	return a.listChannelsLocked(ctx)
}

// remember adds a channel this process created (or updates it) in what it knows.
func (a *Adapter) remember(ch channel) {
	a.guild.mu.Lock()
	defer a.guild.mu.Unlock()
	if i := slices.IndexFunc(a.guild.chans, func(c channel) bool { return c.ID == ch.ID }); i >= 0 {
		a.guild.chans[i] = ch
		return
	}
	a.guild.chans = append(a.guild.chans, ch)
}

// moved records that channel id is now in category parent.
func (a *Adapter) moved(id, parent string) {
	a.guild.mu.Lock()
	defer a.guild.mu.Unlock()
	if i := slices.IndexFunc(a.guild.chans, func(c channel) bool { return c.ID == id }); i >= 0 {
		a.guild.chans[i].ParentID = parent
	}
}

// forget records that channel id is gone.
func (a *Adapter) forget(id string) {
	a.guild.mu.Lock()
	defer a.guild.mu.Unlock()
	a.guild.chans = slices.DeleteFunc(a.guild.chans, func(c channel) bool { return c.ID == id })
}

// category finds the category called name (or "name 2", "name 3"... when it is full)
// with room for need more channels, creating it the first time. It looks at what the
// adapter knows of the guild, and lists the guild's channels first when refresh is
// set or nothing is known yet, and before it concludes that a category is missing or
// full (it only ever creates one on a fresh listing). It returns the guild's channels
// as it saw them, and whether they were listed just now.
func (a *Adapter) category(ctx context.Context, name string, need int, refresh bool) (parent string, chans []channel, listed bool, err error) {
	g := &a.guild
	g.mu.Lock()
	defer g.mu.Unlock()
	if refresh || !g.listed {
		if chans, err = a.listChannelsLocked(ctx); err != nil {
			return "", nil, false, err
		}
		listed = true
	} else {
		chans = slices.Clone(g.chans)
	}
	for {
		id, want, full := pickCategory(chans, name, need)
		if id != "" {
			return id, chans, listed, nil
		}
		if !listed {
			// What is known says missing or full, and may be out of date: look.
			if chans, err = a.listChannelsLocked(ctx); err != nil {
				return "", nil, false, err
			}
			listed = true
			continue
		}
		if full != nil {
			return "", nil, false, full
		}
		body := map[string]any{"name": want, "type": channelCategory}
		if name == archivedCategory {
			body["permission_overwrites"] = a.archivedAccess()
		}
		var cat channel
		err = a.rest.do(ctx, call{
			method: http.MethodPost, path: "/guilds/" + a.cfg.GuildID + "/channels", route: "POST /guilds/{guild}/channels",
			major: a.cfg.GuildID, body: body,
		}, &cat)
		if err != nil {
			return "", nil, false, fmt.Errorf("create category %q: %w", want, err)
		}
		a.log.Info("discord: category created", "name", want, "channel", cat.ID)
		g.chans = append(g.chans, cat)
		// Another replica may have created the same category at the same moment: all
		// keep the oldest (the smallest snowflake) and the others delete their own.
		if again, lerr := a.listChannelsLocked(ctx); lerr == nil {
			if first := oldestCategory(again, want); first != "" && first != cat.ID {
				a.log.Info("discord: another replica created the category too; using the first", "name", want, "channel", first)
				if derr := a.rest.do(ctx, call{method: http.MethodDelete, path: "/channels/" + cat.ID, route: "DELETE /channels/{channel}", major: cat.ID, idempotent: true}, nil); derr != nil {
					a.log.Warn("discord: duplicate category not deleted", "channel", cat.ID, "err", derr)
				}
				g.chans = slices.DeleteFunc(g.chans, func(c channel) bool { return c.ID == cat.ID })
				return first, slices.Clone(g.chans), true, nil
			}
			return cat.ID, again, true, nil
		}
		return cat.ID, append(chans, cat), true, nil
	}
}

// oldestCategory returns the id of the oldest category called name: snowflakes grow
// with time, a longer one is a later one.
func oldestCategory(chans []channel, name string) string {
	first := ""
	for _, c := range chans {
		if c.Type != channelCategory || !strings.EqualFold(c.Name, name) {
			continue
		}
		if first == "" || len(c.ID) < len(first) || len(c.ID) == len(first) && c.ID < first {
			first = c.ID
		}
	}
	return first
}

// pickCategory finds, in chans, the category called name (or "name N") with room for
// need more channels; when there is none, want is the name of the one to create, or
// full says that every name is taken by a full category.
func pickCategory(chans []channel, name string, need int) (id, want string, full error) {
	children := map[string]int{}
	for _, c := range chans {
		if c.ParentID != "" {
			children[c.ParentID]++
		}
	}
	for n := 1; n <= mim.MaxRoomSuffix; n++ {
		want := name
		if n > 1 {
			want = fmt.Sprintf("%s %d", name, n)
		}
		id := oldestCategory(chans, want) // the same one in every replica
		if id == "" {
			return "", want, nil
		}
		if children[id]+need <= maxChannelsInCategory {
			return id, "", nil
		}
	}
	return "", "", mim.Errorf(mim.EINVALID, "the categories %q to \"%s %d\" are all full", name, name, mim.MaxRoomSuffix)
}

// parentRefused tells whether Discord refused a channel's category (parent_id): it
// is gone, or full. What the adapter knew of the guild was out of date.
func parentRefused(err error) bool {
	var e *apiError
	if !errors.As(err, &e) || e.Code != codeInvalidForm {
		return false
	}
	for item := range strings.SplitSeq(e.Detail, "; ") {
		if strings.HasPrefix(item, "parent_id") {
			return true
		}
	}
	return false
}

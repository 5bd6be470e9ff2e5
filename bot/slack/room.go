package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// Channel limits.
const (
	maxChannelName = 80
	maxTopic       = 250
)

// OpenRoom opens the incident's war room in the two steps of mim.Chat: first it
// creates the channel (with a numeric suffix when the name is taken, or adopts the one
// an earlier attempt created) and returns it to be recorded; then, concurrently, it
// invites the team, sets the topic, bookmarks the bridge and posts and pins the
// incident card. A room this process did not just create is resumed: only what is not
// visibly done is done.
func (a *Adapter) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	inc := req.Incident
	log := a.log.With("incident", inc.Number)
	if req.Existing == nil {
		var ch *slackapi.Channel
		if req.Attempt > 1 {
			// An earlier try may have created the channel and died before recording it.
			ch = a.orphan(ctx, inc, req.Name)
		}
		if ch == nil {
			var err error
			if ch, err = a.createChannel(ctx, req.Name); err != nil {
				return mim.WarRoom{}, fmt.Errorf("slack: open room: %w", err)
			}
			a.created.Add(ch.ID)
		}
		log.Info("slack: war room created", "channel", ch.ID, "name", ch.Name)
		return mim.WarRoom{Platform: Platform, ID: ch.ID, Name: ch.Name}, nil
	}
	room := *req.Existing
	channel := room.ID
	// A channel this process created a moment ago has nothing on it yet.
	resumed := !a.created.Has(channel)
	a.created.Forget(channel)

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		invited []string
		card    = room.Card
	)
	step := func(name string, fn func() error) {
		wg.Go(func() {
			err := fn()
			if err == nil {
				return
			}
			if mim.ErrorCode(err) == mim.EINVALID && name != "card" {
				// Slack will never take it; the room works without it.
				log.Warn("slack: war room step given up", "step", name, "channel", channel, "err", err)
				return
			}
			mu.Lock()
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			mu.Unlock()
		})
	}
	step("invite", func() error {
		names, err := a.invite(ctx, channel, inc)
		mu.Lock()
		invited = names
		mu.Unlock()
		return err
	})
	step("topic", func() error { return a.setTopic(ctx, channel, topic(a.surface.Config(), inc), resumed) })
	if inc.Bridge != "" {
		step("bookmark", func() error { return a.bookmark(ctx, channel, inc.Bridge, resumed) })
	}
	if room.Card != "" {
		step("card", func() error { return a.pin(ctx, channel, room.Card) })
	} else {
		step("card", func() error {
			ts := ""
			if resumed {
				// An earlier attempt may have posted and pinned the card, then died
				// before the room was recorded with it.
				ts = a.findCard(ctx, channel)
			}
			var err error
			if ts == "" {
				ts, err = a.postCard(ctx, inc, room)
			}
			mu.Lock()
			card = ts
			mu.Unlock()
			return err
		})
	}
	wg.Wait()
	room.Card = card
	if len(errs) > 0 {
		return room, fmt.Errorf("slack: open room %s: %w", channel, errors.Join(errs...))
	}
	a.roomReady(inc, room, invited)
	return room, nil
}

// createChannel creates a public channel named name, or name-2, name-3... when it is
// taken, always within Slack's 80 characters.
func (a *Adapter) createChannel(ctx context.Context, name string) (*slackapi.Channel, error) {
	name = mim.WarRoomName(name, 1, maxChannelName)
	for n := 1; n <= mim.MaxRoomSuffix; n++ {
		try := mim.WarRoomName(name, n, maxChannelName)
		var ch *slackapi.Channel
		err := a.call(ctx, "conversations.create", "", func(ctx context.Context) error {
			var err error
			ch, err = a.api.CreateConversationContext(ctx, slackapi.CreateConversationParams{ChannelName: try})
			return err
		})
		if slackCode(err) == "name_taken" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create #%s: %w", try, err)
		}
		return ch, nil
	}
	return nil, mim.Errorf(mim.EINVALID, "every channel name from #%s to #%s is taken", name, mim.WarRoomName(name, mim.MaxRoomSuffix, maxChannelName))
}

// orphan finds the war-room channel an earlier attempt at this incident created but
// could not record: named like the room (name or name-N), created by this bot since
// the declaration, not archived and not any incident's room. nil when there is none,
// or when Slack cannot be asked (a second channel is then the lesser harm).
func (a *Adapter) orphan(ctx context.Context, inc *mim.Incident, name string) *slackapi.Channel {
	name = mim.WarRoomName(name, 1, maxChannelName)
	since := inc.DeclaredAt.Add(-time.Second).Unix()
	var found *slackapi.Channel
	cursor := ""
	for page := 0; page < 50; page++ {
		var chans []slackapi.Channel
		err := a.call(ctx, "conversations.list", "", func(ctx context.Context) error {
			var err error
			chans, cursor, err = a.api.GetConversationsContext(ctx, &slackapi.GetConversationsParameters{
				Cursor: cursor, ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel"}})
			return err
		})
		if err != nil {
			a.log.Warn("slack: cannot look for an unrecorded war room", "incident", inc.Number, "err", err)
			return nil
		}
		for i := range chans {
			ch := &chans[i]
			if ch.Creator != a.botUserID() || int64(ch.Created) < since || !mim.IsWarRoomName(ch.Name, name, maxChannelName) {
				continue
			}
			if _, err := a.surface.IncidentByRoom(ctx, Platform, ch.ID); mim.ErrorCode(err) != mim.ENOTFOUND {
				continue // some incident's room, or the store cannot tell: do not take it
			}
			if found == nil || ch.Created < found.Created {
				found = ch
			}
		}
		if cursor == "" {
			break
		}
	}
	if found != nil {
		a.log.Warn("slack: adopting a war room channel an earlier attempt created", "incident", inc.Number, "channel", found.ID, "name", found.Name)
	}
	return found
}

// invite brings the declarer, the IM, comms and the paged leads into the room; people
// without a Slack id are skipped. It returns the names of those invited.
func (a *Adapter) invite(ctx context.Context, channel string, inc *mim.Incident) ([]string, error) {
	cfg := a.surface.Config()
	bot := a.botUserID()
	var ids, names []string
	for _, k := range inc.Participants() {
		id := cfg.People[k].Slack
		if id == "" || id == bot || slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		names = append(names, cfg.Display(k))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// force: someone already in the channel (a retry) or deactivated must not keep the
	// others out.
	err := a.call(ctx, "conversations.invite", channel, func(ctx context.Context) error {
		_, err := a.api.ForceInviteUsersToConversationContext(ctx, channel, ids...)
		return err
	})
	if code := slackCode(err); code == "already_in_channel" {
		err = nil
	}
	return names, err
}

// topic is the war room's topic: "P0 · investigating · IM Carol Diaz · bridge <url>".
func topic(cfg *mim.Config, inc *mim.Incident) string {
	im := "none yet"
	if inc.IM != "" {
		im = cfg.Display(inc.IM)
	}
	t := fmt.Sprintf("%s · %s · IM %s", inc.Priority, inc.State, im)
	if inc.Bridge != "" {
		t += " · bridge " + inc.Bridge
	}
	return bot.Truncate(t, maxTopic)
}

// setTopic sets the channel topic; when resuming, a topic already set is left alone.
func (a *Adapter) setTopic(ctx context.Context, channel, text string, resumed bool) error {
	if resumed {
		var info *slackapi.Channel
		err := a.call(ctx, "conversations.info", channel, func(ctx context.Context) error {
			var err error
			info, err = a.api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: channel})
			return err
		})
		if err == nil && info.Topic.Value != "" {
			return nil
		}
	}
	return a.call(ctx, "conversations.setTopic", channel, func(ctx context.Context) error {
		_, err := a.api.SetTopicOfConversationContext(ctx, channel, text)
		return err
	})
}

// bookmark adds the bridge to the channel's bookmarks; when resuming, a bookmark of
// the same link is left alone.
func (a *Adapter) bookmark(ctx context.Context, channel, link string, resumed bool) error {
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return mim.Errorf(mim.EINVALID, "the bridge %q is not a web link", link)
	}
	if resumed {
		var list []slackapi.Bookmark
		err := a.call(ctx, "bookmarks.list", channel, func(ctx context.Context) error {
			var err error
			list, err = a.api.ListBookmarksContext(ctx, channel)
			return err
		})
		if err == nil && slices.ContainsFunc(list, func(b slackapi.Bookmark) bool { return b.Link == link }) {
			return nil
		}
	}
	return a.call(ctx, "bookmarks.add", channel, func(ctx context.Context) error {
		_, err := a.api.AddBookmarkContext(ctx, channel, slackapi.AddBookmarkParameters{Title: "Bridge", Type: "link", Link: link, Emoji: ":telephone_receiver:"})
		return err
	})
}

// roomReady tells the declarer, through the declaration's progress, that the room
// is ready.
func (a *Adapter) roomReady(inc *mim.Incident, room mim.WarRoom, invited []string) {
	cfg := a.surface.Config()
	var paged []string
	for _, p := range inc.ActivePages() {
		paged = append(paged, fmt.Sprintf("%s (%s)", cfg.Display(p.Person), p.Tower))
	}
	line := fmt.Sprintf("War room <#%s> ready", room.ID)
	var parts []string
	if len(invited) > 0 {
		parts = append(parts, "invited "+strings.Join(invited, ", "))
	}
	if len(paged) > 0 {
		parts = append(parts, "paged "+strings.Join(paged, ", "))
	}
	if room.Card != "" {
		parts = append(parts, "card pinned")
	}
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, "; ")
	}
	line += ". Done."
	reply, text, ok := a.progress.Ready(inc.RequestKey, line)
	if !ok {
		return
	}
	a.spawn(func(ctx context.Context) {
		if err := reply(ctx, text, true); err != nil {
			a.log.Warn("slack: progress not shown", "incident", inc.Number, "err", err)
		}
	})
}

package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// Channel limits.
const (
	maxChannelName = 100
	maxTopic       = 1024
)

// The categories war rooms live in; "Major incidents 2" and so on when one is full.
const (
	activeCategory   = "Major incidents"
	archivedCategory = "Archived incidents"
)

// OpenRoom opens the incident's war room in the two steps of mim.Chat. First it
// creates the text channel in the "Major incidents" category (with a numeric suffix
// when the name is taken), already with its access and topic, and returns it to be
// recorded. Then, concurrently, it posts and pins the incident card and opens a voice
// channel beside it as the bridge (then named in the topic). On the way to the card
// there are three calls to Discord and nothing else: the category and the names taken
// come from what the adapter knows of the guild (see guild), unless the request may be
// a retry. A room this process did not just create is resumed: only what is not done
// yet is done, adopting the card and bridge an earlier attempt made, and never a
// second channel or card.
func (a *Adapter) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	inc := req.Incident
	log := a.log.With("incident", inc.Number)
	team := a.team(inc)
	if req.Existing == nil {
		ch, err := a.createRoom(ctx, req, req.Name, team)
		if err != nil {
			return mim.WarRoom{}, fmt.Errorf("discord: open room: %w", err)
		}
		a.mu.Lock()
		if len(a.created) > 10000 {
			clear(a.created)
		}
		a.created[ch.ID] = ch
		a.mu.Unlock()
		log.Info("discord: war room created", "channel", ch.ID, "name", ch.Name)
		return mim.WarRoom{Platform: Platform, ID: ch.ID, Name: ch.Name}, nil
	}
	room := *req.Existing
	// A channel this process created a moment ago is known, and has nothing on it yet.
	a.mu.Lock()
	ch, fresh := a.created[room.ID]
	delete(a.created, room.ID)
	a.mu.Unlock()
	if !fresh {
		found, err := a.channel(ctx, room.ID)
		if err != nil {
			return room, fmt.Errorf("discord: open room: find #%s: %w", room.Name, err)
		}
		ch = found
	}
	parent, topic := ch.ParentID, ch.Topic // the topic as created, or found when resuming
	rec := &recorder{room: room}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	step := func(name string, fn func() error) {
		wg.Go(func() {
			err := fn()
			if err == nil {
				return
			}
			if mim.ErrorCode(err) == mim.EINVALID && name != "card" {
				// Discord will never take it; the room works without it.
				log.Warn("discord: war room step given up", "step", name, "channel", room.ID, "err", err)
				return
			}
			mu.Lock()
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			mu.Unlock()
		})
	}
	step("bridge", func() error {
		voice := room.Voice
		if voice == "" {
			id, err := a.openBridge(ctx, inc, room, parent, team, !fresh)
			switch {
			case err != nil && mim.ErrorCode(err) == mim.EINVALID:
				// Discord will not have it (a full category...): the room, its topic
				// and the bridge's web link work without it.
				log.Warn("discord: no voice bridge", "channel", room.ID, "err", err)
			case err != nil:
				return err
			default:
				voice = id
				rec.set(func(r *mim.WarRoom) { r.Voice = id })
			}
		} else if !fresh {
			if err := a.grant(ctx, voice, team, teamVoice); err != nil && discordCode(err) != codeUnknownChannel {
				return err
			}
		}
		// The channel was created with its topic, which names the bridge by its web
		// link; the voice channel is added once it exists. The room works without it,
		// so a failure is only logged (and looked at again if the room is resumed).
		if topic == "" || voice != "" && !strings.Contains(topic, "<#"+voice+">") {
			if err := a.setTopic(ctx, room.ID, roomTopic(a.surface.Config(), inc, voice)); err != nil {
				log.Warn("discord: war room topic not updated", "channel", room.ID, "err", err)
			}
		}
		return nil
	})
	if !fresh {
		step("access", func() error { return a.grant(ctx, room.ID, team, teamText) })
	}
	step("card", func() error {
		card := room.Card
		if card == "" && !fresh {
			card = a.findCard(ctx, room.ID, inc.Number)
		}
		if card == "" {
			id, err := a.postCard(ctx, inc, rec.current(), nonceCard(room.ID))
			if id != "" {
				rec.set(func(r *mim.WarRoom) { r.Card = id })
			}
			return err
		}
		if card != room.Card {
			rec.set(func(r *mim.WarRoom) { r.Card = card })
		}
		return a.pin(ctx, room.ID, card)
	})
	wg.Wait()
	room = rec.current()
	if len(errs) > 0 {
		return room, fmt.Errorf("discord: open room %s: %w", room.ID, errors.Join(errs...))
	}
	for _, id := range team {
		a.granted.Add(room.ID + "/" + id)
		if room.Voice != "" {
			a.granted.Add(room.Voice + "/" + id)
		}
	}
	a.roomReady(inc, room, team)
	return room, nil
}

// recorder keeps the room as its concurrent set-up steps fill it in, so that what
// they created is returned (and recorded by the relay) even when another step failed.
type recorder struct {
	mu   sync.Mutex
	room mim.WarRoom
}

func (r *recorder) set(fn func(*mim.WarRoom)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.room)
}

func (r *recorder) current() mim.WarRoom {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.room
}

// freshWindow is how soon after its declaration a room request can only be a first
// attempt: the outbox relay tries a failed attempt again two seconds later at the
// soonest (its first backoff), and one whose process died once the lease (30 s) has
// run out. It is measured by the service's clock, which declared the incident.
const freshWindow = time.Second

// firstAttempt tells whether a room request is surely the first try (the outbox
// counts them across replicas). A request that may be a retry looks for what an
// earlier attempt, here or in another replica, created but could not record. When the
// count is unknown (0), the request counts as a first try only if this process has not
// tried the incident before and it was declared (or made major) moments ago.
func (a *Adapter) firstAttempt(req mim.RoomRequest) bool {
	inc := req.Incident
	first := a.attempted.Add(strconv.Itoa(inc.Number))
	if req.Attempt > 0 {
		return req.Attempt == 1
	}
	age := a.surface.Now().Sub(inc.DeclaredAt)
	return first && age > -freshWindow && age < freshWindow
}

// createRoom creates the war room's text channel, with its access and topic, or
// adopts the one an earlier attempt created but could not record (an unrecorded
// channel of this incident's name in the category).
func (a *Adapter) createRoom(ctx context.Context, req mim.RoomRequest, name string, team []string) (channel, error) {
	inc := req.Incident
	base := mim.WarRoomName(name, 1, maxChannelName)
	if base == "" {
		base = fmt.Sprintf("mi-%d", inc.Number)
	}
	retry := !a.firstAttempt(req)
	refresh := retry
	for {
		parent, chans, listed, err := a.category(ctx, activeCategory, 2, refresh)
		if err != nil {
			return channel{}, err
		}
		if retry {
			if ch, ok := a.orphan(ctx, chans, base, inc.DeclaredAt); ok {
				a.log.Warn("discord: adopting a war room channel created by an earlier attempt", "incident", inc.Number, "channel", ch.ID, "name", ch.Name)
				return ch, nil
			}
		}
		ch, err := a.createText(ctx, inc, chans, parent, base, team)
		if err != nil && !listed && parentRefused(err) {
			// The category is gone or full since the adapter last looked.
			a.log.Info("discord: war room category out of date, looking again", "incident", inc.Number, "err", err)
			refresh = true
			continue
		}
		if err != nil {
			return channel{}, err
		}
		a.remember(ch)
		return ch, nil
	}
}

// createText creates the war room's text channel in category parent, under the first
// of base, base-2, base-3... that no text channel of chans has.
func (a *Adapter) createText(ctx context.Context, inc *mim.Incident, chans []channel, parent, base string, team []string) (channel, error) {
	topic := roomTopic(a.surface.Config(), inc, "")
	for n := 1; n <= mim.MaxRoomSuffix; n++ {
		try := mim.WarRoomName(base, n, maxChannelName)
		if slices.ContainsFunc(chans, func(c channel) bool { return c.Type == channelText && c.Name == try }) {
			continue
		}
		body := map[string]any{"name": try, "type": channelText, "parent_id": parent, "permission_overwrites": a.roomAccess(team)}
		if topic != "" {
			body["topic"] = topic
		}
		var ch channel
		create := func() error {
			return a.rest.do(ctx, call{
				method: http.MethodPost, path: "/guilds/" + a.cfg.GuildID + "/channels", route: "POST /guilds/{guild}/channels", major: a.cfg.GuildID,
				body: body,
			}, &ch)
		}
		err := create()
		if discordCode(err) == codeMaxGuildChannels && a.pruneArchived(ctx, inc) {
			err = create()
		}
		if err != nil && mim.ErrorCode(err) == mim.EUNAVAILABLE && statusOf(err) != http.StatusTooManyRequests {
			// Discord may have created it before the answer was lost: look.
			if again, lerr := a.listChannels(ctx); lerr == nil {
				if i := slices.IndexFunc(again, func(c channel) bool {
					return c.Type == channelText && c.Name == try && c.ParentID == parent && createdSince(c.ID, inc.DeclaredAt)
				}); i >= 0 {
					return again[i], nil
				}
			}
		}
		if err != nil {
			return channel{}, fmt.Errorf("create #%s: %w", try, err)
		}
		return ch, nil
	}
	return channel{}, mim.Errorf(mim.EINVALID, "every channel name from #%s to #%s is taken", base, mim.WarRoomName(base, mim.MaxRoomSuffix, maxChannelName))
}

// orphan finds a text channel in a war-room category named like the room (base or
// base-N), created since the declaration, that no incident recorded. (A channel older
// than the incident is not its room: a room left over from another database, say.)
// Every war-room category is searched, not only the one a new room would go to: the
// orphan itself may have filled the category it was created in.
func (a *Adapter) orphan(ctx context.Context, chans []channel, base string, declared time.Time) (channel, bool) {
	rooms := warRoomCategories(chans)
	for _, c := range chans {
		if c.Type != channelText || !rooms[c.ParentID] || !mim.IsWarRoomName(c.Name, base, maxChannelName) || !createdSince(c.ID, declared) {
			continue
		}
		_, err := a.surface.IncidentByRoom(ctx, Platform, c.ID)
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return c, true
		}
	}
	return channel{}, false
}

// warRoomCategories are the ids of the categories war rooms are created in:
// "Major incidents", and "Major incidents 2", 3... once one is full.
func warRoomCategories(chans []channel) map[string]bool {
	ids := map[string]bool{}
	for _, c := range chans {
		if c.Type != channelCategory {
			continue
		}
		n, numbered := strings.CutPrefix(c.Name, activeCategory+" ")
		if c.Name == activeCategory || numbered && n != "" && strings.Trim(n, "0123456789") == "" {
			ids[c.ID] = true
		}
	}
	return ids
}

// createdSince tells whether the channel with snowflake id was created after t, give
// or take a few minutes of clock difference with Discord.
func createdSince(id string, t time.Time) bool {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return false
	}
	const discordEpochMS = 1420070400000
	created := time.UnixMilli(int64(n>>22) + discordEpochMS)
	return !created.Before(t.Add(-5 * time.Minute))
}

// openBridge creates the voice channel beside the war room; when resuming, it adopts
// one of the room's name that an earlier attempt created in the same category.
func (a *Adapter) openBridge(ctx context.Context, inc *mim.Incident, room mim.WarRoom, parent string, team []string, resumed bool) (string, error) {
	name := bot.Truncate(room.Name, maxChannelName)
	if resumed {
		if chans, err := a.listChannels(ctx); err == nil {
			for _, c := range chans {
				if c.Type == channelVoice && c.Name == name && c.ParentID == parent && createdSince(c.ID, inc.DeclaredAt) {
					return c.ID, nil
				}
			}
		}
	}
	body := map[string]any{"name": name, "type": channelVoice, "permission_overwrites": a.bridgeAccess(team)}
	if parent != "" {
		body["parent_id"] = parent
	}
	var ch channel
	err := a.rest.do(ctx, call{
		method: http.MethodPost, path: "/guilds/" + a.cfg.GuildID + "/channels", route: "POST /guilds/{guild}/channels",
		major: a.cfg.GuildID, body: body,
	}, &ch)
	if err != nil {
		return "", fmt.Errorf("create the voice bridge: %w", err)
	}
	a.remember(ch)
	a.log.Info("discord: voice bridge created", "incident", inc.Number, "channel", ch.ID)
	return ch.ID, nil
}

// roomTopic is the war room's topic: "P0 · investigating · IM Carol Diaz · bridge:
// <#voice> / https://...".
func roomTopic(cfg *mim.Config, inc *mim.Incident, voice string) string {
	im := "none yet"
	if inc.IM != "" {
		im = cfg.Display(inc.IM)
	}
	t := fmt.Sprintf("%s · %s · IM %s", inc.Priority, inc.State, im)
	var bridge []string
	if voice != "" {
		bridge = append(bridge, "<#"+voice+">")
	}
	if inc.Bridge != "" {
		bridge = append(bridge, inc.Bridge)
	}
	if len(bridge) > 0 {
		t += " · bridge: " + strings.Join(bridge, " / ")
	}
	return bot.Truncate(t, maxTopic)
}

// setTopic sets a channel's topic. Discord allows two name or topic changes per ten
// minutes per channel, so the topic is a bucket of its own and is set once.
func (a *Adapter) setTopic(ctx context.Context, channelID, topic string) error {
	return a.rest.do(ctx, call{
		method: http.MethodPatch, path: "/channels/" + channelID, route: "PATCH /channels/{channel} topic", major: channelID,
		body: map[string]string{"topic": topic}, idempotent: true,
	}, nil)
}

// roomReady tells the declarer, through the declaration's progress, that the room is
// ready.
func (a *Adapter) roomReady(inc *mim.Incident, room mim.WarRoom, team []string) {
	var parts []string
	if room.Voice != "" {
		parts = append(parts, "bridge <#"+room.Voice+">")
	}
	if room.Card != "" {
		parts = append(parts, "card pinned")
	}
	if len(team) > 0 {
		parts = append(parts, fmt.Sprintf("%d people let in", len(team)))
	}
	line := "Opening war room... done: <#" + room.ID + ">"
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	line += "."
	r, text, ok := a.progress.Ready(inc.RequestKey, line)
	if !ok {
		return
	}
	a.spawn(func(ctx context.Context) {
		if err := r.send(ctx, text); err != nil {
			a.log.Warn("discord: progress not shown", "incident", inc.Number, "err", err)
		}
	})
}

// pruneArchived makes room in a guild that holds its 500 channels: it deletes the
// oldest archived war room (its incident's timeline and summary stay in mimbot's
// database). It reports whether a channel was deleted.
func (a *Adapter) pruneArchived(ctx context.Context, inc *mim.Incident) bool {
	chans, err := a.listChannels(ctx)
	if err != nil {
		return false
	}
	archived := map[string]bool{}
	for _, c := range chans {
		if c.Type == channelCategory && strings.HasPrefix(strings.ToLower(c.Name), strings.ToLower(archivedCategory)) {
			archived[c.ID] = true
		}
	}
	oldest := ""
	for _, c := range chans {
		if c.Type == channelText && archived[c.ParentID] && (oldest == "" || len(c.ID) < len(oldest) || len(c.ID) == len(oldest) && c.ID < oldest) {
			oldest = c.ID
		}
	}
	if oldest == "" {
		a.log.Warn("discord: the guild holds 500 channels and no archived war room can make room", "incident", inc.Number)
		return false
	}
	err = a.rest.do(ctx, call{method: http.MethodDelete, path: "/channels/" + oldest, route: "DELETE /channels/{channel}", major: oldest, idempotent: true}, nil)
	if err != nil {
		a.log.Warn("discord: oldest archived war room not deleted", "channel", oldest, "err", err)
		return false
	}
	a.log.Info("discord: deleted the oldest archived war room to make room (500 channels)", "channel", oldest, "incident", inc.Number)
	a.forget(oldest)
	return true
}

package teams

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mimbot/bot/teams/msapi"
	"mimbot/mim"
)

// orphanLeeway is how much earlier than the declaration (by the service's clock) a
// channel may have been created (by Microsoft's) and still be taken for one an
// earlier attempt at this incident created: the two clocks differ a little.
const orphanLeeway = 5 * time.Second

// meetingLength is how long the Teams meeting of a war room is booked for; people
// may stay on after its end.
const meetingLength = 8 * time.Hour

// OpenRoom opens the incident's war room in the two steps of mim.Chat. First it
// creates a standard channel of the team, named like the room under Teams' rules (a
// numbered name when it is taken), or adopts the one an earlier attempt created but
// could not record, and returns it to be recorded. Then it books the Teams meeting
// when the configuration asks for one, and posts the room's first message: a text that
// mentions the incident manager and the paged leads and gives the bridge, with the
// incident card under it. A step already done (the meeting in WarRoom.Voice, the card
// in WarRoom.Card) is not done again. Text and card are one activity, one call: the
// Connector sends a conversation's messages one at a time, and the room is ready a
// call sooner.
func (a *Adapter) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	inc := req.Incident
	log := a.log.With("incident", inc.Number)
	if req.Existing == nil {
		ch, err := a.createRoom(ctx, req)
		if err != nil {
			return mim.WarRoom{}, fmt.Errorf("teams: open room: %w", coded(err))
		}
		a.rememberChannel(ch)
		log.Info("teams: war room created", "channel", ch.ID, "name", ch.DisplayName)
		return mim.WarRoom{Platform: Platform, ID: ch.ID, Name: ch.DisplayName}, nil
	}
	room := *req.Existing
	if room.Voice == "" && a.wantsMeeting() {
		url, err := a.meeting(ctx, inc)
		switch {
		case err != nil && mim.ErrorCode(coded(err)) == mim.EUNAVAILABLE:
			return room, fmt.Errorf("teams: open room %s: meeting: %w", room.ID, coded(err))
		case err != nil:
			// Teams will not have it (no organizer, no permission): the room works
			// without it, and the configured bridge stands.
			log.Warn("teams: no Teams meeting for the war room", "channel", room.ID, "err", err)
		default:
			room.Voice = url
		}
	}
	if room.Card == "" {
		id, err := a.connector.Send(ctx, a.connectorURL(), room.ID, a.incidentCard(inc, room))
		if err != nil {
			return room, fmt.Errorf("teams: open room %s: card: %w", room.ID, coded(err))
		}
		room.Card = id
	}
	room.Ready = true
	a.roomReady(inc, room)
	return room, nil
}

// createRoom creates the war room's channel under the first of its name, name-2,
// name-3... that is free, or adopts the channel an earlier attempt created. A request
// that may be a retry looks for that channel first; a name taken looks for it too,
// since another replica may be opening the same room.
func (a *Adapter) createRoom(ctx context.Context, req mim.RoomRequest) (msapi.Channel, error) {
	inc := req.Incident
	base := req.Name
	if msapi.ChannelName(base, 1) == "" {
		base = fmt.Sprintf("mi-%d", inc.Number)
	}
	looked := false
	look := func() (msapi.Channel, bool) {
		looked = true
		return a.orphan(ctx, inc, base)
	}
	if req.Attempt != 1 {
		if ch, ok := look(); ok {
			return ch, nil
		}
	}
	desc := fmt.Sprintf("War room of major incident %s: %s", inc.Ref(), inc.Title)
	for n := 1; n <= mim.MaxRoomSuffix; n++ {
		name := msapi.ChannelName(base, n)
		ch, err := a.graph.CreateChannel(ctx, name, desc)
		switch {
		case err == nil:
			return ch, nil
		case errors.Is(err, msapi.ErrNameTaken):
			if !looked {
				if ch, ok := look(); ok {
					return ch, nil
				}
			}
			continue
		case msapi.Temporary(err):
			// Graph may have created it before the answer was lost.
			if ch, ok := a.orphan(ctx, inc, base); ok {
				return ch, nil
			}
		}
		return msapi.Channel{}, fmt.Errorf("create channel %q: %w", name, err)
	}
	return msapi.Channel{}, mim.Errorf(mim.EINVALID, "every channel name from %q to %q is taken in the team",
		msapi.ChannelName(base, 1), msapi.ChannelName(base, mim.MaxRoomSuffix))
}

// orphan finds the channel an earlier attempt at inc created but could not record:
// named like the room (name or name-N), created since the declaration, and no
// incident's room. The first created wins. None when Graph cannot be asked (a second
// channel is then the lesser harm).
func (a *Adapter) orphan(ctx context.Context, inc *mim.Incident, base string) (msapi.Channel, bool) {
	chans, err := a.graph.Channels(ctx)
	if err != nil {
		a.log.Warn("teams: cannot look for an unrecorded war room", "incident", inc.Number, "err", err)
		return msapi.Channel{}, false
	}
	var found msapi.Channel
	for _, c := range chans {
		a.rememberChannel(c)
		if c.CreatedAt.Before(inc.DeclaredAt.Add(-orphanLeeway)) || !roomNamed(c.DisplayName, base) {
			continue
		}
		if _, err := a.surface.IncidentByRoom(ctx, Platform, c.ID); mim.ErrorCode(err) != mim.ENOTFOUND {
			continue // some incident's room, or the store cannot tell: do not take it
		}
		if found.ID == "" || c.CreatedAt.Before(found.CreatedAt) {
			found = c
		}
	}
	if found.ID == "" {
		return found, false
	}
	a.log.Warn("teams: adopting a war room channel an earlier attempt created", "incident", inc.Number, "channel", found.ID, "name", found.DisplayName)
	return found, true
}

// roomNamed tells whether a channel's name is the room's name or one of its
// numbered names (Teams compares names without case).
func roomNamed(channel, base string) bool {
	for n := 1; n <= mim.MaxRoomSuffix; n++ {
		if strings.EqualFold(channel, msapi.ChannelName(base, n)) {
			return true
		}
	}
	return false
}

// meeting books the war room's Teams meeting, organised by the incident manager or,
// without one, by the first head of the SMO; it returns the join link.
func (a *Adapter) meeting(ctx context.Context, inc *mim.Incident) (string, error) {
	cfg := a.surface.Config()
	organizer := a.teamsID(inc.IM)
	for _, h := range cfg.Head {
		if organizer == "" {
			organizer = a.teamsID(h)
		}
	}
	if organizer == "" {
		return "", mim.Errorf(mim.EINVALID, "neither the incident manager nor smo.head has a Teams id (people.<key>.teams) to organise the meeting")
	}
	now := a.surface.Now()
	subject := fmt.Sprintf("%s %s %s", inc.Priority, inc.Ref(), inc.Title)
	return a.graph.CreateMeeting(ctx, organizer, subject, now, now.Add(meetingLength))
}

// welcomeText is the text above the card: who is on the incident and where to talk.
// It is written again with each update of the card; its mentions notify people when
// the card is first posted.
func (a *Adapter) welcomeText(inc *mim.Incident, room mim.WarRoom) string {
	cfg := a.surface.Config()
	var b strings.Builder
	fmt.Fprintf(&b, "War room of %s %s (%s).\n", inc.Ref(), inc.Title, inc.Priority)
	if inc.IM != "" {
		fmt.Fprintf(&b, "Incident manager: %s.\n", mim.Mention(inc.IM))
	} else {
		fmt.Fprintf(&b, "No incident manager yet: escalated to %s.\n", mim.Mentions(cfg.Head))
	}
	var paged []string
	for _, p := range inc.ActivePages() {
		s := mim.Mention(p.Person)
		if p.Tower != "" {
			s += " (" + p.Tower + ")"
		}
		paged = append(paged, s)
	}
	if len(paged) > 0 {
		fmt.Fprintf(&b, "Paged: %s.\n", strings.Join(paged, ", "))
	}
	if room.Voice != "" {
		fmt.Fprintf(&b, "Teams meeting: %s\n", room.Voice)
	}
	if inc.Bridge != "" {
		fmt.Fprintf(&b, "Bridge: %s\n", inc.Bridge)
	}
	return strings.TrimSpace(b.String())
}

// roomReady tells the declarer, through the declaration's progress, that the room is
// ready.
func (a *Adapter) roomReady(inc *mim.Incident, room mim.WarRoom) {
	line := "Opening war room... done: <#" + room.ID + ">"
	if room.Voice != "" {
		line += " (Teams meeting booked)"
	}
	r, text, ok := a.progress.Ready(inc.RequestKey, line+".")
	if !ok {
		return
	}
	a.spawn(func(ctx context.Context) { a.say(ctx, r, text) })
}

// wantsMeeting tells whether the configuration asks for a Teams meeting as the bridge
// (bridge: {teams: meeting}).
func (a *Adapter) wantsMeeting() bool { return a.surface.Config().TeamsMeeting }

package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
	"mimbot/mim"
)

// sendTimeout bounds one delivery, below the outbox relay's 30-second lease.
const sendTimeout = 25 * time.Second

// maxText is how many characters of text go in one message: Teams takes 28 KB of
// activity JSON, and escaping and mentions make the text longer than it was.
const maxText = 6000

// closedPrefix starts the name of a closed incident's war room.
const closedPrefix = "closed-"

// Send delivers one outbox message: to the war room, the stakeholders conversation or
// a person's personal chat, or as a refresh of the incident card. The message that
// closes (or cancels) an incident also renames its war room closed-.... It returns the
// war room when the delivery changed it (a card posted again, the room renamed), for
// the relay to record.
func (a *Adapter) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	room, err := a.send(ctx, d)
	if err != nil {
		err = fmt.Errorf("teams: send %s of incident %d: %w", d.Message.To, d.Message.Incident, coded(err))
	}
	return room, err
}

func (a *Adapter) send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	m := d.Message
	to, err := bot.Route(a.surface.Config(), Platform, d)
	if err != nil {
		return nil, err
	}
	if to.Card {
		return a.refreshCard(ctx, d.Incident, *d.Room)
	}
	var changed *mim.WarRoom
	if m.To == mim.ToWarRoom && (m.Kind == mim.KindClosed || m.Kind == mim.KindCancelled) && d.Incident != nil {
		// Renamed first: a failure leaves nothing half said, and the retry posts the
		// message once.
		if changed, err = a.archive(ctx, d.Incident, *d.Room); err != nil {
			return nil, err
		}
	}
	conv := to.Channel
	if to.User != "" {
		if conv, err = a.personalChat(ctx, m.Person, to.User); err != nil {
			return changed, err
		}
	}
	if strings.TrimSpace(m.Text) == "" {
		return changed, nil
	}
	parts := bot.Split(m.Text, maxText)
	for i, p := range parts {
		act := a.textActivity(p)
		if m.Kind == mim.KindSummary {
			act = a.markdownActivity(p)
		}
		if i == len(parts)-1 && len(m.Buttons) > 0 && m.Incident > 0 {
			act = a.textCard(p, m.Buttons, m.Incident)
		}
		if _, err := a.connector.Send(ctx, a.connectorURL(), conv, act); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// refreshCard brings the war room's card up to date in place. A card that was never
// posted, or that someone deleted, is posted again and the room returned with it.
func (a *Adapter) refreshCard(ctx context.Context, inc *mim.Incident, room mim.WarRoom) (*mim.WarRoom, error) {
	card := a.incidentCard(inc, room)
	if room.Card != "" {
		err := a.connector.Update(ctx, a.connectorURL(), room.ID, room.Card, card)
		if !notFound(err) {
			return nil, err
		}
		a.log.Warn("teams: incident card is gone, posting a new one", "incident", inc.Number, "channel", room.ID)
	}
	id, err := a.connector.Send(ctx, a.connectorURL(), room.ID, card)
	if err != nil {
		return nil, fmt.Errorf("post card: %w", err)
	}
	room.Card = id
	return &room, nil
}

// notFound tells whether err is Microsoft's 404.
func notFound(err error) bool {
	var e *msapi.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// archive renames a closed (or cancelled) incident's war room closed-<name>, within
// Teams' 50 characters, numbered when that name is taken; the room is returned with
// its new name. Renaming again finds the name already in place.
func (a *Adapter) archive(ctx context.Context, inc *mim.Incident, room mim.WarRoom) (*mim.WarRoom, error) {
	if strings.HasPrefix(room.Name, closedPrefix) {
		return nil, nil
	}
	for n := 1; n <= mim.MaxRoomSuffix; n++ {
		name := msapi.ChannelName(closedPrefix+room.Name, n)
		err := a.graph.RenameChannel(ctx, room.ID, name)
		if errors.Is(err, msapi.ErrNameTaken) {
			if ch, ferr := a.graph.ChannelByName(ctx, name); ferr == nil && ch.ID == room.ID {
				err = nil // renamed by an attempt whose answer was lost
			}
		}
		switch {
		case err == nil:
			if c, ok := a.channel(room.ID); ok {
				c.DisplayName = name
				a.rememberChannel(c)
			}
			a.log.Info("teams: war room renamed", "incident", inc.Number, "channel", room.ID, "name", name)
			room.Name = name
			return &room, nil
		case errors.Is(err, msapi.ErrNameTaken):
			continue
		case notFound(err):
			return nil, nil // someone deleted it; the message will say so when it is refused
		default:
			return nil, fmt.Errorf("rename %q: %w", room.Name, err)
		}
	}
	return nil, mim.Errorf(mim.EINVALID, "every closed- name of %q is taken in the team", room.Name)
}

// personalChat returns the bot's personal chat with a person (by Entra object id),
// created the first time. Teams refuses it when the person has not installed the app:
// the message is then undeliverable, and the error says why.
func (a *Adapter) personalChat(ctx context.Context, person, user string) (string, error) {
	a.mu.Lock()
	conv := a.personal[user]
	a.mu.Unlock()
	if conv != "" {
		return conv, nil
	}
	conv, err := a.connector.CreatePersonal(ctx, a.connectorURL(), a.cfg.TenantID, a.botID, user)
	if errors.Is(err, msapi.ErrNotInstalled) {
		return "", mim.Errorf(mim.EINVALID, "%s has not installed the mimbot app in Teams; the war-room mention stands", a.surface.Config().Display(person))
	}
	if err != nil {
		return "", fmt.Errorf("open the personal chat: %w", err)
	}
	a.rememberPersonal(user, conv)
	return conv, nil
}

// rememberPersonal keeps a person's personal chat with the bot.
func (a *Adapter) rememberPersonal(user, conv string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.personal) > 20000 {
		clear(a.personal)
	}
	a.personal[user] = conv
}

package bot

import (
	"strings"

	"mimbot/mim"
)

// Target is where an outbox message goes on one platform: the incident card, a
// channel (the war room, the stakeholders channel), or a person's direct messages.
type Target struct {
	Card    bool   // refresh the incident card of d.Room
	Channel string // the platform's channel id
	User    string // the platform's user id, for a direct message
}

// Route works out where a delivery goes on platform, the same way for every adapter;
// a message that can never be delivered there is an EINVALID error saying what to
// configure.
func Route(cfg *mim.Config, platform string, d mim.Delivery) (Target, error) {
	m := d.Message
	name := Title(platform)
	switch m.To {
	case mim.ToCard:
		if d.Room == nil || d.Incident == nil {
			return Target{}, mim.Errorf(mim.EINVALID, "no war room to hold the card")
		}
		return Target{Card: true}, nil
	case mim.ToWarRoom:
		if d.Room == nil {
			return Target{}, mim.Errorf(mim.EINVALID, "no war room")
		}
		return Target{Channel: d.Room.ID}, nil
	case mim.ToStakeholders:
		ch := cfg.Stakeholders[platform]
		if ch == "" {
			return Target{}, mim.Errorf(mim.EINVALID, "no stakeholders channel is configured for %s (channels.stakeholders.%s)", name, platform)
		}
		return Target{Channel: ch}, nil
	case mim.ToPerson:
		id := UserID(cfg.People[m.Person], platform)
		if id == "" {
			return Target{}, mim.Errorf(mim.EINVALID, "%s has no %s id (people.%s.%s)", m.Person, name, m.Person, platform)
		}
		return Target{User: id}, nil
	}
	return Target{}, mim.Errorf(mim.EINVALID, "%s does not deliver %q messages", name, m.To)
}

// UserID is a person's user id on platform, "" when none is configured.
func UserID(p mim.Person, platform string) string {
	switch platform {
	case "slack":
		return p.Slack
	case "discord":
		return p.Discord
	case "teams":
		return p.Teams
	}
	return ""
}

// Title is a platform's name as a person writes it: "Slack", "Discord".
func Title(platform string) string {
	if platform == "" {
		return ""
	}
	return strings.ToUpper(platform[:1]) + platform[1:]
}

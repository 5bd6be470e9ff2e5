package shell

import (
	"context"
	"fmt"
	"strings"

	"mimbot/mim"
)

// OpenRoom opens a war room: on the terminal it is just a name.
func (sh *Shell) OpenRoom(ctx context.Context, req mim.RoomRequest) (mim.WarRoom, error) {
	if req.Existing == nil {
		return mim.WarRoom{Platform: Platform, ID: req.Name, Name: req.Name}, nil
	}
	room := *req.Existing
	bridge := ""
	if req.Incident.Bridge != "" {
		bridge = " · bridge " + req.Incident.Bridge
	}
	sh.post("#"+room.Name, "war room opened for "+req.Incident.Ref()+bridge)
	return room, nil
}

// Send prints a message under the name of its room.
func (sh *Shell) Send(ctx context.Context, d mim.Delivery) (*mim.WarRoom, error) {
	m := d.Message
	var where string
	switch m.To {
	case mim.ToWarRoom:
		where = "#" + d.Room.Name
	case mim.ToStakeholders:
		where = "#stakeholders"
	case mim.ToPerson:
		where = "dm @" + m.Person
	default:
		return nil, nil // the shell has no incident card
	}
	text := mim.RenderMentions(m.Text, func(k string) string { return "@" + k })
	if len(m.Buttons) > 0 {
		text += "  [" + strings.Join(m.Buttons, "] [") + "]"
	}
	sh.post(where, text)
	return nil, nil
}

func (sh *Shell) post(where, text string) {
	now := sh.Router.Service.Clock.Now().In(sh.Router.Service.Config.Location).Format("15:04:05")
	sh.omu.Lock()
	defer sh.omu.Unlock()
	if sh.atPrompt {
		// A reminder arriving while someone types: print it above the prompt, then
		// draw the prompt again.
		fmt.Fprintf(sh.out, "\r\033[K%s [%s] %s\n%s%s> ", now, where, indent(text), sh.user, sh.where())
		return
	}
	fmt.Fprintf(sh.out, "%s [%s] %s\n", now, where, indent(text))
}

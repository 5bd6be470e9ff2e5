package mim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
)

// Reply is what a reporter outside chat sent about an existing incident: an e-mail
// whose subject names the incident.
type Reply struct {
	By   string // person key, or the address of a reporter who is not a person
	From string // the address it came from
	Ref  string // the message's identity (its Message-ID); "" when it has none
	Text string
}

// AddReply puts a reply on incident number's timeline. Unlike Note, no role is
// required: the intake already decided whom it accepts. A reply whose Ref is already
// on the timeline is not added twice, and added is false.
func (s *Service) AddReply(ctx context.Context, number int, r Reply) (inc *Incident, added bool, err error) {
	text := strings.TrimSpace(r.Text)
	if text == "" {
		return nil, false, Errorf(EINVALID, "the message has no text to add to #%d", number)
	}
	head := "E-mail from " + cmp.Or(r.From, r.By)
	if r.Ref != "" {
		head += fmt.Sprintf(" (Message-ID %s)", r.Ref)
	}
	inc, err = s.update(ctx, number, func(inc *Incident, ch *Change) error {
		for _, e := range inc.Timeline {
			if r.Ref != "" && e.Kind == KindNote && strings.HasPrefix(e.Text, head+":") {
				return errSeen
			}
		}
		ch.Log(s.Clock.Now(), KindNote, r.By, head+":\n"+text)
		added = true
		return nil
	})
	if errors.Is(err, errSeen) {
		inc, err = s.Incident(ctx, number)
		return inc, false, err
	}
	return inc, added, err
}

// errSeen ends an update that has nothing to do, so that nothing is written.
var errSeen = Errorf(ECONFLICT, "already on the timeline")

// origin says where a declaration from outside chat came from, for the timeline.
func origin(in DeclareInput) string {
	from := in.From
	if from == "" {
		from = in.By
	}
	switch in.Platform {
	case SourceAPI:
		return fmt.Sprintf("Declared through the API, reported by %s", from)
	case SourceEmail:
		return fmt.Sprintf("Declared by e-mail from %s", from)
	}
	return ""
}

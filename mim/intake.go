package mim

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Report puts on incident number's timeline what a reporter outside chat sent about
// it: an e-mail whose subject names the incident. Unlike Note, no role is required:
// the intake already decided whom it accepts. ref identifies the message (its
// Message-ID, "" when it has none): a message already on the timeline is not added
// twice, and added is false.
func (s *Service) Report(ctx context.Context, number int, by, ref, text string) (inc *Incident, added bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, false, Errorf(EINVALID, "the message has no text to add to %s", fmt.Sprintf("#%d", number))
	}
	head := fmt.Sprintf("E-mail from %s", by)
	if ref != "" {
		head += fmt.Sprintf(" (Message-ID %s)", ref)
	}
	entry := head + ":\n" + text
	inc, err = s.update(ctx, number, func(inc *Incident, ch *Change) error {
		for _, e := range inc.Timeline {
			if ref != "" && e.Kind == KindNote && strings.HasPrefix(e.Text, head+":") {
				return errSeen
			}
		}
		ch.Log(s.Clock.Now(), KindNote, by, entry)
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

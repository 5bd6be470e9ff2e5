package mim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"text/template"
	"time"
)

// Service runs the major-incident procedure: every use case a chat command or a timer
// triggers. It is safe for concurrent use; all state lives in the Store.
type Service struct {
	Store     Store
	Config    *Config
	Templates *template.Template // stakeholder.tmpl, digest.tmpl (package templates)
	Clock     Clock
	Log       *slog.Logger
	// Summarizer drafts the narrative of post-incident summaries; nil: template only.
	Summarizer Summarizer
	// DraftTimeout bounds a Summarizer call; default 45s.
	DraftTimeout time.Duration
	// Platforms are the chat platforms this process serves (shell, slack, discord).
	Platforms []string
	// Hooks renders the bodies of outbound webhooks (Config.Webhooks); nil: none is
	// queued.
	Hooks HookBody
	// Observer, when set, learns of every committed change and every message given
	// up (metrics).
	Observer Observer

	wakeTimers, wakeRelay chan struct{} // a write happened: timers or outbox may have work
}

// NewService returns a Service. platforms lists the chat platforms in service.
func NewService(store Store, cfg *Config, tmpl *template.Template, clock Clock, log *slog.Logger, platforms ...string) *Service {
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: store, Config: cfg, Templates: tmpl, Clock: clock, Log: log, Platforms: platforms,
		wakeTimers: make(chan struct{}, 1), wakeRelay: make(chan struct{}, 1)}
}

func (s *Service) kick() {
	for _, c := range []chan struct{}{s.wakeTimers, s.wakeRelay} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// update is UpdateIncident with the service's conventions: refusals come back as they
// are, and the engine is woken after a successful write.
func (s *Service) update(ctx context.Context, number int, fn func(*Incident, *Change) error) (*Incident, error) {
	key := requestKey(ctx)
	var applied *Change
	inc, err := s.Store.UpdateIncident(ctx, number, func(inc *Incident, ch *Change) error {
		ch.Request = key
		applied = ch
		if err := fn(inc, ch); err != nil {
			return err
		}
		s.queueWebhooks(inc, ch)
		return nil
	})
	if errors.Is(err, ErrSeen) {
		// Delivered again: it took effect the first time; answer as then.
		s.Log.Info("request delivered again; carried out once", "incident", number, "request", key)
		return s.Store.Incident(ctx, number)
	}
	if err != nil {
		return nil, err
	}
	s.observe(inc, applied)
	s.kick()
	return inc, nil
}

// role is a part someone plays in an incident, for the "who" rules of the commands.
type role int

const (
	roleIM role = iota
	roleComms
	roleSMO
	roleMIT
	rolePaged
	roleOwner // the owner of a non-major incident
)

func (s *Service) plays(inc *Incident, key string, r role) bool {
	switch r {
	case roleIM:
		return key == inc.IM && key != ""
	case roleComms:
		return key == inc.Comms && key != ""
	case roleSMO:
		return s.Config.IsSMO(key)
	case roleMIT:
		return inc.InMIT(key)
	case rolePaged:
		return inc.IsPaged(key)
	case roleOwner:
		return key == inc.Owner && key != "" && !inc.Major
	}
	return false
}

// allow refuses actor unless they play one of roles in inc; the refusal says who may.
func (s *Service) allow(inc *Incident, actor, action string, roles ...role) error {
	for _, r := range roles {
		if s.plays(inc, actor, r) {
			return nil
		}
	}
	var who []string
	for _, r := range roles {
		switch r {
		case roleIM:
			if inc.IM != "" {
				who = append(who, "the incident manager ("+inc.IM+")")
			} else {
				who = append(who, "the incident manager (none assigned yet)")
			}
		case roleComms:
			if inc.Comms != "" {
				who = append(who, "comms ("+inc.Comms+")")
			}
		case roleSMO:
			who = append(who, "the SMO ("+strings.Join(append(slices.Clone(s.Config.Rotation.Members), s.Config.Head...), ", ")+")")
		case roleMIT:
			who = append(who, "the major incident team (IM, comms and paged leads)")
		case rolePaged:
			who = append(who, "a paged responder")
		case roleOwner:
			if !inc.Major {
				owner := inc.Owner
				if owner == "" {
					owner = "none yet; `take` it"
				}
				who = append(who, "its owner ("+owner+")")
			}
		}
	}
	return Errorf(EFORBIDDEN, "Only %s may %s on %s; you are %s.", strings.Join(who, " or "), action, inc.Ref(), s.describe(inc, actor))
}

// describe says who key is, relative to inc: "dave (lead of application)".
func (s *Service) describe(inc *Incident, key string) string {
	var parts []string
	if inc != nil && key == inc.IM {
		parts = append(parts, "its incident manager")
	}
	if inc != nil && key == inc.Comms {
		parts = append(parts, "its comms")
	}
	if leads := s.Config.Leads(key); len(leads) > 0 {
		parts = append(parts, "lead of "+strings.Join(leads, ", "))
	}
	if s.Config.IsSMO(key) {
		parts = append(parts, "SMO")
	}
	if len(parts) == 0 {
		return key
	}
	return key + " (" + strings.Join(parts, ", ") + ")"
}

// person checks that key names a configured person.
func (s *Service) person(key string) error {
	if _, ok := s.Config.People[key]; ok {
		return nil
	}
	return Errorf(ENOTFOUND, "Unknown person %q. Known people: %s.", key, strings.Join(s.Config.PersonKeys(), ", "))
}

// mustOpen refuses a change to an incident that is no longer open.
func mustOpen(inc *Incident, action string) error {
	if inc.State.Open() {
		return nil
	}
	hint := ""
	if inc.State == Resolved {
		hint = " Use `reopen reason=...` to work on it again."
	}
	return Errorf(ECONFLICT, "%s is %s: cannot %s.%s", inc.Ref(), inc.State, action, hint)
}

// target returns the policy target of the incident's priority.
func (s *Service) target(inc *Incident) Target { return s.Config.Policy.Target(inc.Priority) }

// say queues text for aud on every platform of the incident.
func (s *Service) say(inc *Incident, ch *Change, aud Audience, kind Kind, text string, buttons ...string) {
	for _, p := range inc.Platforms {
		if aud == ToStakeholders && (!s.hasStakeholders(p) || inc.RoomName == "") {
			continue // stakeholders hear of major incidents only (one that never was has no room)
		}
		if aud == ToWarRoom && inc.RoomName == "" {
			continue // a minor incident has no war room; the timeline has it
		}
		ch.Messages = append(ch.Messages, Outgoing{Platform: p, Incident: inc.Number, To: aud, Kind: kind, Text: text, Buttons: buttons, Created: s.Clock.Now()})
	}
}

// tell queues a direct message to person on every platform of the incident.
func (s *Service) tell(inc *Incident, ch *Change, person string, kind Kind, text string, buttons ...string) {
	for _, p := range inc.Platforms {
		ch.Messages = append(ch.Messages, Outgoing{Platform: p, Incident: inc.Number, To: ToPerson, Person: person, Kind: kind, Text: text, Buttons: buttons, Created: s.Clock.Now()})
	}
}

func (s *Service) hasStakeholders(platform string) bool {
	return platform == "shell" || s.Config.Stakeholders[platform] != ""
}

// fmtTime shows t in the configured zone, with seconds only when they matter.
func (s *Service) fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(s.Config.Location)
	if t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("15:04 MST")
	}
	return t.Format("15:04:05 MST")
}

// Duration shows a duration rounded for people: 2m30s, 4h0m0s -> 4h, 1.5s.
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Second:
		d = d.Round(100 * time.Millisecond)
	default:
		d = d.Round(10 * time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Mentions writes mention tokens for person keys, comma separated.
func Mentions(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = Mention(k)
	}
	return strings.Join(out, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

package mim

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DeclareInput is what a declaration says. Empty fields take the model's value, then
// the defaults (impact and urgency medium).
type DeclareInput struct {
	Title   string
	Impact  Level
	Urgency Level
	Towers  []string
	Model   string
	// By is the reporter: a person key, or the e-mail address of a reporter who is
	// not a configured person (an e-mail or an API call from outside the team).
	By       string
	Platform string // where it was declared: shell, slack, discord, alertmanager, api, email
	// From is the reporter as the source named them (the sender's address), for the
	// timeline entry that says where the incident came from; "": By.
	From        string
	Description string // what the reporter wrote besides the title
	RequestKey  string // the platform's request identity; a retry returns the same incident
	// Trusted marks a declaration authenticated by other means than a person (an
	// alert webhook with the API token): the declarers list does not apply.
	Trusted bool
	// Notes go on the timeline right after the declaration, in the same transaction:
	// what the source knows (the alerts it counted, the incident it follows).
	Notes []string
}

// Declare logs and prioritises an incident; a major one gets the whole procedure: war
// room and bridge, a neutral incident manager, pages to the tower leads, the cadence and
// the stakeholders told. created is false when RequestKey was seen before.
func (s *Service) Declare(ctx context.Context, in DeclareInput) (inc *Incident, created bool, err error) {
	if !in.Trusted && !s.Config.MayDeclare(in.By) {
		return nil, false, Errorf(EFORBIDDEN, "You (%s) are not on the declarers list; ask one of %s to declare.", in.By, strings.Join(s.Config.Declarers, ", "))
	}
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	if in.Title == "" {
		return nil, false, Errorf(EINVALID, "declare needs a title, for example: declare Payments down impact=high urgency=high towers=application,database")
	}
	var model Model
	if in.Model != "" {
		m, err := s.model(ctx, in.Model)
		if err != nil {
			return nil, false, err
		}
		model = m
		if in.Impact == "" {
			in.Impact = m.Impact
		}
		if in.Urgency == "" {
			in.Urgency = m.Urgency
		}
		if len(in.Towers) == 0 {
			in.Towers = slices.Clone(m.Towers)
		}
	}
	if in.Impact == "" {
		in.Impact = Medium
	}
	if in.Urgency == "" {
		in.Urgency = Medium
	}
	for _, t := range in.Towers {
		if _, ok := s.Config.Towers[t]; !ok {
			return nil, false, Errorf(ENOTFOUND, "Unknown tower %q. Towers: %s.", t, strings.Join(s.Config.TowerNames(), ", "))
		}
	}
	var applied *Change
	inc, created, err = s.Store.CreateIncident(ctx, in.RequestKey, func(inc *Incident, held map[string]int, ch *Change) error {
		applied = ch
		now := s.Clock.Now()
		inc.RequestKey = in.RequestKey
		inc.Title = in.Title
		inc.Impact, inc.Urgency = in.Impact, in.Urgency
		inc.Priority = s.Config.Policy.Prioritize(in.Impact, in.Urgency)
		inc.State = Declared
		inc.Towers = in.Towers
		inc.Model = in.Model
		inc.DeclaredBy = in.By
		inc.Source = in.Platform
		inc.Description = in.Description
		inc.DeclaredAt = now
		inc.Platforms = s.roomPlatforms(in.Platform)
		ch.Log(now, KindDeclared, in.By, fmt.Sprintf("Declared %q: %s (impact %s, urgency %s)%s", in.Title, inc.Priority, in.Impact, in.Urgency, towerList(in.Towers)))
		if o := origin(in); o != "" {
			ch.Log(now, KindNote, in.By, o)
		}
		if in.Description != "" {
			ch.Log(now, KindNote, in.By, in.Description)
		}
		for _, text := range in.Notes {
			ch.Log(now, KindNote, in.By, text)
		}
		if in.Model != "" {
			for _, t := range model.Tasks {
				addTask(inc, ch, now, Bot, t, "")
			}
		}
		s.scheduleSLA(inc, ch)
		ch.Schedule = append(ch.Schedule, Timer{Incident: inc.Number, Key: TimerSimilar, Due: now})
		if s.Config.Policy.IsMajor(inc.Priority) {
			if err := s.startMajor(inc, ch, now, func(k string) int { return held[k] }); err != nil {
				return err
			}
		} else {
			s.tellLeads(inc, ch, now)
		}
		s.queueWebhooks(inc, ch)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.observe(inc, applied)
	}
	s.kick()
	return inc, created, nil
}

// roomPlatforms chooses where the incident's rooms and posts go: the configured
// war-room platforms, all of them, whether or not this process serves them (another
// replica may; until one does, their messages wait in the outbox and are counted),
// else the platform it was declared from.
func (s *Service) roomPlatforms(from string) []string {
	switch {
	case len(s.Config.WarRoomPlatforms) > 0:
		return slices.Clone(s.Config.WarRoomPlatforms)
	case slices.Contains(s.Platforms, from):
		return []string{from}
	case len(s.Platforms) > 0:
		return []string{s.Platforms[0]} // declared from outside chat (a webhook)
	}
	return nil
}

// held counts the open major incidents each person manages.
func (s *Service) held(ctx context.Context) (func(string) int, error) {
	n, err := s.Store.Held(ctx)
	if err != nil {
		return nil, fmt.Errorf("count held incidents: %w", err)
	}
	return func(k string) int { return n[k] }, nil
}

// startMajor runs the major-incident procedure from now: war room and bridge, neutral
// IM, pages, cadence and stakeholders.
func (s *Service) startMajor(inc *Incident, ch *Change, now time.Time, held func(string) int) error {
	inc.Major = true
	if inc.RoomName == "" {
		name, bridge, err := s.roomAndBridge(inc)
		if err != nil {
			return err
		}
		inc.RoomName, inc.Bridge = name, bridge
		for _, p := range inc.Platforms {
			ch.Messages = append(ch.Messages, Outgoing{Platform: p, Incident: inc.Number, To: ToOpenRoom, Kind: KindWarRoom, Text: name, Created: now})
		}
	}
	if inc.IM == "" {
		s.assignNeutralIM(inc, ch, now, held)
	}
	s.startCadence(inc, ch, now)
	s.say(inc, ch, ToWarRoom, KindDeclared, s.announce(inc), ButtonUpdate, ButtonResolve)
	for _, t := range inc.Towers {
		if !slices.ContainsFunc(inc.Pages, func(p Page) bool { return p.Tower == t }) {
			s.pageTower(inc, ch, now, t, 0, "")
		}
	}
	s.say(inc, ch, ToStakeholders, KindDeclared, s.stakeholderPost(inc, "Major incident declared", "", ""))
	ch.Messages = append(ch.Messages, s.cards(inc, now)...)
	return nil
}

// roomAndBridge renders the war room's name and the bridge link.
func (s *Service) roomAndBridge(inc *Incident) (name, bridge string, err error) {
	if name, err = RenderWarRoom(s.Config.WarRoom, inc.Number, inc.Title, inc.Priority); err != nil {
		return "", "", err
	}
	if name == "" {
		name = fmt.Sprintf("mi-%d", inc.Number)
	}
	var b bytes.Buffer
	if s.Config.Bridge != nil {
		if err := s.Config.Bridge.Execute(&b, map[string]any{"Channel": name, "Number": inc.Number, "Slug": Slug(inc.Title)}); err != nil {
			return "", "", fmt.Errorf("render bridge: %w", err)
		}
	}
	return name, b.String(), nil
}

// assignNeutralIM picks the IM from the rotation, or escalates to the head.
func (s *Service) assignNeutralIM(inc *Incident, ch *Change, now time.Time, held func(string) int) {
	sel := SelectIM(s.Config, inc.Towers, now, held)
	for _, sk := range sel.Skips {
		ch.Log(now, KindIMSkipped, Bot, fmt.Sprintf("Skipped %s as incident manager: %s", sk.Member, sk.Reason))
	}
	if sel.IM != "" {
		s.setIM(inc, ch, now, sel.IM, Bot, "on call in the SMO rotation")
		return
	}
	ch.Log(now, KindEscalated, Bot, fmt.Sprintf("Hierarchical escalation to %s: no neutral incident manager is available in the SMO rotation", strings.Join(s.Config.Head, ", "))).Label = EscalationHierarchical
	for _, h := range s.Config.Head {
		s.tell(inc, ch, h, KindEscalated, fmt.Sprintf("%s needs an incident manager: every SMO member on the rotation was skipped (see the timeline). Assign one with `/incident assign im <person> incident=%d`.", s.headline(inc), inc.Number))
	}
}

// setIM records key as the incident manager.
func (s *Service) setIM(inc *Incident, ch *Change, now time.Time, key, by, why string) {
	inc.IM = key
	inc.IMAssignedAt = now
	ch.Log(now, KindIMAssigned, by, fmt.Sprintf("%s is incident manager (%s)", key, why))
	if inc.State == Declared {
		s.setState(inc, ch, now, Investigating, by)
	}
	if inc.Major {
		s.tell(inc, ch, key, KindIMAssigned, fmt.Sprintf("You are the incident manager of %s (%s).", s.headline(inc), why))
	}
}

// setState moves the state and logs it.
func (s *Service) setState(inc *Incident, ch *Change, now time.Time, to State, by string) {
	if inc.State == to {
		return
	}
	ch.Log(now, KindStateChanged, by, fmt.Sprintf("%s -> %s", inc.State, to))
	inc.State = to
}

// pageTower pages the tower's lead at level; false when the tower has no such lead.
func (s *Service) pageTower(inc *Incident, ch *Change, now time.Time, tower string, level int, by string) bool {
	t := s.Config.Towers[tower]
	if level >= len(t.Leads) {
		return false
	}
	lead := t.Leads[level]
	inc.Pages = append(inc.Pages, Page{Person: lead, Tower: tower, Level: level, PagedAt: now})
	if by == "" {
		by = Bot
	}
	ch.Log(now, KindPaged, by, fmt.Sprintf("Paged %s (%s tower, lead %d of %d; acknowledge within %s)%s", lead, tower, level+1, len(t.Leads), Duration(t.AckWithin), s.undelivered(inc, t.PagerDutyRoutingKey != "")))
	ch.Schedule = append(ch.Schedule, Timer{Incident: inc.Number, Key: PageAckKey(tower), Due: now.Add(t.AckWithin)})
	s.pager(inc, ch, t, KindPaged, lead)
	s.tell(inc, ch, lead, KindPaged, fmt.Sprintf("You are paged to %s for the %s tower. Join the war room and acknowledge within %s: `/incident ack incident=%d`.", s.headline(inc), tower, Duration(t.AckWithin), inc.Number), ButtonAck)
	s.say(inc, ch, ToWarRoom, KindPaged, fmt.Sprintf("Paging %s for the %s tower (acknowledge within %s).", Mention(lead), tower, Duration(t.AckWithin)), ButtonAck)
	return true
}

// undelivered is what a page's timeline entry adds when nothing can carry it: the
// incident is on no chat platform (mimbot serve with none configured) and no pager
// takes it. The page still counts (its OLA clock runs), so people can see why nobody
// answered.
func (s *Service) undelivered(inc *Incident, pager bool) string {
	if len(inc.Platforms) > 0 || pager {
		return ""
	}
	return "; not delivered: no chat platform is configured and no pager takes this page"
}

// tellLeads informs, without paging, the first lead of each tower of a minor incident.
func (s *Service) tellLeads(inc *Incident, ch *Change, now time.Time) {
	for _, tower := range inc.Towers {
		t := s.Config.Towers[tower]
		if len(t.Leads) == 0 {
			continue
		}
		ch.Log(now, KindNote, Bot, fmt.Sprintf("Told %s (%s tower) without paging: %s is not a major incident", t.Leads[0], tower, inc.Priority))
		s.tell(inc, ch, t.Leads[0], KindNote, fmt.Sprintf("FYI (not a page): %s touches the %s tower.", s.headline(inc), tower))
	}
}

// headline is "#12 Payments down (P0)".
func (s *Service) headline(inc *Incident) string {
	return fmt.Sprintf("%s %s (%s)", inc.Ref(), inc.Title, inc.Priority)
}

func towerList(towers []string) string {
	if len(towers) == 0 {
		return ""
	}
	return "; towers " + strings.Join(towers, ", ")
}

// pager tells PagerDuty what happened to a page of a tower that has a routing key.
func (s *Service) pager(inc *Incident, ch *Change, t Tower, kind Kind, person string) {
	if t.PagerDutyRoutingKey == "" {
		return
	}
	ch.Messages = append(ch.Messages, Outgoing{Platform: PagerDuty, Incident: inc.Number, To: ToPager, Person: person, Kind: kind,
		Text: t.Name, Created: s.Clock.Now()})
}

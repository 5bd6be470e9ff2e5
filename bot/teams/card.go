package teams

import (
	"encoding/json"
	"fmt"
	"strings"

	"mimbot/bot"
	"mimbot/bot/teams/msapi"
	"mimbot/mim"
)

// Adaptive Cards (schema 1.4, what Teams renders on every client). A card's text
// blocks take Teams' Markdown subset; people are mentioned with "<at>Name</at>" and
// the card's msteams.entities.

// maxFact bounds one value on a card, keeping the whole card far below Teams' 40 KB.
const maxFact = 2000

type object = map[string]any

// card is an Adaptive Card under construction.
type card struct {
	m       *mentioner
	body    []any
	actions []any
}

func (a *Adapter) newCard() *card { return &card{m: &mentioner{a: a}} }

func same(s string) string { return s }

// text adds a text block; mentions in it become Teams mentions.
func (c *card) text(s string, style object) {
	b := object{"type": "TextBlock", "text": c.m.render(bot.Truncate(s, maxFact), same, same), "wrap": true}
	for k, v := range style {
		b[k] = v
	}
	c.body = append(c.body, b)
}

// lines adds each line of s as a text block (a text block joins single lines).
func (c *card) lines(s string) {
	for l := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		if strings.TrimSpace(l) != "" {
			c.text(l, nil)
		}
	}
}

// facts adds a fact set of name/value pairs; empty values are left out.
func (c *card) facts(pairs [][2]string) {
	var facts []any
	for _, p := range pairs {
		if strings.TrimSpace(p[1]) == "" {
			continue
		}
		facts = append(facts, object{"title": p[0], "value": c.m.render(bot.Truncate(p[1], maxFact), same, same)})
	}
	if len(facts) > 0 {
		c.body = append(c.body, object{"type": "FactSet", "facts": facts})
	}
}

// buttons adds mimbot's buttons for incident n.
func (c *card) buttons(names []string, n int) {
	if n <= 0 {
		return
	}
	for _, b := range names {
		switch b {
		case mim.ButtonAck, mim.ButtonConfirm:
			c.actions = append(c.actions, submit(buttonLabel(b), b, n, "positive"))
		case mim.ButtonUpdate, mim.ButtonResolve, mim.ButtonReopen:
			c.actions = append(c.actions, textButton(b, n))
		}
	}
}

// submit is an Action.Submit that sends {"mimbot": button, "incident": n}.
func submit(title, button string, n int, style string) object {
	s := object{"type": "Action.Submit", "title": title, "data": object{"mimbot": button, "incident": n}}
	if style != "" {
		s["style"] = style
	}
	return s
}

// textButton opens a box under the card for the text of an update, a resolution or
// the reason to reopen, and submits it with the button.
func textButton(button string, n int) object {
	label, hint := "Status update", "What changed, what is next"
	switch button {
	case mim.ButtonResolve:
		label, hint = "What fixed it", "Rolled back release 2026.11.3; errors normal for 15 minutes"
	case mim.ButtonReopen:
		label, hint = "What is still wrong", "The printer still jams on double-sided jobs"
	}
	return object{"type": "Action.ShowCard", "title": buttonLabel(button), "card": object{
		"type":    "AdaptiveCard",
		"body":    []any{object{"type": "Input.Text", "id": "text", "label": label, "placeholder": hint, "isMultiline": true, "isRequired": true, "maxLength": 3000}},
		"actions": []any{submit(buttonLabel(button), button, n, "positive")},
	}}
}

// buttonLabel is what a button says (the same words on every platform).
func buttonLabel(b string) string {
	labels := map[string]string{
		mim.ButtonAck: "Acknowledge", mim.ButtonUpdate: "Post update", mim.ButtonResolve: "Resolve",
		mim.ButtonConfirm: "It works: close it", mim.ButtonReopen: "Still broken: reopen",
	}
	if l, ok := labels[b]; ok {
		return l
	}
	return b
}

// attachment is the card as an activity attachment.
func (c *card) attachment() msapi.Attachment {
	content := object{
		"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "version": "1.4",
		"body": c.body, "msteams": object{"width": "Full"},
	}
	if len(c.actions) > 0 {
		content["actions"] = c.actions
	}
	if len(c.m.entities) > 0 {
		content["msteams"] = object{"width": "Full", "entities": c.m.entities}
	}
	raw, _ := json.Marshal(content)
	return msapi.Attachment{ContentType: msapi.AdaptiveCard, Content: raw}
}

// activity is a message carrying the card; summary is what notifications show.
func (c *card) activity(summary string) msapi.Activity {
	return msapi.Activity{Type: "message", Summary: bot.Truncate(summary, 200), Attachments: []msapi.Attachment{c.attachment()}}
}

// incidentCard is the war room's card: what a person joining needs at a glance, and
// the buttons to act while the incident is open; once it is over, it says so. The
// text above it mentions the people on the incident (see welcomeText).
func (a *Adapter) incidentCard(inc *mim.Incident, room mim.WarRoom) msapi.Activity {
	cfg := a.surface.Config()
	now := a.surface.Now()
	c := a.newCard()
	who := func(key, none string) string {
		if key == "" {
			return none
		}
		return mim.Mention(key)
	}
	kind := "major incident"
	if !inc.Major {
		kind = "incident (not major)"
	}
	headline := fmt.Sprintf("%s %s · %s · %s", inc.Priority, inc.Ref(), inc.State, inc.Title)
	c.text(headline, object{"size": "Large", "weight": "Bolder"})
	if !inc.State.Open() {
		c.text(fmt.Sprintf("This incident is %s.", inc.State), object{"color": "Good", "weight": "Bolder"})
	}
	var bridge []string
	if room.Voice != "" {
		bridge = append(bridge, "Teams meeting: "+room.Voice)
	}
	if inc.Bridge != "" {
		bridge = append(bridge, inc.Bridge)
	}
	t := cfg.Policy.Target(inc.Priority)
	due := ""
	if !inc.NextUpdateDue.IsZero() && inc.State.Open() {
		due = inc.NextUpdateDue.In(cfg.Location).Format("15:04 MST")
		if d := inc.NextUpdateDue.Sub(now); d < 0 {
			due += " (overdue by " + mim.Duration(-d) + ")"
		} else {
			due += " (in " + mim.Duration(d) + ")"
		}
	}
	c.facts([][2]string{
		{"State", fmt.Sprintf("%s, %s", inc.State, kind)},
		{"Priority", fmt.Sprintf("%s (impact %s, urgency %s)", inc.Priority, inc.Impact, inc.Urgency)},
		{"Incident manager", who(inc.IM, "none yet: escalated to "+mim.Mentions(cfg.Head))},
		{"Comms", who(inc.Comms, "")},
		{"Owner", who(inc.Owner, "")},
		{"Towers", strings.Join(inc.Towers, ", ")},
		{"Bridge", strings.Join(bridge, " · ")},
		{"Respond SLA", mim.SLAClock(inc.DeclaredAt, inc.RespondedAt, t.Respond, now)},
		{"Resolve SLA", mim.SLAClock(inc.DeclaredAt, inc.ResolvedAt, t.Resolve, now)},
		{"Next update due", due},
	})
	if pages := bot.PageLines(inc, mim.Mention); pages != "" {
		c.text("Paged leads", object{"weight": "Bolder"})
		c.lines(pages)
	}
	c.text(fmt.Sprintf("Declared %s by %s · card updated %s", inc.DeclaredAt.In(cfg.Location).Format("15:04 MST"),
		cfg.Display(inc.DeclaredBy), now.In(cfg.Location).Format("15:04:05 MST")), object{"isSubtle": true, "size": "Small"})
	if inc.State.Open() {
		c.buttons([]string{mim.ButtonAck, mim.ButtonUpdate, mim.ButtonResolve}, inc.Number)
	}
	act := c.activity(headline)
	act.Text, act.Entities = a.messageText(a.welcomeText(inc, room))
	act.TextFormat = "xml"
	return act
}

// textCard is a message with buttons: its lines, and the buttons under them.
func (a *Adapter) textCard(text string, buttons []string, n int) msapi.Activity {
	c := a.newCard()
	c.lines(text)
	c.buttons(buttons, n)
	first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return c.activity(first)
}

// declareForm is the form `incident declare` answers without a title: title,
// impact, urgency, towers and model, filled in with what the command already said.
func (a *Adapter) declareForm(cmd bot.Command, problem string) msapi.Activity {
	cfg := a.surface.Config()
	c := a.newCard()
	c.text("Declare an incident", object{"size": "Large", "weight": "Bolder"})
	if problem != "" {
		c.text(problem, object{"color": "Attention"})
	}
	choices := func(values []string) []any {
		var out []any
		for _, v := range values {
			out = append(out, object{"title": v, "value": v})
		}
		return out
	}
	levels := []string{"high", "medium", "low"}
	c.body = append(c.body,
		object{"type": "Input.Text", "id": "title", "label": "Title", "placeholder": "Payments down in the EU", "isRequired": true, "maxLength": 200, "value": cmd.Text},
		object{"type": "Input.ChoiceSet", "id": "impact", "label": "Impact", "style": "compact", "choices": choices(levels), "value": cmd.Args["impact"], "placeholder": "medium (or the model's)"},
		object{"type": "Input.ChoiceSet", "id": "urgency", "label": "Urgency", "style": "compact", "choices": choices(levels), "value": cmd.Args["urgency"], "placeholder": "medium (or the model's)"},
		object{"type": "Input.ChoiceSet", "id": "towers", "label": "Towers to page", "isMultiSelect": true, "choices": choices(cfg.TowerNames()), "value": cmd.Args["towers"]},
	)
	if models := cfg.ModelNames(); len(models) > 0 {
		c.body = append(c.body, object{"type": "Input.ChoiceSet", "id": "model", "label": "Incident model", "style": "compact", "choices": choices(models), "value": cmd.Args["model"], "placeholder": "none"})
	}
	c.actions = append(c.actions, object{"type": "Action.Submit", "title": "Declare", "style": "destructive", "data": object{"mimbot": "declare"}})
	return c.activity("Declare an incident")
}

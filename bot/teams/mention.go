package teams

import (
	"html"
	"regexp"
	"slices"
	"strings"

	"mimbot/bot/teams/msapi"
)

// Mentions out: mimbot's texts name people by mention token (<@key>, see
// mim.Mention) and channels by <#id>. Teams mentions a person with "<at>Name</at>" in
// the text and an entity that ties that text to the person's Entra object id; a
// person without a Teams id is named without a mention.

// refRE finds a person's mention token or a channel reference.
var refRE = regexp.MustCompile(`<@([a-z0-9][a-z0-9_.-]*)>|<#([^<>\s]+)>`)

// mentioner renders mentions for one message, collecting the entities Teams needs.
type mentioner struct {
	a        *Adapter
	entities []msapi.Entity
	// link writes a link to a channel in the message's format; nil: its name only.
	link func(name, url string) string
}

// person renders person key as a mention ("<at>Name</at>"), or as the name when the
// person has no Teams id. The name is returned as is: the caller escapes it as the
// format needs, and the entity's text is the same.
func (m *mentioner) person(key string, escape func(string) string) string {
	cfg := m.a.surface.Config()
	name := escape(cfg.Display(key))
	id := m.a.teamsID(key)
	if id == "" {
		return name
	}
	at := "<at>" + name + "</at>"
	if !slices.ContainsFunc(m.entities, func(e msapi.Entity) bool { return e.Text == at }) {
		m.entities = append(m.entities, msapi.Entity{Type: "mention", Text: at, Mentioned: &msapi.Account{ID: id, Name: cfg.Display(key)}})
	}
	return at
}

// channel names a channel by its id, linked to it when the format allows.
func (m *mentioner) channel(id string, escape func(string) string) string {
	c, ok := m.a.channel(id)
	if !ok || c.DisplayName == "" {
		return escape("the war room")
	}
	if m.link == nil || c.WebURL == "" {
		return escape(c.DisplayName)
	}
	return m.link(c.DisplayName, c.WebURL)
}

// slashRE finds the command written as a slash command (`/incident ack`): on Teams it
// is typed after the bot's mention, without the slash.
var slashRE = regexp.MustCompile("(^|[\\s`(])/incident\\b")

// render lays text out with plain (which escapes and formats the text between
// references) and mentions each person.
func (m *mentioner) render(text string, plain func(string) string, escape func(string) string) string {
	text = slashRE.ReplaceAllString(text, "${1}incident")
	var b strings.Builder
	last := 0
	for _, loc := range refRE.FindAllStringSubmatchIndex(text, -1) {
		b.WriteString(plain(text[last:loc[0]]))
		if loc[2] >= 0 {
			b.WriteString(m.person(text[loc[2]:loc[3]], escape))
		} else {
			b.WriteString(m.channel(text[loc[4]:loc[5]], escape))
		}
		last = loc[1]
	}
	b.WriteString(plain(text[last:]))
	return b.String()
}

// codeRE finds `code` spans.
var codeRE = regexp.MustCompile("`([^`\n]+)`")

// xmlText is text in Teams' XML (HTML) message format: escaped, its lines broken with
// <br>, `code` as <code>.
func xmlText(s string) string {
	s = html.EscapeString(s)
	s = codeRE.ReplaceAllString(s, "<code>$1</code>")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// messageText renders text for a message activity: the XML text and its mention
// entities.
func (a *Adapter) messageText(text string) (string, []msapi.Entity) {
	m := &mentioner{a: a, link: func(name, url string) string {
		return `<a href="` + html.EscapeString(url) + `">` + html.EscapeString(name) + "</a>"
	}}
	out := m.render(text, xmlText, html.EscapeString)
	return out, m.entities
}

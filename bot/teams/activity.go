package teams

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"

	"mimbot/bot/teams/msapi"
	"mimbot/mim"
)

// Activities in: Teams sends a message's text as HTML-ish markup, with each mention
// written "<at>Name</at>" and described by an entity. The bot's own mention is
// removed; another person's becomes <@entra-object-id>, which bot.Router maps to a
// person key; the markup is stripped and its entities (&nbsp; &amp;...) unescaped.

// mark stands for the i-th mention while the markup is stripped.
func mark(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

var (
	markRE  = regexp.MustCompile("\x00([0-9]+)\x00")
	breakRE = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	// objectIDRE is what an Entra object id (a GUID) may hold: a mention of anything
	// else names nobody.
	objectIDRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// mentioned is a person mentioned in a message: the id Teams gave (29:... or an Entra
// object id) and the Entra object id when it came along.
type mentioned struct {
	id, aad string
}

// plainText turns an activity's text into the grammar's plain text, calling who for
// each person mentioned (but the bot) to write them (<@aad>). It returns the text.
func (a *Adapter) plainText(act *msapi.Activity, who func(m mentioned) string) string {
	// NUL marks the mentions below: a NUL of the person's own is dropped.
	text := strings.ReplaceAll(act.Text, "\x00", "")
	var people []mentioned
	for _, e := range act.Entities {
		if !strings.EqualFold(e.Type, "mention") || e.Mentioned == nil || e.Text == "" || !strings.Contains(text, e.Text) {
			continue
		}
		if a.isBot(e.Mentioned.ID) {
			text = strings.Replace(text, e.Text, " ", 1)
			continue
		}
		text = strings.Replace(text, e.Text, mark(len(people)), 1)
		people = append(people, mentioned{id: e.Mentioned.ID, aad: e.Mentioned.AADObjectID})
	}
	text = breakRE.ReplaceAllString(text, "\n")
	text = tagRE.ReplaceAllString(text, "")
	text = strings.ReplaceAll(html.UnescapeString(text), "\u00a0", " ")
	text = markRE.ReplaceAllStringFunc(text, func(s string) string {
		i, err := strconv.Atoi(strings.Trim(s, "\x00"))
		if err != nil || i >= len(people) {
			return ""
		}
		return who(people[i])
	})
	var lines []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// isBot tells whether a mentioned id is the bot's.
func (a *Adapter) isBot(id string) bool {
	return id == a.botID || id == a.cfg.AppID
}

// mentionsToLook lists the people an activity mentions whose Entra object id the
// adapter does not know yet.
func (a *Adapter) mentionsToLook(act *msapi.Activity) []string {
	var ids []string
	a.plainText(act, func(m mentioned) string {
		if _, ok := a.entraID(m); !ok {
			ids = append(ids, m.id)
		}
		return ""
	})
	return ids
}

// entraID is the Entra object id of a person mentioned, when known: it came with the
// mention, the mention is by object id, or a lookup was remembered.
func (a *Adapter) entraID(m mentioned) (string, bool) {
	if m.aad != "" {
		return m.aad, true
	}
	if !strings.HasPrefix(m.id, "29:") {
		return m.id, true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	aad, ok := a.members[m.id]
	return aad, ok
}

// commandText is an activity's text for the grammar, every mention written
// <@entra-object-id> (or by its name, when the person's object id is unknown).
func (a *Adapter) commandText(act *msapi.Activity) string {
	return a.plainText(act, func(m mentioned) string {
		if aad, ok := a.entraID(m); ok && objectIDRE.MatchString(aad) {
			return "<@" + aad + ">"
		}
		return "someone"
	})
}

// grammar returns the command of a message: the text after the word incident.
func grammar(text string) (string, bool) {
	first, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	first = strings.TrimPrefix(strings.ToLower(first), "/")
	if first != "incident" {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// usage is the answer to a message that is not `incident <verb> ...`.
const usage = "Type `incident <command>`, for example `incident declare Payments down impact=high urgency=high` or `incident status`; `incident help` lists the commands."

// submission is what an Adaptive Card's button sends: the button (mimbot), the
// incident, and the card's inputs.
type submission struct {
	Button   string `json:"mimbot"`
	Incident int    `json:"-"`
	Text     string `json:"text"`
	Title    string `json:"title"`
	Impact   string `json:"impact"`
	Urgency  string `json:"urgency"`
	Towers   string `json:"towers"`
	Model    string `json:"model"`
}

// readSubmission reads an Action.Submit value, or the data of an Action.Execute
// invoke ({"action": {"verb", "data"}}).
func readSubmission(raw json.RawMessage) (submission, bool) {
	var outer struct {
		Action *struct {
			Verb string          `json:"verb"`
			Data json.RawMessage `json:"data"`
		} `json:"action"`
	}
	verb := ""
	if json.Unmarshal(raw, &outer) == nil && outer.Action != nil {
		raw, verb = outer.Action.Data, outer.Action.Verb
	}
	var s submission
	var n struct {
		Incident json.RawMessage `json:"incident"`
	}
	if json.Unmarshal(raw, &s) != nil || json.Unmarshal(raw, &n) != nil {
		return submission{}, false
	}
	if s.Button == "" {
		s.Button = verb
	}
	// Inputs send strings, the buttons' data numbers: take either.
	num := strings.Trim(string(n.Incident), `" `)
	s.Incident, _ = strconv.Atoi(num)
	s.Text = strings.TrimSpace(s.Text)
	s.Title = strings.TrimSpace(s.Title)
	return s, s.Button != ""
}

// command is the grammar's line for a submission, or a problem to tell the person.
func (s submission) command() (text, problem string) {
	needsIncident := s.Button != "declare"
	if needsIncident && s.Incident <= 0 {
		return "", "This card is out of date; type the command instead, such as `incident status`."
	}
	n := strconv.Itoa(s.Incident)
	switch s.Button {
	case mim.ButtonAck:
		return "ack incident=" + n, ""
	case mim.ButtonConfirm:
		return "confirm incident=" + n, ""
	case mim.ButtonUpdate, mim.ButtonResolve:
		if s.Text == "" {
			return "", "Write what people need to know in the box first; nothing was posted."
		}
		return fmt.Sprintf("%s %s incident=%s", s.Button, quote(s.Text), n), ""
	case mim.ButtonReopen:
		if s.Text == "" {
			return "", "Say what is still wrong in the box first; nothing was reopened."
		}
		return fmt.Sprintf("reopen reason=%s incident=%s", quote(s.Text), n), ""
	case "declare":
		if s.Title == "" {
			return "", "Give the incident a title, such as: Payments down in the EU. Nothing was declared."
		}
		words := []string{"declare", quote(s.Title)}
		for _, kv := range [][2]string{{"impact", s.Impact}, {"urgency", s.Urgency}, {"towers", s.Towers}, {"model", s.Model}} {
			if v := strings.Join(strings.Fields(strings.ReplaceAll(kv[1], `"`, "")), ""); v != "" {
				words = append(words, kv[0]+"="+strings.ToLower(v))
			}
		}
		return strings.Join(words, " "), ""
	}
	return "", "This button is out of date."
}

// quote makes text one quoted word of the grammar, so that its own key=value words
// stay text.
func quote(text string) string {
	text = strings.NewReplacer(`"`, "'", "“", "'", "”", "'").Replace(strings.TrimSpace(text))
	return `"` + text + `"`
}

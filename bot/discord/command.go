package discord

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// commandName is the one slash command mimbot registers: /incident.
const commandName = "incident"

// Option lengths, within Discord's 6,000 for a string option.
const (
	maxTitle  = 150
	maxText   = 3000
	maxReason = 500
)

// commands is what Start registers on the guild: /incident with one subcommand per
// verb of the grammar (bot.Parse), and subcommand groups for the verbs that have
// sub-verbs (assign, escalate, task, model, problem, known, action). Options carry the
// grammar's key names; the free text is the option `title` for declare, `text` for
// most verbs, and the option that names it for the others (person, reason, duration,
// task, name, priority, action); problem's is its record and text together. Discord
// allows 25 subcommands and 25 options per level: this uses all 25.
func commands() []*discordgo.ApplicationCommand {
	incident := func() *discordgo.ApplicationCommandOption {
		one := 1.0
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: "incident",
			Description: "Incident number; default: the war room you type in", MinValue: &one}
	}
	str := func(name, desc string, required bool, maxLen int) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc, Required: required, MaxLength: maxLen}
	}
	auto := func(name, desc string, required bool) *discordgo.ApplicationCommandOption {
		o := str(name, desc, required, 200)
		o.Autocomplete = true
		return o
	}
	pick := func(name, desc string, values ...string) *discordgo.ApplicationCommandOption {
		o := str(name, desc, false, 0)
		for _, v := range values {
			o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v})
		}
		return o
	}
	level := func(name, desc string) *discordgo.ApplicationCommandOption {
		return pick(name, desc, "high", "medium", "low")
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	group := func(name, desc string, subs ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: name, Description: desc, Options: subs}
	}
	text := func(desc string) *discordgo.ApplicationCommandOption { return str("text", desc, true, maxText) }
	problem := func() *discordgo.ApplicationCommandOption {
		return str("problem", "The problem record, such as PRB-12", true, 20)
	}
	reason := func(required bool) *discordgo.ApplicationCommandOption {
		return str("reason", "Why, for the timeline", required, maxReason)
	}
	options := []*discordgo.ApplicationCommandOption{
		sub("declare", "Declare an incident (no options: a form)",
			str("title", "What is broken, as the people affected would say it", false, maxTitle),
			level("impact", "How many people or how much business is affected"),
			level("urgency", "How fast it must be fixed"),
			auto("towers", "Towers whose leads are paged, comma-separated", false),
			auto("model", "Incident model that seeds towers, impact, urgency and tasks", false)),
		sub("status", "State, priority, IM, leads, SLA clocks, next update due", incident()),
		sub("update", "Post a status update to the war room and the stakeholders (IM, comms)", text("The update"), incident()),
		sub("priority", "Re-prioritise (IM, SMO)",
			pick("priority", "The new priority", "P0", "P1", "P2", "P3", "P4"),
			reason(false), level("impact", "New impact"), level("urgency", "New urgency"), incident()),
		sub("page", "Page more responders (IM, SMO)", auto("text", "A tower (its next lead) or a person", true), incident()),
		sub("ack", "Acknowledge your page", incident()),
		group("assign", "Hand over a role (IM, SMO)",
			sub("im", "Make someone the incident manager", auto("person", "Who", true), incident()),
			sub("comms", "Make someone the comms lead", auto("person", "Who", true), incident())),
		group("escalate", "Escalate (IM, SMO)",
			sub("functional", "To the next tier of the towers", str("reason", "Why", true, maxReason), incident()),
			sub("hierarchical", "To management (the SMO head)", str("reason", "Why", true, maxReason), incident())),
		group("task", "The incident's tasks",
			sub("add", "Add a task", text("The task"), auto("owner", "Who owns it", false), incident()),
			sub("done", "Mark a task done", &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger,
				Name: "task", Description: "The task's number", Required: true}, incident()),
			sub("list", "List the tasks", incident())),
		sub("note", "Add a note to the timeline (the team)", text("The note"), incident()),
		sub("snooze", "Delay the next reminder (IM)", str("duration", "How long, such as 10m or 1h30m", true, 20), reason(true), incident()),
		sub("diagnose", "Record the diagnosis: the incident is identified", text("The diagnosis"), incident()),
		sub("workaround", "Record a workaround: the incident is mitigated", text("The workaround"), incident()),
		sub("resolve", "Resolve the incident", text("What fixed it"), incident()),
		sub("close", "Close a resolved incident", incident()),
		sub("cancel", "Cancel an incident declared in error", reason(true), incident()),
		sub("reopen", "Reopen a resolved incident", reason(true), incident()),
		sub("summary", "Post-incident summary (approve: the IM approves the LLM draft)",
			&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionBoolean, Name: "approve", Description: "Approve the LLM draft"},
			incident()),
		group("model", "Incident models",
			sub("save", "Turn this incident into an incident model", str("name", "The model's name, such as payment-gateway-outage", true, 40), incident())),
		group("problem", "Problem records (PRB-n) after closure",
			sub("show", "Show a problem record", problem()),
			sub("rca", "Record the root cause (its owner, SMO)", problem(), text("The root cause")),
			sub("workaround", "Record the workaround (its owner, SMO)", problem(), text("The workaround")),
			sub("known", "Publish it as a known error (its owner, SMO)", problem()),
			sub("close", "The permanent fix is in (its owner, SMO)", problem(), str("change", "The change that carried the fix, such as CHG-42", false, 100))),
		group("known", "The known-error database",
			sub("list", "Every known error"),
			sub("search", "Known errors whose title, root cause or workaround mention the text", str("text", "What to look for", true, 200))),
		group("action", "Follow-up actions",
			sub("add", "Add a follow-up action (the team, SMO)", text("The action"), auto("owner", "Who carries it out", true),
				str("due", "A date (YYYY-MM-DD) or a duration (72h)", true, 20), incident()),
			sub("done", "Mark an action done (its owner, IM, SMO)", &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger,
				Name: "action", Description: "The action's number", Required: true}),
			sub("list", "Actions of this incident, or every open one",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionBoolean, Name: "mine", Description: "Only mine"}, incident())),
		sub("list", "Active incidents"),
		sub("oncall", "Current and next incident manager"),
		sub("help", "How to use /incident"),
	}
	for _, o := range options {
		sortRequired(o)
	}
	guild := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	return []*discordgo.ApplicationCommand{{
		Type: discordgo.ChatApplicationCommand, Name: commandName, Description: "Major incidents: declare, update, resolve...",
		Options: options, Contexts: &guild,
	}}
}

// sortRequired puts required options before optional ones, as Discord requires.
func sortRequired(o *discordgo.ApplicationCommandOption) {
	slices.SortStableFunc(o.Options, func(x, y *discordgo.ApplicationCommandOption) int {
		switch {
		case x.Required && !y.Required:
			return -1
		case !x.Required && y.Required:
			return 1
		}
		return 0
	})
	for _, c := range o.Options {
		sortRequired(c)
	}
}

// invocation is /incident as typed: its subcommand (and group) and its options.
type invocation struct {
	verb, sub string
	opts      map[string]*discordgo.ApplicationCommandInteractionDataOption
	order     []string // option names as typed
	focused   *discordgo.ApplicationCommandInteractionDataOption
}

// parseInvocation reads the options of an /incident interaction.
func parseInvocation(options []*discordgo.ApplicationCommandInteractionDataOption) invocation {
	inv := invocation{opts: map[string]*discordgo.ApplicationCommandInteractionDataOption{}}
	if len(options) == 0 {
		inv.verb = "help"
		return inv
	}
	top := options[0]
	inv.verb = top.Name
	leaf := top.Options
	if top.Type == discordgo.ApplicationCommandOptionSubCommandGroup && len(top.Options) > 0 {
		inv.sub = top.Options[0].Name
		leaf = top.Options[0].Options
	}
	for _, o := range leaf {
		inv.opts[o.Name] = o
		inv.order = append(inv.order, o.Name)
		if o.Focused {
			inv.focused = o
		}
	}
	return inv
}

// value returns an option's value as text, "" when it was not given.
func (inv invocation) value(name string) string {
	o, ok := inv.opts[name]
	if !ok || o == nil {
		return ""
	}
	return optionText(o)
}

func optionText(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	return ""
}

// freeText names the option that carries the grammar's free text of a subcommand.
func freeText(verb, sub string) string {
	switch verb {
	case "declare":
		return "title"
	case "update", "page", "note", "diagnose", "workaround", "resolve":
		return "text"
	case "priority":
		return "priority"
	case "assign":
		return "person"
	case "escalate":
		return "reason"
	case "snooze":
		return "duration"
	case "model":
		return "name"
	case "task":
		if sub == "done" {
			return "task"
		}
		return "text"
	case "known":
		return "text"
	case "action":
		if sub == "done" {
			return "action"
		}
		return "text"
	}
	return ""
}

// text turns the invocation into the grammar's command line: "<verb> [sub] "<free
// text>" key=value ...", with values that contain spaces in double quotes. The free
// text is always quoted, so that a key=value inside it stays text.
func (inv invocation) text() string {
	words := []string{inv.verb}
	if inv.sub != "" {
		words = append(words, inv.sub)
	}
	if inv.verb == "summary" && inv.value("approve") == "true" {
		words = append(words, "approve")
	}
	if inv.verb == "action" && inv.value("mine") == "true" {
		words = append(words, "mine")
	}
	free := freeText(inv.verb, inv.sub)
	v := inv.value(free)
	if inv.verb == "problem" {
		// The grammar reads the record and then the text: one quoted word keeps both.
		free = "text"
		v = strings.TrimSpace(inv.value("problem") + " " + inv.value("text"))
	}
	if v != "" {
		words = append(words, quote(v))
	}
	for _, name := range inv.order {
		if name == free || name == "approve" || name == "mine" || (inv.verb == "problem" && name == "problem") {
			continue
		}
		v := inv.value(name)
		if v == "" {
			continue
		}
		if strings.ContainsAny(v, " \t\n\"“”") {
			v = quote(v)
		}
		words = append(words, name+"="+v)
	}
	return strings.Join(words, " ")
}

// quote makes text one word of the command grammar. The grammar has no escape for
// quotes, so they become apostrophes.
func quote(text string) string {
	text = strings.NewReplacer(`"`, "'", "“", "'", "”", "'").Replace(strings.TrimSpace(text))
	return `"` + text + `"`
}

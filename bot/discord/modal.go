package discord

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
	"mimbot/mim"
)

// Custom ids of the modals (and of their text inputs: the grammar's key names).
const (
	modalDeclare = "mimbot:declare"
	modalText    = "mimbot:text" // + ":<verb>:<incident>"
	fieldText    = "text"
)

// modal is the data of a modal callback (type 9).
type modal struct {
	CustomID   string                       `json:"custom_id"`
	Title      string                       `json:"title"`
	Components []discordgo.MessageComponent `json:"components"`
}

func input(id, label, placeholder, value string, style discordgo.TextInputStyle, required bool, maxLen int) discordgo.MessageComponent {
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
		CustomID: id, Label: bot.Truncate(label, 45), Style: style, Placeholder: bot.Truncate(placeholder, 100),
		Value: bot.Truncate(value, maxLen), Required: required, MaxLength: maxLen,
	}}}
}

// declareModal is the form `/incident declare` opens without a title: title, impact,
// urgency, towers and model, filled in with what the command already said.
func declareModal(cfg *mim.Config, prefill func(string) string) response {
	return response{Type: callbackModal, Data: modal{
		CustomID: modalDeclare, Title: "Declare an incident",
		Components: []discordgo.MessageComponent{
			input("title", "Title", "Payments down in the EU", prefill("title"), discordgo.TextInputShort, true, maxTitle),
			input("impact", "Impact: high, medium or low", "medium (or the model's)", prefill("impact"), discordgo.TextInputShort, false, 6),
			input("urgency", "Urgency: high, medium or low", "medium (or the model's)", prefill("urgency"), discordgo.TextInputShort, false, 6),
			input("towers", "Towers to page, comma-separated", strings.Join(cfg.TowerNames(), ", "), prefill("towers"), discordgo.TextInputShort, false, 200),
			input("model", "Incident model", strings.Join(cfg.ModelNames(), ", "), prefill("model"), discordgo.TextInputShort, false, 40),
		},
	}}
}

// modalValues reads the text inputs of a submitted modal, by custom id.
func modalValues(data discordgo.ModalSubmitInteractionData) map[string]string {
	out := map[string]string{}
	var walk func(c discordgo.MessageComponent)
	walk = func(c discordgo.MessageComponent) {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			for _, child := range v.Components {
				walk(child)
			}
		case discordgo.ActionsRow:
			for _, child := range v.Components {
				walk(child)
			}
		case *discordgo.TextInput:
			out[v.CustomID] = strings.TrimSpace(v.Value)
		case discordgo.TextInput:
			out[v.CustomID] = strings.TrimSpace(v.Value)
		}
	}
	for _, c := range data.Components {
		walk(c)
	}
	return out
}

// declareCommand validates a submitted declare form and turns it into the command it
// stands for; problems say what is wrong and what would work. A model that is not in
// the configuration may be a saved one: the service decides.
func declareCommand(cfg *mim.Config, v map[string]string) (string, []string) {
	var problems []string
	title := v["title"]
	switch {
	case title == "":
		problems = append(problems, "Give the incident a title, such as: Payments down in the EU.")
	case len([]rune(title)) > maxTitle:
		problems = append(problems, fmt.Sprintf("Keep the title under %d characters.", maxTitle))
	}
	words := []string{"declare", quote(title)}
	for _, key := range []string{"impact", "urgency"} {
		val := strings.ToLower(v[key])
		if val == "" {
			continue
		}
		if _, err := mim.ParseLevel(key, val); err != nil {
			problems = append(problems, fmt.Sprintf("%s %q is not one of high, medium or low.", strings.ToUpper(key[:1])+key[1:], v[key]))
			continue
		}
		words = append(words, key+"="+val)
	}
	var towers []string
	for _, t := range strings.Split(v["towers"], ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(towers, t) {
			continue
		}
		if _, ok := cfg.Towers[t]; !ok {
			problems = append(problems, fmt.Sprintf("There is no tower %q; the towers are %s.", t, strings.Join(cfg.TowerNames(), ", ")))
			continue
		}
		towers = append(towers, t)
	}
	if len(towers) > 0 {
		words = append(words, "towers="+strings.Join(towers, ","))
	}
	if m := strings.ToLower(v["model"]); m != "" {
		if strings.ContainsAny(m, " \t\"") {
			problems = append(problems, fmt.Sprintf("%q is not a model name; the configured models are %s.", v["model"], strings.Join(cfg.ModelNames(), ", ")))
		} else {
			words = append(words, "model="+m)
		}
	}
	if len(problems) > 0 {
		return "", problems
	}
	return strings.Join(words, " "), nil
}

// textModal asks for the text of an update or a resolution of incident n.
func textModal(verb string, n int) response {
	title, label, hint := fmt.Sprintf("Post an update on #%d", n), "Status update", "What changed, what is next"
	switch verb {
	case mim.ButtonResolve:
		title, label, hint = fmt.Sprintf("Resolve #%d", n), "What fixed it", "Rolled back release 2026.11.3; errors normal for 15 minutes"
	case mim.ButtonReopen:
		title, label, hint = fmt.Sprintf("Reopen #%d", n), "What is still wrong", "The printer still jams on double-sided jobs"
	}
	return response{Type: callbackModal, Data: modal{
		CustomID: fmt.Sprintf("%s:%s:%d", modalText, verb, n), Title: bot.Truncate(title, 45),
		Components: []discordgo.MessageComponent{input(fieldText, label, hint, "", discordgo.TextInputParagraph, true, maxText)},
	}}
}

// textCommand validates a submitted text modal and returns its command.
func textCommand(customID string, v map[string]string) (string, string) {
	rest, _ := strings.CutPrefix(customID, modalText+":")
	verb, num, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if (verb != mim.ButtonUpdate && verb != mim.ButtonResolve && verb != mim.ButtonReopen) || err != nil || n <= 0 {
		return "", "This form is out of date; press the button again."
	}
	text := v[fieldText]
	if text == "" {
		return "", "Write what people need to know; nothing was posted."
	}
	if verb == mim.ButtonReopen {
		return fmt.Sprintf("reopen reason=%s incident=%d", quote(text), n), ""
	}
	return fmt.Sprintf("%s %s incident=%d", verb, quote(text), n), ""
}

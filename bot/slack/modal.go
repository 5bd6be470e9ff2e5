package slack

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
	"mimbot/mim"
)

// Modal callback ids and their input blocks (each block's one element has the
// block's id as action id).
const (
	callbackDeclare = "mimbot_declare"
	callbackText    = "mimbot_text"

	fieldTitle   = "title"
	fieldImpact  = "impact"
	fieldUrgency = "urgency"
	fieldTowers  = "towers"
	fieldModel   = "model"
	fieldText    = "text"

	maxTitle = 150
)

// modalMeta travels in a modal's private_metadata: where it was opened and, for the
// text modal, what it is for.
type modalMeta struct {
	Channel  string `json:"c,omitempty"`
	Verb     string `json:"v,omitempty"`
	Incident int    `json:"n,omitempty"`
}

func (m modalMeta) encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeMeta(s string) modalMeta {
	var m modalMeta
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

func plainText(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, false, false)
}

func options(values []string) []*slackapi.OptionBlockObject {
	out := make([]*slackapi.OptionBlockObject, len(values))
	for i, v := range values {
		out[i] = slackapi.NewOptionBlockObject(v, plainText(v), nil)
	}
	return out
}

// input is an input block whose element answers to the block's id.
func input(id, label, hint string, optional bool, el slackapi.BlockElement) *slackapi.InputBlock {
	var h *slackapi.TextBlockObject
	if hint != "" {
		h = plainText(hint)
	}
	b := slackapi.NewInputBlock(id, plainText(label), h, el)
	b.Optional = optional
	return b
}

// declareModal is the form `/incident declare` opens: title, impact, urgency, towers
// and model, as the command's options.
func declareModal(cfg *mim.Config, channel string) slackapi.ModalViewRequest {
	title := slackapi.NewPlainTextInputBlockElement(plainText("Payments down in the EU"), fieldTitle)
	title.MaxLength = maxTitle
	levels := []string{string(mim.High), string(mim.Medium), string(mim.Low)}
	blocks := []slackapi.Block{
		input(fieldTitle, "Title", "What is broken, as the people affected would say it.", false, title),
		input(fieldImpact, "Impact", "How many people or how much business is affected. Empty: medium, or the model's.", true,
			slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plainText("Choose"), fieldImpact, options(levels)...)),
		input(fieldUrgency, "Urgency", "How fast it must be fixed. Empty: medium, or the model's.", true,
			slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plainText("Choose"), fieldUrgency, options(levels)...)),
	}
	if towers := cfg.TowerNames(); len(towers) > 0 {
		blocks = append(blocks, input(fieldTowers, "Towers", "Their leads are paged.", true,
			slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeStatic, plainText("Choose"), fieldTowers, options(firstN(towers, 100))...)))
	}
	if models := cfg.ModelNames(); len(models) > 0 {
		blocks = append(blocks, input(fieldModel, "Incident model", "Seeds towers, impact, urgency and tasks.", true,
			slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plainText("Choose"), fieldModel, options(firstN(models, 100))...)))
	}
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: callbackDeclare, Title: plainText("Declare an incident"),
		Submit: plainText("Declare"), Close: plainText("Cancel"), Blocks: slackapi.Blocks{BlockSet: blocks},
		PrivateMetadata: modalMeta{Channel: channel}.encode(),
	}
}

// firstN keeps the first n values: a select takes at most 100 options.
func firstN(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// declareCommand validates a submitted declare form and turns it into the command
// it stands for. errs, keyed by block id, say what to fix.
func declareCommand(cfg *mim.Config, state *slackapi.ViewState) (cmd string, errs map[string]string) {
	errs = map[string]string{}
	value := func(id string) slackapi.BlockAction {
		if state == nil {
			return slackapi.BlockAction{}
		}
		return state.Values[id][id]
	}
	title := strings.TrimSpace(value(fieldTitle).Value)
	switch {
	case title == "":
		errs[fieldTitle] = "Give the incident a title, such as: Payments down in the EU."
	case len([]rune(title)) > maxTitle:
		errs[fieldTitle] = fmt.Sprintf("Keep the title under %d characters.", maxTitle)
	}
	cmd = "declare " + quote(title)
	for _, id := range []string{fieldImpact, fieldUrgency} {
		v := value(id).SelectedOption.Value
		if v == "" {
			continue
		}
		if _, err := mim.ParseLevel(id, v); err != nil {
			errs[id] = "Choose high, medium or low."
			continue
		}
		cmd += " " + id + "=" + v
	}
	var towers []string
	for _, o := range value(fieldTowers).SelectedOptions {
		if _, ok := cfg.Towers[o.Value]; !ok {
			errs[fieldTowers] = fmt.Sprintf("Unknown tower %q. Towers: %s.", o.Value, strings.Join(cfg.TowerNames(), ", "))
			continue
		}
		towers = append(towers, o.Value)
	}
	if len(towers) > 0 {
		cmd += " towers=" + strings.Join(towers, ",")
	}
	if m := value(fieldModel).SelectedOption.Value; m != "" {
		if _, ok := cfg.Models[m]; !ok {
			errs[fieldModel] = fmt.Sprintf("Unknown incident model %q. Models: %s.", m, strings.Join(cfg.ModelNames(), ", "))
		} else {
			cmd += " model=" + m
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	return cmd, nil
}

// textModal asks for the text of an update or a resolution of an incident.
func textModal(verb string, number int, channel string) slackapi.ModalViewRequest {
	title, label, submit := "Post an update", "Status update for #"+strconv.Itoa(number), "Post"
	switch verb {
	case mim.ButtonResolve:
		title, label, submit = "Resolve #"+strconv.Itoa(number), "What fixed it", "Resolve"
	case mim.ButtonReopen:
		title, label, submit = "Reopen #"+strconv.Itoa(number), "What is still wrong", "Reopen"
	}
	el := slackapi.NewPlainTextInputBlockElement(plainText("What changed, what is next"), fieldText)
	el.Multiline = true
	el.MaxLength = 3000
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: callbackText, Title: plainText(bot.Truncate(title, 24)),
		Submit: plainText(submit), Close: plainText("Cancel"),
		Blocks:          slackapi.Blocks{BlockSet: []slackapi.Block{input(fieldText, label, "", false, el)}},
		PrivateMetadata: modalMeta{Channel: channel, Verb: verb, Incident: number}.encode(),
	}
}

// textCommand validates a submitted text modal and returns its command.
func textCommand(meta modalMeta, state *slackapi.ViewState) (cmd string, errs map[string]string) {
	if !slices.Contains([]string{mim.ButtonUpdate, mim.ButtonResolve, mim.ButtonReopen}, meta.Verb) || meta.Incident <= 0 {
		return "", map[string]string{fieldText: "This form is out of date; use the button again."}
	}
	var text string
	if state != nil {
		text = strings.TrimSpace(state.Values[fieldText][fieldText].Value)
	}
	if text == "" {
		return "", map[string]string{fieldText: "Write what people need to know."}
	}
	if meta.Verb == mim.ButtonReopen {
		return fmt.Sprintf("reopen reason=%s incident=%d", quote(text), meta.Incident), nil
	}
	return fmt.Sprintf("%s %s incident=%d", meta.Verb, quote(text), meta.Incident), nil
}

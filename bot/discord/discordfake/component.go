package discordfake

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Component types.
const (
	componentActionRow   = 1
	componentButton      = 2
	componentStringSel   = 3
	componentTextInput   = 4
	componentUserSel     = 5
	componentRoleSel     = 6
	componentMentionSel  = 7
	componentChannelSel  = 8
	componentSection     = 9
	componentTextDisplay = 10
	componentThumbnail   = 11
	componentGallery     = 12
	componentFile        = 13
	componentSeparator   = 14
	componentContainer   = 17
	componentLabel       = 18
)

// Component limits.
const (
	maxActionRows        = 5
	maxRowChildren       = 5
	maxV2Components      = 40
	maxCustomID          = 100
	maxButtonLabel       = 80
	maxSelectPlaceholder = 150
	maxSelectOptions     = 25
	maxModalTitle        = 45
	maxTextInputLabel    = 45
	maxTextInputLength   = 4000
)

type componentIn struct {
	Type        int             `json:"type"`
	CustomID    *string         `json:"custom_id"`
	Label       *string         `json:"label"`
	Style       *int            `json:"style"`
	URL         *string         `json:"url"`
	SKUID       *string         `json:"sku_id"`
	Emoji       json.RawMessage `json:"emoji"`
	Placeholder *string         `json:"placeholder"`
	MinValues   *int            `json:"min_values"`
	MaxValues   *int            `json:"max_values"`
	MinLength   *int            `json:"min_length"`
	MaxLength   *int            `json:"max_length"`
	Value       *string         `json:"value"`
	Content     *string         `json:"content"`
	Options     []struct {
		Label *string `json:"label"`
		Value *string `json:"value"`
	} `json:"options"`
	Components []componentIn `json:"components"`
	Component  *componentIn  `json:"component"`
	Accessory  *componentIn  `json:"accessory"`
}

func isSelect(t int) bool {
	return t == componentStringSel || t == componentUserSel || t == componentRoleSel ||
		t == componentMentionSel || t == componentChannelSel
}

// componentValidator walks a component tree collecting errors.
type componentValidator struct {
	f     *formErrors
	ids   map[string]bool
	count int
	modal bool
	v2    bool
}

func (v *componentValidator) customID(c componentIn, path string) {
	if c.CustomID == nil || *c.CustomID == "" {
		v.f.required(path + ".custom_id")
		return
	}
	if utf8.RuneCountInString(*c.CustomID) > maxCustomID {
		v.f.maxLength(path+".custom_id", maxCustomID)
		return
	}
	if v.ids[*c.CustomID] {
		v.f.add(path+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
	}
	v.ids[*c.CustomID] = true
}

func (v *componentValidator) component(c componentIn, path string) {
	v.count++
	switch c.Type {
	case componentActionRow:
		v.actionRow(c, path)
	case componentButton:
		v.button(c, path)
	case componentStringSel, componentUserSel, componentRoleSel, componentMentionSel, componentChannelSel:
		v.selectMenu(c, path)
	case componentTextInput:
		if !v.modal {
			v.f.choices(path+".type", "a message component type")
			return
		}
		v.textInput(c, path)
	case componentTextDisplay:
		if !v.v2 && !v.modal {
			v.f.add(path+".type", "COMPONENT_TYPE_INVALID", "Component type requires MessageFlags.IS_COMPONENTS_V2")
			return
		}
		if c.Content == nil || *c.Content == "" {
			v.f.required(path + ".content")
		} else if utf8.RuneCountInString(*c.Content) > maxTextInputLength {
			v.f.maxLength(path+".content", maxTextInputLength)
		}
	case componentSection, componentThumbnail, componentGallery, componentFile, componentSeparator, componentContainer:
		if !v.v2 {
			v.f.add(path+".type", "COMPONENT_TYPE_INVALID", "Component type requires MessageFlags.IS_COMPONENTS_V2")
			return
		}
		v.layout(c, path)
	case componentLabel:
		if !v.modal {
			v.f.choices(path+".type", "a message component type")
			return
		}
		if c.Label == nil || *c.Label == "" {
			v.f.required(path + ".label")
		}
		if c.Component == nil {
			v.f.required(path + ".component")
			return
		}
		v.component(*c.Component, path+".component")
	default:
		v.f.choices(path+".type", "a known component type")
	}
}

func (v *componentValidator) actionRow(c componentIn, path string) {
	n := len(c.Components)
	if n == 0 {
		v.f.add(path+".components", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
		return
	}
	if n > maxRowChildren {
		v.f.add(path+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		return
	}
	for i, child := range c.Components {
		cp := path + ".components." + strconv.Itoa(i)
		if child.Type == componentActionRow {
			v.f.choices(cp+".type", "a child component type")
			continue
		}
		if (isSelect(child.Type) || child.Type == componentTextInput) && n > 1 {
			v.f.add(cp, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
			continue
		}
		v.component(child, cp)
	}
}

func (v *componentValidator) button(c componentIn, path string) {
	style := 0
	if c.Style != nil {
		style = *c.Style
	}
	switch style {
	case 1, 2, 3, 4:
		v.customID(c, path)
	case 5:
		if c.URL == nil || *c.URL == "" {
			v.f.required(path + ".url")
		}
		if c.CustomID != nil {
			v.f.add(path+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id cannot be set on a link button")
		}
	case 6:
		if c.SKUID == nil {
			v.f.required(path + ".sku_id")
		}
		return
	default:
		v.f.choices(path+".style", "(1, 2, 3, 4, 5, 6)")
		return
	}
	hasLabel := c.Label != nil && *c.Label != ""
	if !hasLabel && (c.Emoji == nil || isNull(c.Emoji)) {
		v.f.add(path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A button must have a label or an emoji")
	}
	if c.Label != nil && utf8.RuneCountInString(*c.Label) > maxButtonLabel {
		v.f.maxLength(path+".label", maxButtonLabel)
	}
}

func (v *componentValidator) selectMenu(c componentIn, path string) {
	v.customID(c, path)
	if c.Placeholder != nil && utf8.RuneCountInString(*c.Placeholder) > maxSelectPlaceholder {
		v.f.maxLength(path+".placeholder", maxSelectPlaceholder)
	}
	if c.MinValues != nil && (*c.MinValues < 0 || *c.MinValues > 25) {
		v.f.add(path+".min_values", "NUMBER_TYPE_MAX", "Must be between 0 and 25.")
	}
	if c.MaxValues != nil && (*c.MaxValues < 1 || *c.MaxValues > 25) {
		v.f.add(path+".max_values", "NUMBER_TYPE_MAX", "Must be between 1 and 25.")
	}
	if c.Type != componentStringSel {
		return
	}
	if len(c.Options) < 1 || len(c.Options) > maxSelectOptions {
		v.f.badLength(path+".options", 1, maxSelectOptions)
		return
	}
	seen := map[string]bool{}
	for i, o := range c.Options {
		op := path + ".options." + strconv.Itoa(i)
		if o.Label == nil || *o.Label == "" || utf8.RuneCountInString(*o.Label) > 100 {
			v.f.badLength(op+".label", 1, 100)
		}
		if o.Value == nil || *o.Value == "" || utf8.RuneCountInString(*o.Value) > 100 {
			v.f.badLength(op+".value", 1, 100)
		} else if seen[*o.Value] {
			v.f.add(op+".value", "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Select component option values must be unique")
		} else {
			seen[*o.Value] = true
		}
	}
	if c.MaxValues != nil && *c.MaxValues > len(c.Options) {
		v.f.add(path+".max_values", "NUMBER_TYPE_MAX", "Must be less than or equal to the number of options.")
	}
}

func (v *componentValidator) textInput(c componentIn, path string) {
	v.customID(c, path)
	if c.Style == nil || (*c.Style != 1 && *c.Style != 2) {
		v.f.choices(path+".style", "(1, 2)")
	}
	if c.Label != nil && utf8.RuneCountInString(*c.Label) > maxTextInputLabel {
		v.f.maxLength(path+".label", maxTextInputLabel)
	}
	if c.MinLength != nil && (*c.MinLength < 0 || *c.MinLength > maxTextInputLength) {
		v.f.add(path+".min_length", "NUMBER_TYPE_MAX", "Must be between 0 and 4000.")
	}
	if c.MaxLength != nil && (*c.MaxLength < 1 || *c.MaxLength > maxTextInputLength) {
		v.f.add(path+".max_length", "NUMBER_TYPE_MAX", "Must be between 1 and 4000.")
	}
	if c.Value != nil && utf8.RuneCountInString(*c.Value) > maxTextInputLength {
		v.f.maxLength(path+".value", maxTextInputLength)
	}
}

// layout checks the Components V2 layout types.
func (v *componentValidator) layout(c componentIn, path string) {
	switch c.Type {
	case componentSection:
		if len(c.Components) < 1 || len(c.Components) > 3 {
			v.f.badLength(path+".components", 1, 3)
		}
		for i, child := range c.Components {
			cp := path + ".components." + strconv.Itoa(i)
			if child.Type != componentTextDisplay {
				v.f.choices(cp+".type", "(10)")
				continue
			}
			v.component(child, cp)
		}
		if c.Accessory == nil {
			v.f.required(path + ".accessory")
		} else if c.Accessory.Type != componentButton && c.Accessory.Type != componentThumbnail {
			v.f.choices(path+".accessory.type", "(2, 11)")
		} else {
			v.component(*c.Accessory, path+".accessory")
		}
	case componentContainer:
		for i, child := range c.Components {
			cp := path + ".components." + strconv.Itoa(i)
			switch child.Type {
			case componentActionRow, componentSection, componentTextDisplay, componentGallery, componentFile, componentSeparator:
				v.component(child, cp)
			default:
				v.f.choices(cp+".type", "(1, 9, 10, 12, 13, 14)")
			}
		}
	}
}

// validateMessageComponents checks a message's components and returns them
// compacted ("[]" for null).
func validateMessageComponents(raw json.RawMessage, v2 bool, f *formErrors) json.RawMessage {
	if isNull(raw) {
		return json.RawMessage("[]")
	}
	var comps []componentIn
	if err := json.Unmarshal(raw, &comps); err != nil {
		f.add("components", "BASE_TYPE_ARRAY", "Must be an array of components.")
		return nil
	}
	v := &componentValidator{f: f, ids: map[string]bool{}, v2: v2}
	if !v2 && len(comps) > maxActionRows {
		f.maxLength("components", maxActionRows)
		return nil
	}
	for i, c := range comps {
		p := "components." + strconv.Itoa(i)
		if !v2 && c.Type != componentActionRow {
			f.add(p+".type", "COMPONENT_TYPE_INVALID", "Top-level components must be action rows")
			continue
		}
		v.component(c, p)
	}
	if v2 && v.count > maxV2Components {
		f.add("components", "COMPONENT_MAX_TOTAL_EXCEEDED", "Total number of components exceeds 40")
	}
	return compactJSON(raw)
}

// validateModal checks a modal callback's data.
func validateModal(data json.RawMessage, f *formErrors) (customID string) {
	var m struct {
		CustomID   *string       `json:"custom_id"`
		Title      *string       `json:"title"`
		Components []componentIn `json:"components"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		f.add("data", "BASE_TYPE_INVALID", "Invalid modal.")
		return ""
	}
	if m.CustomID == nil || *m.CustomID == "" || utf8.RuneCountInString(*m.CustomID) > maxCustomID {
		f.badLength("data.custom_id", 1, maxCustomID)
	} else {
		customID = *m.CustomID
	}
	if m.Title == nil || *m.Title == "" || utf8.RuneCountInString(*m.Title) > maxModalTitle {
		f.badLength("data.title", 1, maxModalTitle)
	}
	if len(m.Components) < 1 || len(m.Components) > 5 {
		f.badLength("data.components", 1, 5)
		return customID
	}
	v := &componentValidator{f: f, ids: map[string]bool{}, modal: true}
	for i, c := range m.Components {
		p := "data.components." + strconv.Itoa(i)
		switch c.Type {
		case componentActionRow:
			if len(c.Components) != 1 || c.Components[0].Type != componentTextInput {
				f.add(p+".components", "MODAL_ACTION_ROW_INVALID", "An action row in a modal must hold exactly one text input")
				continue
			}
			if c.Components[0].Label == nil || *c.Components[0].Label == "" {
				f.required(p + ".components.0.label")
			}
			v.component(c, p)
		case componentLabel, componentTextDisplay:
			v.component(c, p)
		default:
			f.choices(p+".type", "(1, 10, 18)")
		}
	}
	return customID
}

// componentCustomIDs lists every custom_id in a component tree.
func componentCustomIDs(raw json.RawMessage) []string {
	var comps []componentIn
	if err := json.Unmarshal(raw, &comps); err != nil {
		return nil
	}
	var out []string
	var walk func(c componentIn)
	walk = func(c componentIn) {
		if c.CustomID != nil {
			out = append(out, *c.CustomID)
		}
		for _, child := range c.Components {
			walk(child)
		}
		if c.Accessory != nil {
			walk(*c.Accessory)
		}
		if c.Component != nil {
			walk(*c.Component)
		}
	}
	for _, c := range comps {
		walk(c)
	}
	return out
}

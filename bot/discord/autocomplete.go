package discord

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// maxChoices is how many suggestions Discord shows.
const maxChoices = 25

// modelsTimeout bounds reading the saved models: the suggestions must be back within
// Discord's three seconds, and the configured ones are better than none.
const modelsTimeout = time.Second

// choice is one autocomplete suggestion.
type choice struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// suggest answers an autocomplete interaction for the focused option: towers (the last
// of a comma-separated list is completed), models (configured and saved), people, and
// towers or people for page.
func (a *Adapter) suggest(ctx context.Context, inv invocation) response {
	choices := []choice{}
	if f := inv.focused; f != nil {
		typed := strings.ToLower(optionText(f))
		switch f.Name {
		case "towers":
			choices = a.towerChoices(typed)
		case "model":
			choices = a.modelChoices(ctx, typed)
		case "person", "owner":
			choices = a.personChoices(typed)
		case "text":
			if inv.verb == "page" {
				choices = append(a.towerChoices(typed), a.personChoices(typed)...)
			}
		}
	}
	if len(choices) > maxChoices {
		choices = choices[:maxChoices]
	}
	return response{Type: callbackAutocomplete, Data: map[string]any{"choices": choices}}
}

// towerChoices completes the last tower of a comma-separated list.
func (a *Adapter) towerChoices(typed string) []choice {
	cfg := a.surface.Config()
	var done []string
	last := typed
	if i := strings.LastIndexByte(typed, ','); i >= 0 {
		for _, t := range strings.Split(typed[:i], ",") {
			if t = strings.TrimSpace(t); t != "" {
				done = append(done, t)
			}
		}
		last = strings.TrimSpace(typed[i+1:])
	}
	var out []choice
	for _, name := range cfg.TowerNames() {
		if slices.Contains(done, name) || !strings.Contains(name, last) {
			continue
		}
		value := strings.Join(append(slices.Clone(done), name), ",")
		label := value
		if t := cfg.Towers[name]; len(t.Leads) > 0 {
			label = fmt.Sprintf("%s (pages %s)", value, cfg.Display(t.Leads[0]))
		}
		out = append(out, choice{Name: bot.Truncate(label, 100), Value: bot.Truncate(value, 100)})
	}
	return out
}

// modelChoices suggests the configured and the saved incident models.
func (a *Adapter) modelChoices(ctx context.Context, typed string) []choice {
	cfg := a.surface.Config()
	var models []mim.Model
	for _, name := range cfg.ModelNames() {
		models = append(models, cfg.Models[name])
	}
	ctx, cancel := context.WithTimeout(ctx, modelsTimeout)
	defer cancel()
	if saved, err := a.surface.Models(ctx); err == nil {
		for _, m := range saved {
			if !slices.ContainsFunc(models, func(x mim.Model) bool { return x.Name == m.Name }) {
				models = append(models, m)
			}
		}
	} else {
		a.log.Warn("discord: saved models not read for autocomplete", "err", err)
	}
	var out []choice
	for _, m := range models {
		if !strings.Contains(m.Name, typed) {
			continue
		}
		label := m.Name
		if len(m.Towers) > 0 {
			label = fmt.Sprintf("%s (%s; impact %s, urgency %s)", m.Name, strings.Join(m.Towers, ", "), m.Impact, m.Urgency)
		}
		out = append(out, choice{Name: bot.Truncate(label, 100), Value: m.Name})
	}
	return out
}

// personChoices suggests people by key or name.
func (a *Adapter) personChoices(typed string) []choice {
	cfg := a.surface.Config()
	var out []choice
	for _, k := range cfg.PersonKeys() {
		name := cfg.Display(k)
		if !strings.Contains(k, typed) && !strings.Contains(strings.ToLower(name), typed) {
			continue
		}
		out = append(out, choice{Name: bot.Truncate(fmt.Sprintf("%s (%s)", name, k), 100), Value: k})
	}
	return out
}

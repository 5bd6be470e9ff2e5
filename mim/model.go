package mim

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ModelStore keeps the incident models saved from past incidents (`model save`).
type ModelStore interface {
	// SaveModel inserts the model, or replaces the saved one of the same name.
	SaveModel(ctx context.Context, m Model) error
	// Model returns the saved model called name (ENOTFOUND when there is none).
	Model(ctx context.Context, name string) (Model, error)
	Models(ctx context.Context) ([]Model, error)
}

var modelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// SaveModel turns incident number into an incident model: its towers, impact,
// urgency and tasks, so that `declare model=<name>` seeds the next one.
func (s *Service) SaveModel(ctx context.Context, number int, actor, name string) (*Incident, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if !modelName.MatchString(name) {
		return nil, Errorf(EINVALID, "A model name is 1-40 lowercase letters, digits, - or _, for example: model save payment-gateway-outage")
	}
	if _, ok := s.Config.Models[name]; ok {
		return nil, Errorf(ECONFLICT, "%q is a model of the configuration; choose another name (configured: %s).", name, strings.Join(s.Config.ModelNames(), ", "))
	}
	inc, err := s.Store.Incident(ctx, number)
	if err != nil {
		return nil, err
	}
	if err := s.allow(inc, actor, "save models", roleIM, roleSMO); err != nil {
		return nil, err
	}
	m := Model{Name: name, Towers: slices.Clone(inc.Towers), Impact: inc.Impact, Urgency: inc.Urgency}
	for _, t := range inc.Tasks {
		m.Tasks = append(m.Tasks, t.Text)
	}
	if err := s.Store.SaveModel(ctx, m); err != nil {
		return nil, fmt.Errorf("save model: %w", err)
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		ch.Log(s.Clock.Now(), KindModelSaved, actor, fmt.Sprintf("Saved as incident model %q (%s)", name, describeModel(m)))
		return nil
	})
}

// model finds a model by name: the configuration's first, then the saved ones.
func (s *Service) model(ctx context.Context, name string) (Model, error) {
	if m, ok := s.Config.Models[name]; ok {
		return m, nil
	}
	m, err := s.Store.Model(ctx, name)
	if ErrorCode(err) == ENOTFOUND {
		names := s.Config.ModelNames()
		if saved, err := s.Store.Models(ctx); err == nil {
			for _, m := range saved {
				names = append(names, m.Name)
			}
		}
		return Model{}, Errorf(ENOTFOUND, "Unknown model %q. Models: %s.", name, strings.Join(names, ", "))
	}
	return m, err
}

func describeModel(m Model) string {
	return fmt.Sprintf("towers %s, impact %s, urgency %s, %s", strings.Join(m.Towers, ", "), m.Impact, m.Urgency, plural(len(m.Tasks), "task", "tasks"))
}

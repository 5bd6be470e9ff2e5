package config

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// models reads the incident models: name -> towers, impact, urgency, tasks.
func (r *reader) models(n *yaml.Node, path string, towers map[string]mim.Tower) map[string]mim.Model {
	es, _ := r.entries(n, path, "model names to models, such as payment-outage: {towers: [application], impact: high, urgency: high}")
	out := make(map[string]mim.Model, len(es))
	for _, e := range sorted(es) {
		r.checkKey(e, "model name")
		f := r.fields(e.value, e.path, "towers", "impact", "urgency", "tasks")
		m := mim.Model{
			Name:    e.key,
			Impact:  r.level(f["impact"], join(e.path, "impact")),
			Urgency: r.level(f["urgency"], join(e.path, "urgency")),
		}
		for _, it := range r.texts(f["towers"], join(e.path, "towers"), "[application, database]") {
			switch _, known := towers[it.value]; {
			case !it.ok:
				continue
			case !known:
				r.addf(it.path, "unknown tower %q", it.value)
			case slices.Contains(m.Towers, it.value):
				r.addf(it.path, "%q is listed twice", it.value)
			}
			m.Towers = append(m.Towers, it.value)
		}
		for _, it := range r.texts(f["tasks"], join(e.path, "tasks"), `["Check the provider's status page"]`) {
			if !it.ok {
				continue
			}
			if strings.TrimSpace(it.value) == "" {
				r.addf(it.path, "a task must say what to do")
				continue
			}
			m.Tasks = append(m.Tasks, it.value)
		}
		out[e.key] = m
	}
	return out
}

// level reads a required impact or urgency level.
func (r *reader) level(n *yaml.Node, path string) mim.Level {
	s := r.text(n, path)
	if r.reported(path) {
		return ""
	}
	if strings.TrimSpace(s) == "" {
		r.addf(path, "required (high, medium or low)")
		return ""
	}
	l, err := mim.ParseLevel("", s)
	if err != nil {
		r.addf(path, "%q is not a level (use high, medium or low)", s)
	}
	return l
}

package config

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// people reads the people mapping: key -> name, slack, discord, teams (the Entra object id), email.
func (r *reader) people(n *yaml.Node, path string) map[string]mim.Person {
	es, _ := r.entries(n, path, "person keys to people, such as alice: {name: Alice Ng, slack: U01ALICE}")
	out := make(map[string]mim.Person, len(es))
	for _, e := range sorted(es) {
		r.checkKey(e, "person key")
		f := r.fields(e.value, e.path, "name", "slack", "discord", "teams", "email")
		out[e.key] = mim.Person{
			Key:     e.key,
			Name:    r.text(f["name"], e.path+".name"),
			Slack:   r.text(f["slack"], e.path+".slack"),
			Discord: r.text(f["discord"], e.path+".discord"),
			Teams:   r.text(f["teams"], e.path+".teams"),
			Email:   r.text(f["email"], e.path+".email"),
		}
	}
	return out
}

// persons reads a list of person keys, each of which must be under people.
func (r *reader) persons(n *yaml.Node, path string, people map[string]mim.Person) []string {
	items := r.texts(n, path, "[alice, bob]")
	var out []string
	for _, it := range items {
		if !it.ok {
			continue
		}
		switch _, known := people[it.value]; {
		case !known:
			r.addf(it.path, "unknown person %q", it.value)
		case slices.Contains(out, it.value):
			r.addf(it.path, "%q is listed twice", it.value)
		}
		out = append(out, it.value)
	}
	return out
}

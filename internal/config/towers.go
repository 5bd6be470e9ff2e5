package config

import (
	"time"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// defaultAckWithin is how long a paged lead has to acknowledge when a tower says nothing.
const defaultAckWithin = 10 * time.Minute

// towers reads the towers mapping: name -> leads (in escalation order), members (who
// else works its queue), ack_within, pagerduty_routing_key.
func (r *reader) towers(n *yaml.Node, path string, people map[string]mim.Person) map[string]mim.Tower {
	es, _ := r.entries(n, path, "tower names to towers, such as database: {leads: [frank], ack_within: 10m}")
	out := make(map[string]mim.Tower, len(es))
	for _, e := range sorted(es) {
		r.checkKey(e, "tower name")
		f := r.fields(e.value, e.path, "leads", "members", "ack_within", "pagerduty_routing_key")
		leadsPath := join(e.path, "leads")
		t := mim.Tower{
			Name:                e.key,
			Leads:               r.persons(f["leads"], leadsPath, people),
			Members:             r.persons(f["members"], join(e.path, "members"), people),
			AckWithin:           r.positive(f["ack_within"], join(e.path, "ack_within"), defaultAckWithin),
			PagerDutyRoutingKey: r.text(f["pagerduty_routing_key"], join(e.path, "pagerduty_routing_key")),
		}
		if len(t.Leads) == 0 && !r.reported(leadsPath) {
			r.addf(leadsPath, "at least one lead is required: a tower nobody leads cannot be paged")
		}
		out[e.key] = t
	}
	return out
}

package config

import (
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// webhooks reads webhooks: a list of {url, secret, events}: where incident events are
// POSTed, the secret that signs them, and which events each receiver wants.
func (r *reader) webhooks(n *yaml.Node, path string) []mim.Webhook {
	n = resolve(n)
	if absent(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.addf(path, "must be a list of {url, secret, events}, such as [{url: https://itsm.example.com/mimbot, secret: s3cr3t, events: [declared, resolved]}]")
		return nil
	}
	var out []mim.Webhook
	for i, el := range n.Content {
		p := index(path, i)
		f := r.fields(el, p, "url", "secret", "events")
		w := mim.Webhook{URL: strings.TrimSpace(r.text(f["url"], join(p, "url"))), Secret: r.text(f["secret"], join(p, "secret"))}
		upath := join(p, "url")
		switch u, err := url.Parse(w.URL); {
		case r.reported(upath):
		case w.URL == "":
			r.addf(upath, "required: the receiver's absolute http(s) URL, such as https://itsm.example.com/mimbot")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			r.addf(upath, "%q is not an absolute http(s) URL: write one such as https://itsm.example.com/mimbot", w.URL)
		case u.User != nil:
			r.addf(upath, "must not carry a user or password (they would be logged with the URL): the secret signs every body instead")
		case slices.ContainsFunc(out, func(o mim.Webhook) bool { return o.URL == w.URL }):
			r.addf(upath, "%q is listed twice: list its events once", w.URL)
		}
		if spath := join(p, "secret"); !r.reported(spath) && strings.TrimSpace(w.Secret) == "" {
			r.addf(spath, "required: the shared secret that signs each body (X-Mimbot-Signature), such as a random 32-character string")
		}
		epath := join(p, "events")
		known := mim.HookEvents()
		names := make([]string, len(known))
		for i, ev := range known {
			names[i] = string(ev)
		}
		items := r.texts(f["events"], epath, "[declared, resolved]")
		if len(items) == 0 && !r.reported(epath) {
			r.addf(epath, "required: list the events to send, from %s", strings.Join(names, ", "))
		}
		for _, it := range items {
			if !it.ok {
				continue
			}
			ev := mim.HookEvent(strings.TrimSpace(it.value))
			switch {
			case !slices.Contains(known, ev):
				r.addf(it.path, "%q is not an event: use %s", it.value, strings.Join(names, ", "))
			case slices.Contains(w.Events, ev):
				r.addf(it.path, "%q is listed twice", it.value)
			default:
				w.Events = append(w.Events, ev)
			}
		}
		out = append(out, w)
	}
	return out
}

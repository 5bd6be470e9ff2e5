package config

import (
	"fmt"
	"net/url"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// The defaults of channels.war_room and bridge.url.
const (
	defaultWarRoom = "mi-{{.Number}}-{{.Slug}}"
	defaultBridge  = "https://meet.jit.si/{{.Channel}}"
)

// roomData is what a war-room name is rendered from.
type roomData struct {
	Number   int
	Slug     string
	Title    string
	Priority mim.Priority
}

// bridgeData is what a bridge URL is rendered from.
type bridgeData struct {
	Channel string
	Number  int
	Slug    string
}

// The sample incident templates are checked with: a template that fails for it would
// fail for a real incident, at the worst moment.
func sampleRoom() roomData {
	return roomData{Number: 42, Slug: "payments-down", Title: "Payments down", Priority: mim.P1}
}

func sampleBridge() bridgeData {
	return bridgeData{Channel: "mi-42-payments-down", Number: 42, Slug: "payments-down"}
}

// render executes t with data.
func render(t *template.Template, data any) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		// The sample's Go type means nothing to an operator; the field list does.
		return "", fmt.Errorf("%s", strings.ReplaceAll(err.Error(), fmt.Sprintf(" in type %T", data), ""))
	}
	return b.String(), nil
}

// template reads a text/template and renders it for sample data; def when absent.
// fields lists the fields for the error message. It returns the template and what it
// rendered, or nil after a problem.
func (r *reader) template(n *yaml.Node, path, def string, data any, fields string) (*template.Template, string) {
	src := r.text(n, path)
	if r.reported(path) {
		return nil, ""
	}
	if strings.TrimSpace(src) == "" {
		src = def
	}
	t, err := template.New(path).Option("missingkey=error").Parse(src)
	if err != nil {
		r.addf(path, "%q is not a valid template: %v", src, err)
		return nil, ""
	}
	out, err := render(t, data)
	if err != nil {
		r.addf(path, "%q does not render: %v (fields: %s)", src, err, fields)
		return nil, ""
	}
	return t, out
}

// warRoom reads the war-room name template, which must leave a usable channel name.
func (r *reader) warRoom(n *yaml.Node, path string) *template.Template {
	t, out := r.template(n, path, defaultWarRoom, sampleRoom(), ".Number, .Slug, .Title, .Priority")
	if t == nil {
		return nil
	}
	sample := sampleRoom()
	if name, err := mim.RenderWarRoom(t, sample.Number, sample.Title, sample.Priority); err != nil || name == "" {
		r.addf(path, "renders %q for a sample incident, which leaves no channel name (a-z, 0-9, - and _ are kept)", out)
		return nil
	}
	return t
}

// bridge reads the bridge section: url, a template that must render an absolute URL,
// and teams: "meeting" when the Teams war room gets a Teams meeting instead.
func (r *reader) bridge(n *yaml.Node, path string) (*template.Template, bool) {
	f := r.fields(n, path, "url", "teams")
	meeting := false
	switch v := r.text(f["teams"], join(path, "teams")); v {
	case "", "url":
	case "meeting":
		meeting = true
	default:
		r.addf(join(path, "teams"), "%q is not a Teams bridge (use meeting for a Teams meeting, or url for the bridge URL)", v)
	}
	p := join(path, "url")
	t, out := r.template(f["url"], p, defaultBridge, sampleBridge(), ".Channel, .Number, .Slug")
	if t == nil {
		return nil, meeting
	}
	if u, err := url.Parse(strings.TrimSpace(out)); err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		r.addf(p, "renders %q for a sample incident, which is not an absolute URL (such as https://meet.jit.si/{{.Channel}})", out)
		return nil, meeting
	}
	return t, meeting
}

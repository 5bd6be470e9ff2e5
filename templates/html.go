package templates

import (
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
)

// htmlSuffix marks the web pages (status.html.tmpl, incident.html.tmpl): they are
// parsed with html/template, which escapes what incidents say by where it lands in the
// page, and never by Load.
const htmlSuffix = ".html.tmpl"

// LoadHTML parses the embedded web pages (*.html.tmpl) with html/template, each
// replaced by the file of the same name in dir when dir is not empty and has one: the
// same override rule as Load, so one MIMBOT_TEMPLATES directory serves both.
func LoadHTML(dir string) (*htmltemplate.Template, error) {
	root := htmltemplate.New("mimbot-html")
	names, err := fs.Glob(files, "*"+htmlSuffix)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		if dir != "" {
			if own, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				data = own
			} else if !os.IsNotExist(err) {
				return nil, fmt.Errorf("templates: %w", err)
			}
		}
		if _, err := root.New(name).Parse(string(data)); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", name, err)
		}
	}
	return root, nil
}

// MustHTML is LoadHTML("") for tests and defaults: the embedded pages always parse (the
// web package's tests render them).
func MustHTML() *htmltemplate.Template {
	t, err := LoadHTML("")
	if err != nil {
		panic(err)
	}
	return t
}

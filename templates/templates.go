package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// funcs are the helpers every template may use.
var funcs = template.FuncMap{
	"join": strings.Join,
	// cell makes text safe inside a Markdown table cell.
	"cell": func(s string) string {
		return strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	},
}

// Load parses the embedded text templates (every *.tmpl but the *.html.tmpl pages),
// each replaced by the file of the same name in dir when dir is not empty and has one.
func Load(dir string) (*template.Template, error) {
	root := template.New("mimbot").Funcs(funcs)
	names, err := fs.Glob(files, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, htmlSuffix) {
			continue // HTML pages need html/template's escaping: LoadHTML
		}
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

// Must is Load("") for tests and defaults: the embedded files always parse (a test
// keeps it so).
func Must() *template.Template {
	t, err := Load("")
	if err != nil {
		panic(err)
	}
	return t
}

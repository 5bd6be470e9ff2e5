package config

import (
	_ "embed"

	"mimbot/mim"
)

// demoYAML is a string, not a []byte, so that nobody can change the embedded demo.
//
//go:embed demo.yaml
var demoYAML string

// DemoYAML returns the text of the built-in demo configuration, a starting point for an
// operator's own file.
func DemoYAML() []byte { return []byte(demoYAML) }

// Demo returns the built-in demo configuration, a fresh copy on each call. The embedded
// file is checked by the package's tests, so it is never nil in a released binary.
func Demo() *mim.Config {
	cfg, err := Parse([]byte(demoYAML))
	if err != nil {
		return nil
	}
	return cfg
}

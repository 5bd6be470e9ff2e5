package config

import (
	"time"
	// The demo runs in Europe/London and operators name any IANA zone; embedding the
	// zone database keeps that true in a static binary on a host (or scratch image)
	// without /usr/share/zoneinfo.
	_ "time/tzdata"

	"go.yaml.in/yaml/v3"
)

// location reads an IANA time zone name; UTC when absent.
func (r *reader) location(n *yaml.Node, path string) *time.Location {
	name := r.text(n, path)
	if name == "" {
		return time.UTC
	}
	// "Local" would make the schedules depend on the host the bot happens to run on.
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		r.addf(path, "%q is not an IANA time zone (such as Europe/London, America/New_York or UTC)", name)
		return time.UTC
	}
	return loc
}

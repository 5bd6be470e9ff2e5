package bot

import (
	"fmt"
	"strings"

	"mimbot/mim"
)

// PageLines lists an incident's current pages with their acknowledgement state, one a
// line, for the incident card; mention renders a person key the platform's way.
func PageLines(inc *mim.Incident, mention func(key string) string) string {
	var b strings.Builder
	for _, p := range inc.ActivePages() {
		tower := p.Tower
		if tower == "" {
			tower = "paged by name"
		}
		st := "not acknowledged yet"
		if p.Acked() {
			st = "acknowledged after " + mim.Duration(p.AckedAt.Sub(p.PagedAt))
		}
		fmt.Fprintf(&b, "%s (%s): %s\n", mention(p.Person), tower, st)
	}
	return strings.TrimSpace(b.String())
}

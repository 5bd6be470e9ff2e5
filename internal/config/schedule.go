package config

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// schedule reads a standard five-field cron expression evaluated in loc. It returns nil
// and "" when the value is absent, which is a problem only when required.
func (r *reader) schedule(n *yaml.Node, path string, loc *time.Location, required bool) (mim.Schedule, string) {
	spec := strings.TrimSpace(r.text(n, path))
	if r.reported(path) {
		return nil, ""
	}
	if spec == "" {
		if required {
			r.addf(path, `required (a cron schedule such as "0 9 * * MON")`)
		}
		return nil, ""
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		r.addf(path, "%q names its own time zone: schedules run in timezone (%s); drop the prefix", spec, loc)
		return nil, spec
	}
	s, err := cron.ParseStandard("CRON_TZ=" + loc.String() + " " + spec)
	if err != nil {
		r.addf(path, `%q is not a cron schedule (%v): use 5 fields, minute hour day-of-month month day-of-week, such as "0 9 * * MON"`, spec, err)
		return nil, spec
	}
	// The cron library gives up after five years without an activation (February 30th):
	// such a rotation would never hand over.
	if s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, loc)).IsZero() {
		r.addf(path, "%q never fires", spec)
		return nil, spec
	}
	return s, spec
}

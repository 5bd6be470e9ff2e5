package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestProblems edits one thing in the valid base and checks the exact problems: the key
// path an operator has to find and the reason.
func TestProblems(t *testing.T) {
	const (
		notDuration = "is not a duration (use Go syntax such as 90s, 15m, 4h)"
		notPriority = "is not a priority (use P0, P1, P2, P3 or P4)"
		cronHint    = `use 5 fields, minute hour day-of-month month day-of-week, such as "0 9 * * MON"`
		keyRule     = "use lowercase letters, digits, _ . and -, starting with a letter or digit"
	)
	tests := []struct {
		name  string
		pairs []string // old, new, ... applied to base
		text  string   // instead of base, when set
		want  []Problem
	}{
		// The file as a whole.
		{
			name:  "YAML parser error names the line",
			pairs: []string{"  head: [hana]", "  head: [hana"},
			want:  []Problem{{"", "YAML syntax: line 14: did not find expected ',' or ']'"}},
		},
		{
			name:  "YAML parser error found on the next line",
			pairs: []string{"timezone: UTC", "timezone: [UTC"},
			want:  []Problem{{"", "YAML syntax: line 2: did not find expected ',' or ']'"}},
		},
		{
			name:  "YAML scanner error names the line",
			pairs: []string{"  head: [hana]", "  head: hana: x"},
			want:  []Problem{{"", "YAML syntax: line 14: mapping values are not allowed in this context"}},
		},
		{
			name: "a second YAML document",
			text: base + "---\ntimezone: UTC\n",
			want: []Problem{{"", "YAML syntax: line 43: a second YAML document; the configuration is a single document"}},
		},
		{
			name: "not a mapping",
			text: "- alice\n- bob\n",
			want: []Problem{{"", "the configuration must be a YAML mapping with keys such as timezone, people, smo, towers, priorities, channels"}},
		},

		// Unknown and repeated keys, wrong shapes.
		{
			name:  "unknown top-level key",
			pairs: []string{"timezone: UTC", "timezone: UTC\ncolour: red"},
			want:  []Problem{{"colour", "unknown key"}},
		},
		{
			name:  "unknown person key",
			pairs: []string{"alice: {name: Alice Ng, email: alice@example.com}", "alice: {name: Alice Ng, emial: alice@example.com}"},
			want:  []Problem{{"people.alice.emial", "unknown key"}},
		},
		{
			name:  "unknown stakeholder platform",
			pairs: []string{"stakeholders: {slack: C01STAKE}", "stakeholders: {slack: C01STAKE, matrix: M1}"},
			want:  []Problem{{"channels.stakeholders.matrix", "unknown key"}},
		},
		{
			name:  "duplicate key",
			pairs: []string{"  bob: {name: Bob Okafor}", "  bob: {name: Bob Okafor}\n  alice: {name: Alice Again}"},
			want:  []Problem{{"people.alice", "duplicate key (first set on line 4)"}},
		},
		{
			name:  "a person that is not a mapping",
			pairs: []string{"bob: {name: Bob Okafor}", "bob: Bob Okafor"},
			want:  []Problem{{"people.bob", "must be a mapping of name, slack, discord, teams, email"}},
		},
		{
			name:  "members that are not a list",
			pairs: []string{"members: [alice, bob]", "members: alice"},
			want:  []Problem{{"smo.rotation.members", "must be a list, such as [alice, bob]"}},
		},
		{
			name:  "a duration that is not a single value",
			pairs: []string{"database: {leads: [frank], ack_within: 10m}", "database: {leads: [frank], ack_within: [10m]}"},
			want:  []Problem{{"towers.database.ack_within", "must be a single value, not a list"}},
		},
		{
			name:  "a schedule that is not a single value",
			pairs: []string{`handoff: "0 9 * * MON"`, `handoff: {cron: "0 9 * * MON"}`},
			want:  []Problem{{"smo.rotation.handoff", "must be a single value, not a mapping"}},
		},

		// timezone and people.
		{
			name:  "timezone not IANA",
			pairs: []string{"timezone: UTC", "timezone: Europe/Londn"},
			want:  []Problem{{"timezone", `"Europe/Londn" is not an IANA time zone (such as Europe/London, America/New_York or UTC)`}},
		},
		{
			name:  "timezone Local depends on the host",
			pairs: []string{"timezone: UTC", "timezone: Local"},
			want:  []Problem{{"timezone", `"Local" is not an IANA time zone (such as Europe/London, America/New_York or UTC)`}},
		},
		{
			name:  "person key with capitals",
			pairs: []string{"  hana: {name: Hana Sato}", "  hana: {name: Hana Sato}\n  Zed: {name: Zed}"},
			want:  []Problem{{"people.Zed", `"Zed" is not a valid person key: ` + keyRule}},
		},
		{
			name:  "person key starting with a dash",
			pairs: []string{"  hana: {name: Hana Sato}", "  hana: {name: Hana Sato}\n  -zed: {name: Zed}"},
			want:  []Problem{{"people.-zed", `"-zed" is not a valid person key: ` + keyRule}},
		},
		{
			name:  "unknown declarer",
			pairs: []string{"declarers: []", "declarers: [alice, sam]"},
			want:  []Problem{{"declarers[1]", `unknown person "sam"`}},
		},

		// smo.
		{
			name:  "unknown rotation member",
			pairs: []string{"members: [alice, bob]", "members: [alice, bbo]"},
			want:  []Problem{{"smo.rotation.members[1]", `unknown person "bbo"`}},
		},
		{
			name:  "empty rotation",
			pairs: []string{"members: [alice, bob]", "members: []"},
			want:  []Problem{{"smo.rotation.members", "at least one member is required"}},
		},
		{
			name:  "rotation member twice",
			pairs: []string{"members: [alice, bob]", "members: [alice, bob, alice]"},
			want:  []Problem{{"smo.rotation.members[2]", `"alice" is listed twice`}},
		},
		{
			name:  "start not RFC 3339",
			pairs: []string{"start: 2026-01-05T09:00:00Z", "start: 2026-01-05 09:00"},
			want:  []Problem{{"smo.rotation.start", `"2026-01-05 09:00" is not an RFC 3339 time (such as 2026-01-05T09:00:00Z)`}},
		},
		{
			name:  "start missing",
			pairs: []string{"    start: 2026-01-05T09:00:00Z\n", ""},
			want:  []Problem{{"smo.rotation.start", "required: when the first member's first shift begins, such as 2026-01-05T09:00:00Z"}},
		},
		{
			name:  "handoff not a cron",
			pairs: []string{`handoff: "0 9 * * MON"`, `handoff: "0 9 * *"`},
			want:  []Problem{{"smo.rotation.handoff", `"0 9 * *" is not a cron schedule (expected exactly 5 fields, found 4: [0 9 * *]): ` + cronHint}},
		},
		{
			name:  "handoff with seconds",
			pairs: []string{`handoff: "0 9 * * MON"`, `handoff: "0 0 9 * * MON"`},
			want:  []Problem{{"smo.rotation.handoff", `"0 0 9 * * MON" is not a cron schedule (expected exactly 5 fields, found 6: [0 0 9 * * MON]): ` + cronHint}},
		},
		{
			name:  "handoff that never fires",
			pairs: []string{`handoff: "0 9 * * MON"`, `handoff: "0 9 30 2 *"`},
			want:  []Problem{{"smo.rotation.handoff", `"0 9 30 2 *" never fires`}},
		},
		{
			name:  "handoff every minute",
			pairs: []string{`handoff: "0 9 * * MON"`, `handoff: "* * * * *"`},
			want:  []Problem{{"smo.rotation.handoff", `hands over 1m after the previous handoff: a shift must last at least an hour (such as "0 9 * * MON", weekly)`}},
		},
		{
			name:  "start in the last century",
			pairs: []string{`start: 2026-01-05T09:00:00Z`, `start: 1901-01-07T09:00:00Z`},
			want:  []Problem{{"smo.rotation.start", `1901-01-07T09:00:00Z is before 2000: use the start of a recent shift of the first member, such as 2026-01-05T09:00:00Z`}},
		},
		{
			name:  "handoff with its own time zone",
			pairs: []string{`handoff: "0 9 * * MON"`, `handoff: "CRON_TZ=Asia/Tokyo 0 9 * * MON"`},
			want:  []Problem{{"smo.rotation.handoff", `"CRON_TZ=Asia/Tokyo 0 9 * * MON" names its own time zone: schedules run in timezone (UTC); drop the prefix`}},
		},
		{
			name:  "handoff missing",
			pairs: []string{`    handoff: "0 9 * * MON"` + "\n", ""},
			want:  []Problem{{"smo.rotation.handoff", `required (a cron schedule such as "0 9 * * MON")`}},
		},
		{
			name:  "no head",
			pairs: []string{"head: [hana]", "head: []"},
			want:  []Problem{{"smo.head", "at least one person is required: hierarchical escalations go there"}},
		},
		{
			name:  "unknown head",
			pairs: []string{"head: [hana]", "head: [hanna]"},
			want:  []Problem{{"smo.head[0]", `unknown person "hanna"`}},
		},
		{
			name:  "max_concurrent zero",
			pairs: []string{"max_concurrent: 1", "max_concurrent: 0"},
			want:  []Problem{{"smo.max_concurrent", "must be at least 1"}},
		},
		{
			name: "recurrence count of one",
			text: base + "problems: {recurrence: {count: 1, within: 720h}}\n",
			want: []Problem{{"problems.recurrence.count", "must be at least 2: one incident does not recur (the default is 3)"}},
		},
		{
			name: "recurrence within not a duration",
			text: base + "problems: {recurrence: {within: 30d}}\n",
			want: []Problem{{"problems.recurrence.within", `"30d" ` + notDuration}},
		},
		{
			name: "recurrence unknown key",
			text: base + "problems: {recurrence: {cout: 3}}\n",
			want: []Problem{{"problems.recurrence.cout", "unknown key"}},
		},
		{
			name:  "max_concurrent not a number",
			pairs: []string{"max_concurrent: 1", "max_concurrent: two"},
			want:  []Problem{{"smo.max_concurrent", `"two" is not a whole number`}},
		},

		// towers.
		{
			name:  "tower without leads",
			pairs: []string{"database: {leads: [frank], ack_within: 10m}", "database: {leads: [], ack_within: 10m}"},
			want:  []Problem{{"towers.database.leads", "at least one lead is required: a tower nobody leads cannot be paged"}},
		},
		{
			name:  "unknown tower lead",
			pairs: []string{"database: {leads: [frank], ack_within: 10m}", "database: {leads: [frnak], ack_within: 10m}"},
			want:  []Problem{{"towers.database.leads[0]", `unknown person "frnak"`}},
		},
		{
			name:  "ack_within zero",
			pairs: []string{"database: {leads: [frank], ack_within: 10m}", "database: {leads: [frank], ack_within: 0s}"},
			want:  []Problem{{"towers.database.ack_within", "must be more than 0"}},
		},
		{
			name:  "ack_within without a unit",
			pairs: []string{"database: {leads: [frank], ack_within: 10m}", "database: {leads: [frank], ack_within: 10}"},
			want:  []Problem{{"towers.database.ack_within", `"10" ` + notDuration}},
		},
		{
			name:  "tower name with a space",
			pairs: []string{"  database: {leads: [frank], ack_within: 10m}", "  database: {leads: [frank], ack_within: 10m}\n  data base: {leads: [frank]}"},
			want:  []Problem{{"towers.data base", `"data base" is not a valid tower name: ` + keyRule}},
		},

		{
			name: "towers are checked in name order, not file order",
			pairs: []string{
				"  application: {leads: [dave], ack_within: 10m}\n  database: {leads: [frank], ack_within: 10m}",
				"  database: {leads: [frnak], ack_within: 10m}\n  application: {leads: [dvae], ack_within: 10m}",
			},
			want: []Problem{
				{"towers.application.leads[0]", `unknown person "dvae"`},
				{"towers.database.leads[0]", `unknown person "frnak"`},
			},
		},

		// priorities.
		{
			name:  "matrix cell missing",
			pairs: []string{"medium: {high: P1, medium: P2, low: P3}", "medium: {high: P1, medium: P2}"},
			want:  []Problem{{"priorities.matrix.medium.low", "required: each row needs a priority for each urgency (high, medium, low)"}},
		},
		{
			name:  "matrix row missing",
			pairs: []string{"    low: {high: P2, medium: P3, low: P4}\n", ""},
			want:  []Problem{{"priorities.matrix.low", "required: the matrix needs a row for each impact (high, medium, low)"}},
		},
		{
			name:  "matrix cell not a priority",
			pairs: []string{"high: {high: P0, medium: P1, low: P2}", "high: {high: P9, medium: P1, low: P2}"},
			want:  []Problem{{"priorities.matrix.high.high", `"P9" ` + notPriority}},
		},
		{
			name:  "matrix impact not a level",
			pairs: []string{"high: {high: P0, medium: P1, low: P2}", "high: {high: P0, medium: P1, low: P2}\n    critical: {high: P0}"},
			want:  []Problem{{"priorities.matrix.critical", `"critical" is not an impact level (use high, medium or low)`}},
		},
		{
			name:  "matrix urgency not a level",
			pairs: []string{"high: {high: P0, medium: P1, low: P2}", "high: {high: P0, medium: P1, low: P2, urgent: P0}"},
			want:  []Problem{{"priorities.matrix.high.urgent", `"urgent" is not an urgency level (use high, medium or low)`}},
		},
		{
			name:  "no major priority",
			pairs: []string{"major: [P0, P1]", "major: []"},
			want:  []Problem{{"priorities.major", "at least one priority is required: without one, no incident is major"}},
		},
		{
			name:  "major not a priority",
			pairs: []string{"major: [P0, P1]", "major: [P0, Sev1]"},
			want:  []Problem{{"priorities.major[1]", `"Sev1" ` + notPriority}},
		},
		{
			name:  "policy priority missing",
			pairs: []string{"    P3: {respond: 8h, resolve: 72h}\n", ""},
			want:  []Problem{{"priorities.policy.P3", "required: the policy needs respond and resolve for every priority, P0 to P4"}},
		},
		{
			name:  "policy for an unknown priority",
			pairs: []string{"P4: {respond: 24h, resolve: 120h}", "P4: {respond: 24h, resolve: 120h}\n    P5: {respond: 48h, resolve: 240h}"},
			want:  []Problem{{"priorities.policy.P5", `"P5" ` + notPriority}},
		},
		{
			name:  "respond zero",
			pairs: []string{"P1: {respond: 15m, resolve: 8h, update_every: 30m}", "P1: {respond: 0s, resolve: 8h, update_every: 30m}"},
			want:  []Problem{{"priorities.policy.P1.respond", "must be more than 0"}},
		},
		{
			name:  "resolve missing",
			pairs: []string{"P1: {respond: 15m, resolve: 8h, update_every: 30m}", "P1: {respond: 15m, update_every: 30m}"},
			want:  []Problem{{"priorities.policy.P1.resolve", "required (a duration such as 90s, 15m, 4h)"}},
		},
		{
			name:  "update_every not a duration",
			pairs: []string{"update_every: 15m", "update_every: 15x"},
			want:  []Problem{{"priorities.policy.P0.update_every", `"15x" ` + notDuration}},
		},
		{
			name:  "update_every missing for a major priority",
			pairs: []string{"P1: {respond: 15m, resolve: 8h, update_every: 30m}", "P1: {respond: 15m, resolve: 8h}"},
			want:  []Problem{{"priorities.policy.P1.update_every", "required, more than 0, for a major priority (P1 is in priorities.major): a major incident without a cadence would never be reminded"}},
		},
		{
			name:  "a priority made major without a cadence",
			pairs: []string{"major: [P0, P1]", "major: [P0, P1, P3]"},
			want:  []Problem{{"priorities.policy.P3.update_every", "required, more than 0, for a major priority (P3 is in priorities.major): a major incident without a cadence would never be reminded"}},
		},
		{
			name:  "update_every negative",
			pairs: []string{"P3: {respond: 8h, resolve: 72h}", "P3: {respond: 8h, resolve: 72h, update_every: -1h}"},
			want:  []Problem{{"priorities.policy.P3.update_every", "must not be negative (0 or leave it out: no cadence)"}},
		},

		// channels and bridge.
		{
			name:  "digest not a cron",
			pairs: []string{`digest: "0 * * * *"`, `digest: "hourly"`},
			want:  []Problem{{"channels.digest", `"hourly" is not a cron schedule (expected exactly 5 fields, found 1: [hourly]): ` + cronHint}},
		},
		{
			name:  "war room template does not parse",
			pairs: []string{`war_room: "mi-{{.Number}}-{{.Slug}}"`, `war_room: "mi-{{.Number"`},
			want:  []Problem{{"channels.war_room", `"mi-{{.Number" is not a valid template: template: channels.war_room:1: unclosed action`}},
		},
		{
			name:  "war room template names an unknown field",
			pairs: []string{`war_room: "mi-{{.Number}}-{{.Slug}}"`, `war_room: "mi-{{.Nmber}}"`},
			want: []Problem{{"channels.war_room", `"mi-{{.Nmber}}" does not render: template: channels.war_room:1:5: executing "channels.war_room" at <.Nmber>: ` +
				"can't evaluate field Nmber (fields: .Number, .Slug, .Title, .Priority)"}},
		},
		{
			name:  "war room name with nothing a channel can use",
			pairs: []string{`war_room: "mi-{{.Number}}-{{.Slug}}"`, `war_room: "🔥!"`},
			want:  []Problem{{"channels.war_room", `renders "🔥!" for a sample incident, which leaves no channel name (a-z, 0-9, - and _ are kept)`}},
		},
		{
			name:  "war room platform unknown",
			pairs: []string{"war_room_platforms: []", "war_room_platforms: [slack, matrix]"},
			want:  []Problem{{"channels.war_room_platforms[1]", `"matrix" is not a platform (use slack, discord or teams)`}},
		},
		{
			name:  "teams bridge unknown",
			pairs: []string{`bridge: {url: "https://meet.jit.si/{{.Channel}}"}`, `bridge: {url: "https://meet.jit.si/{{.Channel}}", teams: zoom}`},
			want:  []Problem{{"bridge.teams", `"zoom" is not a Teams bridge (use meeting for a Teams meeting, or url for the bridge URL)`}},
		},
		{
			name:  "war room platform twice",
			pairs: []string{"war_room_platforms: []", "war_room_platforms: [slack, slack]"},
			want:  []Problem{{"channels.war_room_platforms[1]", `"slack" is listed twice`}},
		},
		{
			name:  "bridge template names an unknown field",
			pairs: []string{`url: "https://meet.jit.si/{{.Channel}}"`, `url: "https://meet.jit.si/{{.Room}}"`},
			want: []Problem{{"bridge.url", `"https://meet.jit.si/{{.Room}}" does not render: template: bridge.url:1:22: executing "bridge.url" at <.Room>: ` +
				"can't evaluate field Room (fields: .Channel, .Number, .Slug)"}},
		},
		{
			name:  "bridge not an absolute URL",
			pairs: []string{`url: "https://meet.jit.si/{{.Channel}}"`, `url: "meet.jit.si/{{.Channel}}"`},
			want:  []Problem{{"bridge.url", `renders "meet.jit.si/mi-42-payments-down" for a sample incident, which is not an absolute URL (such as https://meet.jit.si/{{.Channel}})`}},
		},

		// models.
		{
			name:  "model with an unknown tower",
			pairs: []string{"towers: [application, database]", "towers: [application, databse]"},
			want:  []Problem{{"models.payment-outage.towers[1]", `unknown tower "databse"`}},
		},
		{
			name:  "model impact not a level",
			pairs: []string{"impact: high", "impact: critical"},
			want:  []Problem{{"models.payment-outage.impact", `"critical" is not a level (use high, medium or low)`}},
		},
		{
			name:  "model urgency missing",
			pairs: []string{"    urgency: high\n", ""},
			want:  []Problem{{"models.payment-outage.urgency", "required (high, medium or low)"}},
		},
		{
			name:  "model with an empty task",
			pairs: []string{`tasks: ["Check the provider's status page"]`, `tasks: ["Check the provider's status page", " "]`},
			want:  []Problem{{"models.payment-outage.tasks[1]", "a task must say what to do"}},
		},
		{
			name:  "model task that is not text",
			pairs: []string{`tasks: ["Check the provider's status page"]`, `tasks: [{check: provider}]`},
			want:  []Problem{{"models.payment-outage.tasks[0]", "must be a single value, not a mapping"}},
		},
		{
			name:  "model name with capitals",
			pairs: []string{"  payment-outage:", "  Payment-Outage:"},
			want:  []Problem{{"models.Payment-Outage", `"Payment-Outage" is not a valid model name: ` + keyRule}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if text == "" {
				text = edit(t, base, tt.pairs...)
			}
			if diff := cmp.Diff(tt.want, problems(t, text)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

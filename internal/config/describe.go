package config

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"mimbot/mim"
)

// stampLayout shows a moment in the configured zone, with the zone's abbreviation so
// that summer time is visible.
const stampLayout = "Mon 02 Jan 2006 15:04 MST"

// Describe is the report `mimbot config check` prints: what the configuration resolves
// to at now, in the configured time zone.
func Describe(cfg *mim.Config, now time.Time) string {
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	var b strings.Builder
	fmt.Fprintf(&b, "Configuration at %s (time zone %s)\n\n", now.Format(stampLayout), loc)

	fmt.Fprintf(&b, "People: %d\n", len(cfg.People))
	if len(cfg.Declarers) == 0 {
		b.WriteString("Declarers: anyone\n")
	} else {
		fmt.Fprintf(&b, "Declarers: %s\n", names(cfg, cfg.Declarers, ", "))
	}
	if len(cfg.ServiceDesk) == 0 {
		b.WriteString("Service desk: nobody (only tower members and leads own non-major incidents)\n")
	} else {
		fmt.Fprintf(&b, "Service desk: %s\n", names(cfg, cfg.ServiceDesk, ", "))
	}
	fmt.Fprintf(&b, "Closure: the reporter confirms within %s, else it closes without confirmation\n", duration(cfg.ConfirmDeadline()))

	describeStatus(&b, cfg)

	describeRotation(&b, cfg, now)
	describeTowers(&b, cfg)
	describePriorities(&b, cfg)
	describeChannels(&b, cfg, now)
	describeModels(&b, cfg)
	describeIntake(&b, cfg)
	describeWebhooks(&b, cfg)
	return b.String()
}

// describeWebhooks lists where incident events go, and which; never the secrets.
// Nothing is said without webhooks, which most configurations have none of.
func describeWebhooks(b *strings.Builder, cfg *mim.Config) {
	if len(cfg.Webhooks) == 0 {
		return
	}
	b.WriteString("\nWebhooks (signed with their secret):\n")
	for _, w := range cfg.Webhooks {
		evs := make([]string, len(w.Events))
		for i, ev := range w.Events {
			evs[i] = string(ev)
		}
		fmt.Fprintf(b, "  %s: %s\n", w.URL, strings.Join(evs, ", "))
	}
}

// describeIntake says what the e-mail intake accepts once MIMBOT_SMTP_ADDR is set.
func describeIntake(b *strings.Builder, cfg *mim.Config) {
	e := cfg.Intake.Email
	if len(e.To) == 0 && len(e.AllowedDomains) == 0 {
		b.WriteString("\nE-mail intake: not configured (intake.email)\n")
		return
	}
	fmt.Fprintf(b, "\nE-mail intake (on when MIMBOT_SMTP_ADDR is set): mail to %s from %s; impact %s, urgency %s -> %s\n",
		strings.Join(e.To, ", "), strings.Join(e.AllowedDomains, ", "), e.Impact, e.Urgency, cfg.Policy.Prioritize(e.Impact, e.Urgency))
}

func describeRotation(b *strings.Builder, cfg *mim.Config, now time.Time) {
	rot := cfg.Rotation
	loc := now.Location()
	fmt.Fprintf(b, "\nSMO rotation: %s\n", strings.Join(rot.Members, ", "))
	fmt.Fprintf(b, "  Starts %s with %s\n", rot.Start.In(loc).Format(stampLayout), who(cfg, first(rot.Members)))
	// Before the start, the first member covers (mim.Rotation.OnCall says so) and her
	// shift runs to the first handoff after the start.
	shift := rot.OnCall(now)
	if now.Before(rot.Start) {
		shift = rot.OnCall(rot.Start)
	}
	if shift.End.IsZero() {
		fmt.Fprintf(b, "  On call now: %s, with no handoff to come\n", who(cfg, shift.Member))
	} else {
		fmt.Fprintf(b, "  On call now: %s until %s\n", who(cfg, shift.Member), shift.End.In(loc).Format(stampLayout))
		b.WriteString("  Next handoffs:\n")
		at := shift.End
		for i := 0; i < 3 && !at.IsZero(); i++ {
			next := rot.OnCall(at)
			fmt.Fprintf(b, "    %s  %s\n", at.In(loc).Format(stampLayout), who(cfg, next.Member))
			at = next.End
		}
	}
	fmt.Fprintf(b, "  Head: %s\n", names(cfg, cfg.Head, ", "))
	fmt.Fprintf(b, "  Max concurrent major incidents per IM: %d\n", cfg.MaxConcurrent)
}

func first(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

func describeTowers(b *strings.Builder, cfg *mim.Config) {
	b.WriteString("\nTowers (leads in escalation order)\n")
	if len(cfg.Towers) == 0 {
		b.WriteString("  none\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, name := range cfg.TowerNames() {
		t := cfg.Towers[name]
		members := ""
		if len(t.Members) > 0 {
			members = "\tmembers " + names(cfg, t.Members, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\tack within %s%s\n", name, names(cfg, t.Leads, " -> "), duration(t.AckWithin), members)
	}
	tw.Flush()
}

func describePriorities(b *strings.Builder, cfg *mim.Config) {
	b.WriteString("\nPriority matrix (rows: impact, columns: urgency)\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	// No tab after the last column: tabwriter would pad it with trailing spaces.
	fmt.Fprintf(tw, "  \t%s\t%s\t%s\n", mim.High, mim.Medium, mim.Low)
	for _, impact := range mim.Levels {
		p := func(urgency mim.Level) mim.Priority { return cfg.Policy.Prioritize(impact, urgency) }
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", impact, p(mim.High), p(mim.Medium), p(mim.Low))
	}
	tw.Flush()

	b.WriteString("\nPolicy\n")
	tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, pr := range mim.Priorities {
		t := cfg.Policy.Target(pr)
		cadence := "no status updates"
		if t.UpdateEvery > 0 {
			cadence = "update every " + duration(t.UpdateEvery)
		}
		kind := "logged and tracked"
		if cfg.Policy.IsMajor(pr) {
			kind = "major"
		}
		fmt.Fprintf(tw, "  %s\trespond %s\tresolve %s\t%s\t%s\n", pr, duration(t.Respond), duration(t.Resolve), cadence, kind)
	}
	tw.Flush()
}

func describeChannels(b *strings.Builder, cfg *mim.Config, now time.Time) {
	b.WriteString("\nChannels\n")
	if len(cfg.Stakeholders) == 0 {
		b.WriteString("  Stakeholders: none\n")
	} else {
		platforms := make([]string, 0, len(cfg.Stakeholders))
		for p := range cfg.Stakeholders {
			platforms = append(platforms, p)
		}
		sort.Strings(platforms)
		for _, p := range platforms {
			fmt.Fprintf(b, "  Stakeholders on %s: %s\n", p, cfg.Stakeholders[p])
		}
	}
	if cfg.Digest == nil {
		b.WriteString("  Digest: none\n")
	} else {
		fmt.Fprintf(b, "  Digest: %q, next at %s\n", cfg.DigestSpec, cfg.Digest.Next(now).In(now.Location()).Format(stampLayout))
	}
	room := "mi-42-payments-down"
	if cfg.WarRoom != nil {
		sample := sampleRoom()
		if out, err := mim.RenderWarRoom(cfg.WarRoom, sample.Number, sample.Title, sample.Priority); err == nil {
			room = out
		}
		fmt.Fprintf(b, "  War room: %s (for incident 42 \"Payments down\": %s)\n", templateText(cfg.WarRoom), room)
	}
	if len(cfg.WarRoomPlatforms) == 0 {
		b.WriteString("  War room platforms: the one the declare came from\n")
	} else {
		fmt.Fprintf(b, "  War room platforms: %s\n", strings.Join(cfg.WarRoomPlatforms, ", "))
	}
	if cfg.Bridge != nil {
		data := sampleBridge()
		data.Channel = room
		example, _ := render(cfg.Bridge, data)
		fmt.Fprintf(b, "  Bridge: %s (for incident 42: %s)\n", templateText(cfg.Bridge), example)
	}
	if cfg.TeamsMeeting {
		b.WriteString("  Bridge on Teams: a Teams meeting\n")
	}
}

func describeModels(b *strings.Builder, cfg *mim.Config) {
	b.WriteString("\nModels\n")
	if len(cfg.Models) == 0 {
		b.WriteString("  none\n")
		return
	}
	for _, name := range cfg.ModelNames() {
		m := cfg.Models[name]
		towers := strings.Join(m.Towers, ", ")
		if towers == "" {
			towers = "none"
		}
		fmt.Fprintf(b, "  %s: towers %s; impact %s, urgency %s -> %s\n", name, towers, m.Impact, m.Urgency, cfg.Policy.Prioritize(m.Impact, m.Urgency))
		for i, task := range m.Tasks {
			fmt.Fprintf(b, "    %d. %s\n", i+1, task)
		}
	}
}

// templateText is the source of a parsed template, as text/template prints it back.
func templateText(t *template.Template) string {
	if t.Tree == nil || t.Root == nil {
		return ""
	}
	return t.Root.String()
}

// who shows a person as "Alice Ng (alice)", or the key alone when it has no name.
func who(cfg *mim.Config, key string) string {
	if key == "" {
		return "nobody"
	}
	if name := cfg.Display(key); name != key {
		return fmt.Sprintf("%s (%s)", name, key)
	}
	return key
}

func names(cfg *mim.Config, keys []string, sep string) string {
	if len(keys) == 0 {
		return "none"
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = who(cfg, k)
	}
	return strings.Join(out, sep)
}

// duration prints a duration without zero units: 15m, 4h, 1h30m, 90s as 1m30s.
func duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// describeStatus says who may read the stakeholder pages, never the token itself.
func describeStatus(b *strings.Builder, cfg *mim.Config) {
	if cfg.Status.Public {
		b.WriteString("Status pages (/status): public, anyone who reaches the server reads them (status.public)\n")
		return
	}
	b.WriteString("Status pages (/status): readers need the link with ?token= (status.token), then a cookie keeps them in\n")
}

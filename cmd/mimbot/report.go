package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// report runs `mimbot report [--since 720h] [--format md|json]`: the trend report of
// the incidents declared in the last --since, read from the store.
func (m *Main) report(ctx context.Context, args []string) error {
	const use = "usage: mimbot report [--since 720h] [--format md|json]"
	since, format := "720h", "md"
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		if !hasValue && i+1 < len(args) {
			value, hasValue = args[i+1], true
			i++
		}
		switch {
		case name == "--since" && hasValue:
			since = value
		case name == "--format" && hasValue:
			format = value
		default:
			return usagef("%s (not %q)", use, args[i])
		}
	}
	if format != "md" && format != "json" {
		return usagef("--format %s: use --format md (Markdown tables) or --format json", format)
	}
	period, err := mim.ParsePeriod("--since", since)
	if err != nil {
		return usagef("%v", err)
	}
	cfg, _, err := m.loadConfig()
	if err != nil {
		return err
	}
	st, _, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	until := m.clock().Now().UTC().Truncate(time.Second)
	rep, err := mim.ReadTrends(ctx, st, cfg, until.Add(-period), until)
	if err != nil {
		return err
	}
	if format == "json" {
		return m.printJSON(rep)
	}
	return writeReport(m.Stdout, rep, cfg.Location)
}

// writeReport writes the report as Markdown tables.
func writeReport(w io.Writer, rep mim.TrendReport, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Incident trends\n\nIncidents declared from %s to %s.\n",
		rep.Since.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), rep.Until.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
	b.WriteString("\nA ratio counts only the incidents that had the clock: no target, a cancelled incident or a clock still running is left out, never counted as met. n/a: no incident had it.\n")
	header := "| incidents | major | MTTA | MTTR | respond SLA met | resolve SLA met | updates on time | pages acked in OLA |"
	cells := func(f mim.Figures) string {
		return fmt.Sprintf("%d | %d | %s | %s | %s | %s | %s | %s |", f.Incidents, f.Major,
			mim.FormatSeconds(f.MTTASeconds), mim.FormatSeconds(f.MTTRSeconds),
			mim.FormatRatio(f.RespondSLAMet), mim.FormatRatio(f.ResolveSLAMet),
			mim.FormatRatio(f.UpdatesOnTime), mim.FormatRatio(f.PagesAckedInOLA))
	}
	table := func(title, first string, keys []string, row func(string) mim.Figures) {
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		if len(keys) == 0 {
			b.WriteString("None.\n")
			return
		}
		fmt.Fprintf(&b, "| %s %s\n|%s\n", first, header, strings.Repeat("---|", 9))
		for _, k := range keys {
			fmt.Fprintf(&b, "| %s | %s\n", k, cells(row(k)))
		}
	}
	fmt.Fprintf(&b, "\n## Total\n\n%s\n|%s\n| %s\n", header, strings.Repeat("---|", 8), cells(rep.Total))
	table("By priority", "priority", sortedKeys(rep.ByPriority), func(k string) mim.Figures { return rep.ByPriority[k] })
	table("By tower", "tower", sortedKeys(rep.ByTower), func(k string) mim.Figures { return rep.ByTower[k] })
	var months []string
	byMonth := map[string]mim.Figures{}
	for _, mf := range rep.ByMonth {
		months = append(months, mf.Month)
		byMonth[mf.Month] = mf.Figures
	}
	table("By month", "month", months, func(k string) mim.Figures { return byMonth[k] })
	b.WriteString("\n## Incident managers\n\n")
	if len(rep.IncidentManagers) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| person | incidents | updates on time |\n|---|---|---|\n")
		for _, im := range rep.IncidentManagers {
			fmt.Fprintf(&b, "| %s | %d | %s |\n", im.Person, im.Incidents, mim.FormatRatio(im.UpdatesOnTime))
		}
	}
	fmt.Fprintf(&b, "\n## Problem management\n\n| open problems | overdue RCAs | overdue actions |\n|---|---|---|\n| %d | %d | %d |\n", rep.OpenProblems, rep.OverdueRCAs, rep.OverdueActions)
	b.WriteString("\n### Recurring problems\n\n")
	if len(rep.Recurring) == 0 {
		b.WriteString("None: no problem links more than one incident.\n")
	} else {
		b.WriteString("| problem | incidents |\n|---|---|\n")
		for _, r := range rep.Recurring {
			fmt.Fprintf(&b, "| %s | %d |\n", r.Ref, r.Incidents)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

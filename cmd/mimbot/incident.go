package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"mimbot/internal/api"
	"mimbot/mim"
)

// incident runs `mimbot incident list|show`. It reads the store directly, so it works
// while the bot runs.
func (m *Main) incident(ctx context.Context, args []string) error {
	asJSON := slices.Contains(args, "--json")
	args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--json" })
	if len(args) == 0 || (args[0] == "list" && len(args) != 1) || (args[0] == "show" && len(args) != 2) || (args[0] != "list" && args[0] != "show") {
		return usagef("usage: mimbot incident list [--json] | mimbot incident show <number> [--json]")
	}
	st, _, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "list" {
		list, err := st.Incidents(ctx, mim.Filter{})
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]api.Incident, 0, len(list))
			for _, inc := range list {
				out = append(out, api.FromIncident(inc))
			}
			return m.printJSON(out)
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NUMBER\tPRIORITY\tMAJOR\tSTATE\tIM\tOWNER\tSOURCE\tDECLARED\tTITLE")
		for _, inc := range list {
			fmt.Fprintf(tw, "%d\t%s\t%v\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.Number, inc.Priority, inc.Major, inc.State, dash(inc.IM), dash(inc.Owner), inc.Intake(), inc.DeclaredAt.UTC().Format("2006-01-02 15:04Z"), inc.Title)
		}
		return tw.Flush()
	}
	n, err := strconv.Atoi(strings.TrimPrefix(args[1], "#"))
	if err != nil {
		return usagef("incident show takes a number, not %q", args[1])
	}
	inc, err := st.Incident(ctx, n)
	if err != nil {
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return fmt.Errorf("no incident %d", n)
		}
		return err
	}
	if asJSON {
		return m.printJSON(api.FromIncident(inc))
	}
	j := api.FromIncident(inc)
	fmt.Fprintf(m.Stdout, "#%d %s\n%s%s, %s · impact %s, urgency %s · towers %s\nIM %s · comms %s · owner %s · bridge %s\n", j.Number, j.Title, j.Priority, map[bool]string{true: " major", false: ""}[j.Major], j.State, j.Impact, j.Urgency, strings.Join(j.Towers, ", "), dash(j.IncidentManager), dash(j.Comms), dash(j.Owner), dash(j.Bridge))
	fmt.Fprintf(m.Stdout, "source %s · reported by %s\n", j.Source, dash(j.DeclaredBy))
	if j.Description != "" {
		fmt.Fprintf(m.Stdout, "description: %s\n", j.Description)
	}
	for _, p := range j.Paged {
		fmt.Fprintf(m.Stdout, "paged %s (%s) acked=%v\n", p.Person, dash(p.Tower), p.Acked)
	}
	for _, r := range j.WarRooms {
		fmt.Fprintf(m.Stdout, "war room %s: #%s (%s)\n", r.Platform, r.Name, r.ID)
	}
	fmt.Fprintln(m.Stdout, "timeline:")
	for _, e := range j.Timeline {
		fmt.Fprintf(m.Stdout, "  %s  %-14s %-8s %s\n", e.At.Format("2006-01-02 15:04:05Z"), e.Kind, e.Actor, e.Text)
	}
	return nil
}

func (m *Main) printJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

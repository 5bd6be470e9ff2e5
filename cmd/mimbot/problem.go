package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"

	"mimbot/internal/api"
	"mimbot/mim"
)

// ProblemRow is one line of `mimbot problem list --json`.
type ProblemRow struct {
	api.Problem
	Incident int    `json:"incident"`
	Title    string `json:"title"`
	Priority string `json:"priority"`
}

// problem runs `mimbot problem list [--json]`: the records handed to problem
// management when incidents closed, newest first.
func (m *Main) problem(ctx context.Context, args []string) error {
	asJSON := slices.Contains(args, "--json")
	args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--json" })
	if len(args) != 1 || args[0] != "list" {
		return usagef("usage: mimbot problem list [--json]")
	}
	st, _, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Incidents(ctx, mim.Filter{})
	if err != nil {
		return err
	}
	rows := []ProblemRow{}
	for _, inc := range list {
		if inc.Problem != nil {
			rows = append(rows, ProblemRow{Problem: *api.ProblemOf(inc.Problem), Incident: inc.Number, Title: inc.Title, Priority: inc.Priority.String()})
		}
	}
	if asJSON {
		return m.printJSON(rows)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROBLEM\tINCIDENT\tPRIORITY\tRCA OWNER\tDUE\tTITLE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t#%d\t%s\t%s\t%s\t%s\n", r.Ref, r.Incident, r.Priority, r.Owner, r.Due.Format("2006-01-02"), r.Title)
	}
	return tw.Flush()
}

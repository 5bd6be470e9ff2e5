package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"mimbot/internal/api"
	"mimbot/mim"
)

// ProblemRow is one line of `mimbot problem list --json` and the output of `mimbot
// problem show <ref> --json`: the problem record with its first incident.
type ProblemRow struct {
	api.Problem
	Incident int    `json:"incident"`
	Title    string `json:"title"`
	Priority string `json:"priority"`
}

// jsonFlag takes --json out of args and tells whether it was there.
func jsonFlag(args []string) (bool, []string) {
	return slices.Contains(args, "--json"), slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--json" })
}

// problem runs `mimbot problem list|show <ref> [--json]`: the records handed to
// problem management when incidents closed, newest first, as they are worked.
func (m *Main) problem(ctx context.Context, args []string) error {
	asJSON, args := jsonFlag(args)
	list := len(args) == 1 && args[0] == "list"
	show := len(args) == 2 && args[0] == "show"
	if !list && !show {
		return usagef("usage: mimbot problem list [--json] | mimbot problem show <PRB-n> [--json]")
	}
	st, _, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if show {
		ref, err := mim.ParseProblemRef(args[1])
		if err != nil {
			return usagef("%s", mim.ErrorMessage(err))
		}
		p, err := st.Problem(ctx, ref)
		if err != nil {
			if mim.ErrorCode(err) == mim.ENOTFOUND {
				return fmt.Errorf("no problem record %s", ref)
			}
			return err
		}
		row := problemRow(ctx, st, p)
		if asJSON {
			return m.printJSON(row)
		}
		fmt.Fprintf(m.Stdout, "%s %s · incidents %s · %s\nRCA owner %s · due %s\nroot cause: %s\nworkaround: %s\n", row.Ref, row.State,
			incidentRefs(row.Incidents), row.Title, dash(row.Owner), row.Due.UTC().Format("2006-01-02 15:04Z"), dash(row.RootCause), dash(row.Workaround))
		if row.KnownError != "" {
			fmt.Fprintf(m.Stdout, "known error %s\n", row.KnownError)
		}
		if row.ClosedAt != nil {
			fmt.Fprintf(m.Stdout, "closed %s · change %s\n", row.ClosedAt.Format("2006-01-02 15:04Z"), dash(row.Change))
		}
		return nil
	}
	problems, err := st.Problems(ctx)
	if err != nil {
		return err
	}
	rows := []ProblemRow{}
	for _, p := range problems {
		rows = append(rows, problemRow(ctx, st, p))
	}
	if asJSON {
		return m.printJSON(rows)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROBLEM\tSTATE\tINCIDENT\tPRIORITY\tRCA OWNER\tDUE\tKNOWN ERROR\tTITLE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Ref, r.State, incidentRefs(r.Incidents), r.Priority, r.Owner, r.Due.Format("2006-01-02"), dash(r.KnownError), r.Title)
	}
	return tw.Flush()
}

// problemRow is p with the title and priority of its first incident.
func problemRow(ctx context.Context, st Store, p *mim.Problem) ProblemRow {
	row := ProblemRow{Problem: *api.ProblemOf(p)}
	if len(p.Incidents) > 0 {
		row.Incident = p.Incidents[0]
		if inc, err := st.Incident(ctx, row.Incident); err == nil {
			row.Title, row.Priority = inc.Title, inc.Priority.String()
		}
	}
	return row
}

func incidentRefs(ns []int) string {
	var refs []string
	for _, n := range ns {
		refs = append(refs, fmt.Sprintf("#%d", n))
	}
	return dash(strings.Join(refs, ","))
}

// known runs `mimbot known list [--json]`: the known-error database, newest first.
func (m *Main) known(ctx context.Context, args []string) error {
	asJSON, args := jsonFlag(args)
	if len(args) != 1 || args[0] != "list" {
		return usagef("usage: mimbot known list [--json]")
	}
	st, _, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.KnownErrors(ctx, "")
	if err != nil {
		return err
	}
	out := []api.KnownError{}
	for _, k := range list {
		out = append(out, api.KnownErrorOf(k))
	}
	if asJSON {
		return m.printJSON(out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KNOWN ERROR\tPROBLEM\tPUBLISHED\tTITLE\tROOT CAUSE\tWORKAROUND")
	for _, k := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Ref, k.Problem, k.PublishedAt.Format("2006-01-02"), k.Title, k.RootCause, k.Workaround)
	}
	return tw.Flush()
}

// action runs `mimbot action list [--json]`: the open follow-up actions of every
// incident, by number.
func (m *Main) action(ctx context.Context, args []string) error {
	asJSON, args := jsonFlag(args)
	if len(args) != 1 || args[0] != "list" {
		return usagef("usage: mimbot action list [--json]")
	}
	st, _, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Actions(ctx, mim.ActionFilter{Open: true})
	if err != nil {
		return err
	}
	out := []api.Action{}
	for _, a := range list {
		out = append(out, api.ActionOf(a))
	}
	if asJSON {
		return m.printJSON(out)
	}
	now := m.clock().Now()
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tINCIDENT\tOWNER\tDUE\tOVERDUE\tTEXT")
	for _, a := range out {
		fmt.Fprintf(tw, "%d\t#%d\t%s\t%s\t%v\t%s\n", a.Number, a.Incident, a.Owner, a.Due.Format("2006-01-02 15:04Z"), !a.Due.After(now), a.Text)
	}
	return tw.Flush()
}

package main

import (
	"context"
	"strconv"
	"strings"

	"mimbot/internal/api"
	"mimbot/mim"
)

// summary runs `mimbot summary <incident> [--format markdown|json]`: the stored summary,
// or, when none was written yet, one computed now from the store (template only).
func (m *Main) summary(ctx context.Context, args []string) error {
	format := "markdown"
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--format" && i+1 < len(args):
			format = args[i+1]
			i++
		case strings.HasPrefix(a, "--format="):
			format = strings.TrimPrefix(a, "--format=")
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) != 1 || (format != "markdown" && format != "json") {
		return usagef("usage: mimbot summary <incident> [--format markdown|json]")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rest[0], "#"))
	if err != nil {
		return usagef("summary takes an incident number, not %q", rest[0])
	}
	a, err := m.wire(ctx)
	if err != nil {
		return err
	}
	defer a.store.Close()
	inc, err := a.service.Incident(ctx, n)
	if err != nil {
		if mim.ErrorCode(err) == mim.ENOTFOUND {
			return usagef("no incident %d", n)
		}
		return err
	}
	doc := inc.Summary
	if doc == nil {
		fresh := a.service.Preview(inc)
		doc = &fresh
	}
	if format == "json" {
		return m.printJSON(api.FromSummary(inc, doc, a.service.Summarize(inc, a.service.Clock.Now())))
	}
	_, err = m.Stdout.Write([]byte(doc.Markdown + "\n"))
	return err
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/internal/config"
	"mimbot/mim"
)

// report fills the store with a year of incidents shaped like real ones (towers,
// pages, clocks, a cadence tally, a problem record and a post-incident summary of
// some kilobytes on each closed one) and measures what `mimbot report --since 8760h
// --format json` does after opening the store: read the rows, compute the report,
// encode its JSON.
func report(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	n := fs.Int("n", 100000, "incidents declared over the last year")
	runs := fs.Int("runs", 7, "reports measured")
	summary := fs.Int("summary", 6000, "bytes of post-incident summary (Markdown and SVG) stored with each closed incident")
	kind := fs.String("db", "postgres", "postgres or sqlite")
	fs.Parse(args)
	st, done, err := openOne(ctx, *kind)
	if err != nil {
		return err
	}
	defer done()
	cfg := config.Demo()
	now := time.Now().UTC().Truncate(time.Second)
	year := 365 * 24 * time.Hour
	towers := []string{"application", "database", "network", "cloud"}
	ims := []string{"alice", "bob", "carol"}
	leads := map[string]string{"application": "dave", "database": "frank", "network": "ivan", "cloud": "judy"}
	doc := strings.Repeat("Timeline, impact, contributing factors and actions. ", *summary/2/52+1)[:*summary/2]
	err = seed(ctx, st, *n, func(i int, inc *mim.Incident, ch *mim.Change) {
		inc.Title, inc.Impact, inc.Urgency = fmt.Sprintf("Incident %d", i), mim.Medium, mim.Medium
		inc.Priority = mim.Priorities[i%len(mim.Priorities)]
		inc.Major = cfg.Policy.IsMajor(inc.Priority)
		inc.DeclaredAt = now.Add(-year + year/time.Duration(*n+1)*time.Duration(i))
		inc.Towers = []string{towers[i%4]}
		if i%3 == 0 {
			inc.Towers = append(inc.Towers, towers[(i+1)%4])
		}
		for j, t := range inc.Towers {
			p := mim.Page{Person: leads[t], Tower: t, PagedAt: inc.DeclaredAt.Add(time.Minute)}
			if (i+j)%5 != 0 {
				p.AckedAt = p.PagedAt.Add(time.Duration(1+(i+j)%14) * time.Minute)
			} else {
				p.Replaced = true
			}
			inc.Pages = append(inc.Pages, p)
		}
		if inc.Major {
			inc.IM = ims[i%len(ims)]
			inc.Updates = mim.UpdateTally{OnTime: 2 + i%4, Late: i % 2, Missed: i % 3 / 2}
		}
		inc.RespondedAt = inc.DeclaredAt.Add(time.Duration(2+i%40) * time.Minute)
		inc.State = mim.Closed
		if i%10 == 0 {
			inc.State = mim.Investigating
		} else {
			inc.ResolvedAt = inc.DeclaredAt.Add(time.Duration(1+i%12) * time.Hour)
			inc.ClosedAt = inc.ResolvedAt.Add(time.Hour)
			inc.Problem = &mim.Problem{Ref: fmt.Sprintf("PRB-%d", i%(*n/3+1)), Owner: "hana", Due: inc.ClosedAt.Add(120 * time.Hour), CreatedAt: inc.ClosedAt}
			inc.Summary = &mim.SummaryDoc{Markdown: doc, SVG: doc, CreatedAt: inc.ClosedAt}
		}
		ch.Log(inc.DeclaredAt, mim.KindDeclared, "sam", "declared")
		ch.Log(inc.RespondedAt, mim.KindUpdate, inc.IM, "first update")
	})
	if err != nil {
		return err
	}
	var took []time.Duration
	var size, incidents int
	for range *runs {
		t0 := time.Now()
		// The year the seed spread its incidents over, whenever this run starts.
		until := now.Add(time.Second)
		rep, err := mim.ReadTrends(ctx, st, cfg, until.Add(-8760*time.Hour), until)
		if err != nil {
			return err
		}
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		took = append(took, time.Since(t0))
		size, incidents = len(b), rep.Total.Incidents
	}
	if incidents != *n {
		return fmt.Errorf("the report counted %d incidents, want %d", incidents, *n)
	}
	slices.Sort(took)
	fmt.Printf("\n| figure | value |\n|---|---|\n| database | %s |\n| incidents in the year | %d (summary of %d bytes on each closed one) |\n| report --since 8760h, %d runs: min / median / max | %s / %s / %s |\n| JSON | %d bytes |\n",
		*kind, *n, *summary, *runs, took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), size)
	return nil
}

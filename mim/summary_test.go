package mim_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// scripted runs a whole incident on the fake clock: declare, a page timeout, an ack,
// updates (one late), a diagnosis, a workaround, tasks, resolve and close.
func scripted(t *testing.T, h *harness) {
	t.Helper()
	ctx := h.ctx
	inc := h.declare("Payments down", mim.High, mim.High, "application", "database")
	im := inc.IM
	step := func(d time.Duration, f func() error) {
		t.Helper()
		h.tick(d)
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	step(2*time.Minute, func() error { _, err := h.svc.Ack(ctx, 1, "frank"); return err })
	step(3*time.Minute, func() error {
		_, err := h.svc.Update(ctx, 1, im, "Card payments failing; investigating the gateway")
		return err
	})
	step(time.Minute, func() error {
		_, err := h.svc.TaskAdd(ctx, 1, im, "Check the provider status page", "frank")
		return err
	})
	step(5*time.Minute, func() error {
		_, err := h.svc.Diagnose(ctx, 1, "frank", "Connection pool exhausted after the 09:55 deploy")
		return err
	}) // dave's page times out at 10m
	step(3*time.Minute, func() error { _, err := h.svc.Ack(ctx, 1, "erin"); return err })
	step(2*time.Minute, func() error {
		_, err := h.svc.Workaround(ctx, 1, im, "Rolled back the deploy; payments recovering")
		return err
	})
	step(20*time.Minute, func() error { _, err := h.svc.Update(ctx, 1, im, "Error rate back to normal"); return err }) // late
	step(time.Minute, func() error { _, err := h.svc.TaskDone(ctx, 1, "frank", 1); return err })
	step(4*time.Minute, func() error { _, err := h.svc.Resolve(ctx, 1, im, "Pool size raised and deploy fixed"); return err })
	step(30*time.Minute, func() error { _, err := h.svc.Close(ctx, 1, im); return err })
	h.tick(0)
}

func TestSummaryGolden(t *testing.T) {
	h := newHarness(t, nil)
	scripted(t, h)
	inc := h.incident(1)
	if inc.Summary == nil || inc.Problem == nil {
		t.Fatalf("after close: summary %v, problem %+v", inc.Summary != nil, inc.Problem)
	}
	if inc.Problem.Ref != "PRB-1" || inc.Problem.Owner != "hana" || !inc.Problem.Due.Equal(inc.ClosedAt.Add(5*24*time.Hour)) {
		t.Errorf("problem record %+v", inc.Problem)
	}
	golden(t, "summary.md", inc.Summary.Markdown)
	golden(t, "summary.svg", inc.Summary.SVG)
	for _, want := range []string{
		"| Respond (SLA) | 5m | 2m | met |",
		"Every 15m: 2 due, 1 on time, 1 late, 1 missed; longest gap 31m.",
		"| Page ack: application, dave (OLA) | 10m | not acknowledged | breached (next lead paged) |",
	} {
		if !strings.Contains(inc.Summary.Markdown, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

// stubLLM answers with a fixed draft or error, after an optional delay.
type stubLLM struct {
	draft mim.Draft
	err   error
	delay time.Duration
	got   mim.DraftRequest
}

func (s *stubLLM) Draft(ctx context.Context, req mim.DraftRequest) (mim.Draft, error) {
	s.got = req
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return mim.Draft{}, ctx.Err()
	}
	return s.draft, s.err
}

func TestSummaryDraftIsValidated(t *testing.T) {
	hostile := mim.Draft{
		Narrative: []mim.Statement{
			{Text: "The deploy at 09:55 exhausted the connection pool.", Cites: []int{6}},
			{Text: "@channel everyone page <@U01FRANK> and <!here> now", Cites: []int{2}},
			{Text: "Uncited claim about the vendor.", Cites: nil},
			{Text: "Claim citing a missing entry.", Cites: []int{999}},
		},
		Questions: []mim.Statement{{Text: "Why did the pool not grow?", Cites: []int{6}}},
	}
	tests := []struct {
		name      string
		llm       *stubLLM
		wantDraft bool
		want      []string
		wantNot   []string
	}{
		{"cited statements kept, the rest dropped", &stubLLM{draft: hostile}, true,
			[]string{"The deploy at 09:55 exhausted the connection pool. [6]", "Why did the pool not grow? [6]", "**DRAFT**", "2 statements were dropped"},
			[]string{"@channel", "<@U01FRANK>", "<!here>", "Uncited claim", "missing entry"}},
		{"LLM down", &stubLLM{err: errors.New("the LLM server refused the request: 503")}, false,
			[]string{"no LLM draft: the LLM server refused the request: 503"}, []string{"**DRAFT**"}},
		{"LLM too slow", &stubLLM{delay: time.Minute}, false,
			[]string{"no LLM draft: the LLM did not answer within 200ms"}, nil},
		{"nothing cited", &stubLLM{draft: mim.Draft{Narrative: []mim.Statement{{Text: "Vague."}}}}, false,
			[]string{"the LLM draft was discarded"}, []string{"Vague."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.svc.Summarizer = tc.llm
			h.svc.DraftTimeout = 200 * time.Millisecond
			scripted(t, h)
			doc := h.incident(1).Summary
			if (doc.Draft != nil) != tc.wantDraft {
				t.Errorf("draft kept = %v, want %v", doc.Draft != nil, tc.wantDraft)
			}
			for _, w := range tc.want {
				if !strings.Contains(doc.Markdown, w) {
					t.Errorf("summary lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(doc.Markdown, w) {
					t.Errorf("summary contains %q", w)
				}
			}
			if len(tc.llm.got.Entries) == 0 || tc.llm.got.Entries[0].N != 1 {
				t.Errorf("the LLM was not given the numbered timeline: %+v", tc.llm.got.Entries)
			}
		})
	}
}

func TestApproveSummary(t *testing.T) {
	h := newHarness(t, nil)
	h.svc.Summarizer = &stubLLM{draft: mim.Draft{Narrative: []mim.Statement{{Text: "Pool exhausted.", Cites: []int{1}}}}}
	scripted(t, h)
	im := h.incident(1).IM
	if _, err := h.svc.ApproveSummary(h.ctx, 1, "frank"); mim.ErrorCode(err) != mim.EFORBIDDEN {
		t.Errorf("a lead approving: %v", err)
	}
	inc, err := h.svc.ApproveSummary(h.ctx, 1, im)
	must(t, err)
	if strings.Contains(inc.Summary.Markdown, "**DRAFT**") || !strings.Contains(inc.Summary.Markdown, "approved by "+im) {
		t.Errorf("approved summary still a draft:\n%s", inc.Summary.Markdown)
	}
	if _, err := h.svc.ApproveSummary(h.ctx, 1, im); mim.ErrorCode(err) != mim.ECONFLICT {
		t.Errorf("approving twice: %v", err)
	}
}

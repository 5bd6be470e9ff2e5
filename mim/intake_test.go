package mim_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func TestReporter(t *testing.T) {
	cfg := newHarness(t, nil).svc.Config
	tests := []struct {
		in, want string
		ok       bool
	}{
		{in: "sam", want: "sam", ok: true},
		{in: "SAM@example.com", want: "sam", ok: true},
		{in: "Sam Rivera <sam@example.com>", want: "sam", ok: true},
		{in: "Pat@Partner.example.org", want: "pat@partner.example.org", ok: true},
		{in: "zed", ok: false},
		{in: "", ok: false},
		{in: "a@b@c", ok: false},
		{in: "@example.com", ok: false},
		{in: "pat @example.com", ok: false},
		{in: "Pat <pat@example.com", ok: false},
	}
	for _, tt := range tests {
		got, ok := cfg.Reporter(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Reporter(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// An incident from outside chat says where it came from, keeps its description, and
// `list` shows the way it came in.
func TestDeclareFromOutsideChat(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Payments down", mim.High, mim.High, "application") // from the shell
	inc, _, err := h.svc.Declare(h.ctx, mim.DeclareInput{Title: "Printer jams", Impact: mim.Low, Urgency: mim.Low, By: "pat@partner.example.org",
		From: "pat@partner.example.org", Platform: mim.SourceEmail, Description: "  Floor 3, every job.  ", Trusted: true, RequestKey: "email:<1@x>"})
	must(t, err)
	if inc.Description != "Floor 3, every job." || inc.Intake() != mim.SourceEmail || inc.DeclaredBy != "pat@partner.example.org" {
		t.Errorf("incident: description %q, intake %q, declared by %q", inc.Description, inc.Intake(), inc.DeclaredBy)
	}
	var notes []string
	for _, e := range h.incident(2).Timeline {
		if e.Kind == mim.KindNote {
			notes = append(notes, e.Text)
		}
	}
	if diff := cmp.Diff([]string{"Declared by e-mail from pat@partner.example.org", "Floor 3, every job."}, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	list, err := h.svc.ListText(h.ctx)
	must(t, err)
	lines := strings.Split(list, "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "· via email") || !strings.HasSuffix(lines[2], "· via chat") {
		t.Errorf("list does not show where each incident came from:\n%s", list)
	}
}

func TestAddReply(t *testing.T) {
	h := newHarness(t, nil)
	h.declare("Printer jams", mim.Low, mim.Low)
	r := mim.Reply{By: "dave", From: "dave@example.com", Ref: "<r-1@x>", Text: "Floor 4 too."}
	for i, want := range []bool{true, false} { // the same message twice is added once
		_, added, err := h.svc.AddReply(h.ctx, 1, r)
		must(t, err)
		if added != want {
			t.Errorf("reply %d: added %v, want %v", i, added, want)
		}
	}
	last := h.incident(1).Timeline[len(h.incident(1).Timeline)-1]
	if last.Actor != "dave" || last.Text != "E-mail from dave@example.com (Message-ID <r-1@x>):\nFloor 4 too." {
		t.Errorf("last entry %+v", last)
	}
	if _, _, err := h.svc.AddReply(h.ctx, 9, r); mim.ErrorCode(err) != mim.ENOTFOUND {
		t.Errorf("reply to #9: %v, want not found", err)
	}
}

package bot

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Command
	}{
		{"declare with options", "declare Payments down impact=high urgency=HIGH towers=application,database",
			Command{Verb: "declare", Text: "Payments down", Args: map[string]string{"impact": "high", "urgency": "HIGH", "towers": "application,database"}}},
		{"options anywhere", "declare impact=low Printer on fire",
			Command{Verb: "declare", Text: "Printer on fire", Args: map[string]string{"impact": "low"}}},
		{"quoted option value", `priority P1 reason="customer facing, EU only"`,
			Command{Verb: "priority", Text: "P1", Args: map[string]string{"reason": "customer facing, EU only"}}},
		{"quoted text keeps key=value", `note "retry=3 did not help" incident=4`,
			Command{Verb: "note", Text: "retry=3 did not help", Args: map[string]string{"incident": "4"}}},
		{"sub-verb", "task add Check provider status owner=dave",
			Command{Verb: "task", Sub: "add", Text: "Check provider status", Args: map[string]string{"owner": "dave"}}},
		{"verb is case-insensitive", "STATUS", Command{Verb: "status", Args: map[string]string{}}},
		{"empty is help", "  ", Command{Verb: "help"}},
		{"problem with its ref and text", "problem rca PRB-3 Pool too small for the batch job",
			Command{Verb: "problem", Sub: "rca", Text: "PRB-3 Pool too small for the batch job", Args: map[string]string{}}},
		{"problem close with a change", "problem close PRB-3 change=CHG-42",
			Command{Verb: "problem", Sub: "close", Text: "PRB-3", Args: map[string]string{"change": "CHG-42"}}},
		{"known search", "known search tls certificate",
			Command{Verb: "known", Sub: "search", Text: "tls certificate", Args: map[string]string{}}},
		{"action add", "action add Alert on expiry owner=dave due=2026-03-20 incident=4",
			Command{Verb: "action", Sub: "add", Text: "Alert on expiry", Args: map[string]string{"owner": "dave", "due": "2026-03-20", "incident": "4"}}},
		{"url is text", "update see https://status.example.com/x?a=b",
			Command{Verb: "update", Text: "see https://status.example.com/x?a=b", Args: map[string]string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name, in, says string
	}{
		{"unknown verb", "frobnicate now", `Unknown command "frobnicate"`},
		{"unknown option", "declare DB down impcat=high", "declare does not take impcat="},
		{"missing sub-verb", "assign carol", "assign needs one of: im, comms"},
		{"problem without a sub-verb", "problem PRB-3", "problem needs one of: show, rca, workaround, known, close"},
		{"action with an unknown option", "action add x owner=dave when=tomorrow", "action does not take when="},
		{"duplicate option", "declare x impact=high impact=low", "impact= is given twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if mim.ErrorCode(err) != mim.EINVALID || !strings.Contains(mim.ErrorMessage(err), tc.says) {
				t.Errorf("Parse(%q) error = %v, want one saying %q", tc.in, err, tc.says)
			}
		})
	}
}

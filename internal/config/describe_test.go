package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestDescribeGolden keeps the whole report a person reads under review.
func TestDescribeGolden(t *testing.T) {
	got := Describe(Demo(), time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC))
	golden := filepath.Join("testdata", "describe.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
}

// TestDescribeOnCall checks who the report says is on call, and the handoffs after, at
// several moments of the demo rotation (alice from Monday 5 January 2026 09:00 London,
// weekly).
func TestDescribeOnCall(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want []string
	}{
		{
			name: "before the rotation starts, the first member covers",
			now:  time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
			want: []string{
				"  On call now: Alice Ng (alice) until Mon 12 Jan 2026 09:00 GMT",
				"    Mon 12 Jan 2026 09:00 GMT  Bob Okafor (bob)",
			},
		},
		{
			name: "second week",
			now:  time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC),
			want: []string{
				"  On call now: Bob Okafor (bob) until Mon 19 Jan 2026 09:00 GMT",
				"    Mon 19 Jan 2026 09:00 GMT  Carol Diaz (carol)\n    Mon 26 Jan 2026 09:00 GMT  Alice Ng (alice)\n    Mon 02 Feb 2026 09:00 GMT  Bob Okafor (bob)\n",
			},
		},
		{
			name: "summer time, shown in BST (the 26th handoff was on 6 July)",
			now:  time.Date(2026, 7, 7, 12, 0, 0, 0, time.UTC),
			want: []string{
				"  On call now: Carol Diaz (carol) until Mon 13 Jul 2026 09:00 BST",
				"    Mon 13 Jul 2026 09:00 BST  Alice Ng (alice)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Describe(Demo(), tt.now)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Describe does not contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{15 * time.Minute, "15m"},
		{4 * time.Hour, "4h"},
		{120 * time.Hour, "120h"},
		{90 * time.Second, "1m30s"},
		{90 * time.Minute, "1h30m"},
		{45 * time.Second, "45s"},
	}
	for _, tt := range tests {
		if got := duration(tt.in); got != tt.want {
			t.Errorf("duration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

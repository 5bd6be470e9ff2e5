package msapi

import (
	"strings"
	"testing"
)

func TestChannelName(t *testing.T) {
	long := "inc-1042-" + strings.Repeat("payments", 10)
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"kept", "inc-42-payments-down", 1, "inc-42-payments-down"},
		{"numbered", "inc-42-payments-down", 3, "inc-42-payments-down-3"},
		{"lowercase, spaces", "INC 42 Payments Down", 1, "inc-42-payments-down"},
		{"forbidden characters dropped", `a~b#c%d&e*f{g}h+i/j\k:l<m>n?o|p'q"r`, 1, "abcdefghijklmnopqr"},
		{"no double dot", "v1..2", 1, "v1--2"},
		{"no trailing dot", "payments.", 1, "payments-"},
		{"leading underscore removed", "__inc-7", 1, "inc-7"},
		{"leading dot", ".inc-7", 1, "-inc-7"},
		{"cut to 50", long, 1, long[:50]},
		{"cut to 50 with its number", long, 12, long[:47] + "-12"},
		{"cut, no dash before the number", "inc-1-" + strings.Repeat("a", 42) + "-bbb", 2, "inc-1-" + strings.Repeat("a", 42) + "-2"},
		{"nothing left", "###", 1, ""},
		{"nothing but underscores", "___", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ChannelName(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("ChannelName(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if len(got) > 50 || strings.HasPrefix(got, "_") || strings.HasPrefix(got, ".") || strings.HasSuffix(got, ".") || strings.Contains(got, "..") {
				t.Errorf("ChannelName(%q, %d) = %q breaks Teams' rules", tt.in, tt.n, got)
			}
		})
	}
}

package slack

import (
	"strings"
	"testing"

	"mimbot/mim"
)

// Slack refuses channel names over 80 characters: a suffix must fit.
func TestSuffixedNamesFit(t *testing.T) {
	long := strings.Repeat("x", 77) + "-ab"
	cases := []struct {
		name string
		n    int
		want string
	}{
		{"mi-1-payments-down", 1, "mi-1-payments-down"},
		{"mi-1-payments-down", 2, "mi-1-payments-down-2"},
		{long, 2, strings.Repeat("x", 77) + "-2"},
		{long, 12, strings.Repeat("x", 77) + "-12"},
		{strings.Repeat("y", 76) + "-abc", 12, strings.Repeat("y", 76) + "-12"},
	}
	for _, tc := range cases {
		got := mim.WarRoomName(tc.name, tc.n, maxChannelName)
		if got != tc.want || len(got) > maxChannelName {
			t.Errorf("WarRoomName(%q, %d) = %q, want %q (at most %d)", tc.name, tc.n, got, tc.want, maxChannelName)
		}
	}
}

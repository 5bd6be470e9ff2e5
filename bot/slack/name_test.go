package slack

import (
	"strings"
	"testing"
	"unicode/utf8"
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
		got := suffixed(tc.name, tc.n)
		if got != tc.want || len(got) > maxChannelName {
			t.Errorf("suffixed(%q, %d) = %q, want %q (at most %d)", tc.name, tc.n, got, tc.want, maxChannelName)
		}
	}
}

// Long texts are split under Slack's limits, at line ends, losing nothing.
func TestSplitKeepsEverything(t *testing.T) {
	line := strings.Repeat("é", 999)
	text := strings.Repeat(line+"\n", 10) + strings.Repeat("z", 2500)
	parts := split(text, 3000)
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > 3000 {
			t.Errorf("part %d has %d characters", i, n)
		}
	}
	if got := strings.Join(parts, "\n"); got != text {
		t.Errorf("joined parts differ from the text (%d parts)", len(parts))
	}
	if got := split(strings.Repeat("w", 7000), 3000); len(got) != 3 || strings.Join(got, "") != strings.Repeat("w", 7000) {
		t.Errorf("a text without line ends: %d parts", len(got))
	}
}

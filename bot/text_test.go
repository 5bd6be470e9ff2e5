package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Long texts are split under a platform's limit, at line ends, losing nothing.
func TestSplitKeepsEverything(t *testing.T) {
	line := strings.Repeat("é", 999)
	text := strings.Repeat(line+"\n", 10) + strings.Repeat("z", 2500)
	parts := Split(text, 3000)
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > 3000 {
			t.Errorf("part %d has %d characters", i, n)
		}
	}
	if got := strings.Join(parts, "\n"); got != text {
		t.Errorf("joined parts differ from the text (%d parts)", len(parts))
	}
	if got := Split(strings.Repeat("w", 7000), 3000); len(got) != 3 || strings.Join(got, "") != strings.Repeat("w", 7000) {
		t.Errorf("a text without line ends: %d parts", len(got))
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo wörld", 6); got != "héllo…" || utf8.RuneCountInString(got) != 6 {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate of a short text = %q", got)
	}
}

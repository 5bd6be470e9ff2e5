package chaos

import (
	"fmt"
	"os"
	"testing"
)

// figure logs one line of the suite's figures and, when MIMBOT_CHAOS_REPORT names a
// file, appends it there, so that a run without -v (the CI's) keeps what it measured
// for RELIABILITY.md.
func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	path := os.Getenv("MIMBOT_CHAOS_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("chaos report: %v", err)
		return
	}
	defer f.Close()
	status := "pass"
	if t.Failed() {
		status = "FAIL"
	}
	if _, err := fmt.Fprintf(f, "%s %s\n", status, line); err != nil {
		t.Errorf("chaos report: %v", err)
	}
}

package mim_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the domain at the centre: mim may import only the standard
// library and the cron parser.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(pkg, "/")
		switch {
		case !strings.Contains(first, "."): // standard library (and mimbot itself)
			if strings.HasPrefix(pkg, "mimbot/") && pkg != "mimbot/mim" {
				t.Errorf("mim imports %s: the domain must not depend on the rest of mimbot", pkg)
			}
		case strings.HasPrefix(pkg, "github.com/robfig/cron/"):
		default:
			t.Errorf("mim depends on %s: only the standard library and robfig/cron are allowed", pkg)
		}
	}
}

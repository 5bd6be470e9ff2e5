package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReminderSurvivesSIGKILL runs the real binary: it declares, is killed with
// SIGKILL while the first reminder is pending, and is started again on the same
// database; the pending reminder fires, once. It runs on the wall clock (about 6 s).
func TestReminderSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary on the wall clock; skipped with -short")
	}
	e := newEnv(t)
	bin := filepath.Join(e.dir, "mimbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	environ := append(os.Environ(), "MIMBOT_CONFIG="+e.vars["MIMBOT_CONFIG"], "MIMBOT_DB="+e.vars["MIMBOT_DB"])

	first := exec.Command(bin, "shell")
	first.Env = environ
	stdin, err := first.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "declare Payments down impact=high urgency=high towers=database\n")
	declared := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "[#stakeholders]") {
				declared <- true
			}
		}
		close(declared)
	}()
	select {
	case ok := <-declared:
		if !ok {
			t.Fatal("the first process ended before declaring")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no declaration within 20 s")
	}
	// Let the last message be marked delivered: a message cut off between sending and
	// marking is sent again once its lease expires (at least once), which is not what
	// this test is about.
	time.Sleep(300 * time.Millisecond)
	if err := first.Process.Kill(); err != nil { // SIGKILL: no clean-up at all
		t.Fatal(err)
	}
	first.Wait()

	second := exec.Command(bin, "shell")
	second.Env = environ
	second.Stdin = strings.NewReader("/sleep 4s\n")
	out, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	// One reminder per update slot, named by the time the update is due ("(by
	// 10:00:03 GMT)"): the slot pending at the kill is reminded once, by the second
	// process. On a slow machine the second process may live into the next slot, which
	// is reminded too: that is a reminder of another update, not a duplicate.
	printed := bySlot(strings.Split(string(out), "\n"), "status update for #1")
	if len(printed) == 0 {
		t.Errorf("the second process reminded nothing:\n%s", out)
	}
	for slot, n := range printed {
		if n != 1 {
			t.Errorf("the reminder of the update due %s was printed %d times after the restart, want 1:\n%s", slot, n, out)
		}
	}
	inc := e.show("1")
	var texts []string
	for _, en := range inc.Timeline {
		if en.Kind == "reminder" {
			texts = append(texts, en.Text)
		}
	}
	for slot, n := range bySlot(texts, "") {
		if n != 1 {
			t.Errorf("the timeline has %d reminders of the update due %s, want 1: %q", n, slot, texts)
		}
	}
}

// bySlot counts the lines that contain substr by the due time they name, "(by <time>)".
func bySlot(lines []string, substr string) map[string]int {
	out := map[string]int{}
	for _, l := range lines {
		if !strings.Contains(l, substr) {
			continue
		}
		if m := dueIn.FindStringSubmatch(l); m != nil {
			out[m[1]]++
		}
	}
	return out
}

var dueIn = regexp.MustCompile(`\(by ([^)]+)\)`)

package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReminderSurvivesSIGKILL runs the real binary: it declares, is killed with
// SIGKILL while the first reminder is pending, and is started again on the same
// database; the reminder fires, once. It runs on the wall clock (about 6 s).
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
	if n := strings.Count(string(out), "status update for #1"); n != 1 {
		t.Errorf("the pending reminder fired %d times after the restart, want 1:\n%s", n, out)
	}
	inc := e.show("1")
	reminders := 0
	for _, en := range inc.Timeline {
		if en.Kind == "reminder" {
			reminders++
		}
	}
	if reminders != 1 {
		t.Errorf("timeline has %d reminders, want 1", reminders)
	}
}

package webhook_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"mimbot/internal/webhook"
	"mimbot/mim"
)

// readmeReceiver is the Go block of the README's "Outbound webhooks" section.
func readmeReceiver(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Outbound webhooks\n")
	if !ok {
		t.Fatal(`README.md has no section "## Outbound webhooks"`)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal("the Outbound webhooks section has no Go example")
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// TestReadmeReceiverTakesMimbotsWebhooks builds the README's example receiver and
// sends it a webhook as mimbot does: it must take it, and refuse one signed with
// another secret.
func TestReadmeReceiverTakesMimbotsWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	block := readmeReceiver(t)
	if n := strings.Count(strings.TrimSpace(block), "\n") + 1; n > 20 {
		t.Errorf("the example receiver is %d lines: keep it short enough to read at a glance", n)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if !strings.Contains(block, `":9000"`) {
		t.Fatal(`the example no longer listens on ":9000"; update this test`)
	}
	block = strings.Replace(block, `":9000"`, `os.Getenv("RECEIVER_ADDR")`, 1)
	src := "package main\n\nimport (\n\t\"crypto/hmac\"\n\t\"crypto/sha256\"\n\t\"encoding/hex\"\n\t\"io\"\n\t\"log\"\n\t\"net/http\"\n\t\"os\"\n\t\"strconv\"\n\t\"time\"\n)\n\nfunc main() {\n" + block + "}\n"
	dir := t.TempDir()
	for name, text := range map[string]string{"main.go": src, "go.mod": "module receiver\n\ngo 1.26\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "receiver")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's receiver does not build: %v\n%s\n%s", err, out, src)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "MIMBOT_WEBHOOK_SECRET="+secret, "RECEIVER_ADDR="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	url := "http://" + addr + "/mimbot"
	post := func(secret string) error {
		s := webhook.New(webhook.Config{Webhooks: []mim.Webhook{{URL: url, Secret: secret, Events: mim.HookEvents()}}})
		return s.Post(context.Background(), mim.Outgoing{ID: 1, Platform: mim.WebhookPlatform, Incident: 1, To: mim.ToWebhook, Person: url,
			Kind: mim.KindUpdate, Text: `{"event":"update","at":"2026-03-02T10:00:00Z","incident":{"number":1}}`, Attempts: 1})
	}
	err = post(secret)
	for deadline := time.Now().Add(10 * time.Second); err != nil && strings.Contains(err.Error(), "could not be reached") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the receiver is starting
		err = post(secret)
	}
	if err != nil {
		t.Fatalf("the README's receiver refused a webhook signed with its secret: %v", err)
	}
	if err := post("another-secret"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("the README's receiver took a webhook signed with another secret: %v", err)
	}
}

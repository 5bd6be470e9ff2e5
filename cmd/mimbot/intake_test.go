package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// freeAddr is a loopback address nothing listens on, for a variable that takes an
// address rather than a listener.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServeIntake: MIMBOT_SMTP_ADDR starts the SMTP intake inside serve; a mail and
// an API call each declare an incident, `incident list --json` tells them apart by
// source, and serve still stops cleanly.
func TestServeIntake(t *testing.T) {
	e := newEnv(t)
	e.vars["MIMBOT_API_TOKEN"] = "s3cret"
	e.vars["MIMBOT_SMTP_ADDR"] = freeAddr(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	ready := make(chan net.Addr, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return e.vars[k] },
		Listener: ln, Ready: func(a net.Addr) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not listen")
	}

	mail := "From: Sam Rivera <sam@example.com>\r\nTo: incidents@example.com\r\nMessage-ID: <serve-1@example.com>\r\n" +
		"Subject: Printer on floor 3 jams\r\n\r\nEvery job since 9:00.\r\n"
	if err := smtp.SendMail(e.vars["MIMBOT_SMTP_ADDR"], nil, "sam@example.com", []string{"incidents@example.com"}, []byte(mail)); err != nil {
		t.Fatalf("send mail: %v\n%s", err, errOut.String())
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/api/v1/incidents", strings.NewReader(`{"title":"VPN drops","reporter":"alice"}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/incidents = %d %s", resp.StatusCode, body)
	}

	code, stdout, stderr := e.run("", "incident", "list", "--json")
	if code != 0 {
		t.Fatalf("incident list: exit %d: %s", code, stderr)
	}
	var list []struct {
		Number     int    `json:"number"`
		Title      string `json:"title"`
		Source     string `json:"source"`
		DeclaredBy string `json:"declared_by"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("incident list --json: %v\n%s", err, stdout)
	}
	want := []struct {
		Number     int    `json:"number"`
		Title      string `json:"title"`
		Source     string `json:"source"`
		DeclaredBy string `json:"declared_by"`
	}{{2, "VPN drops", "api", "alice"}, {1, "Printer on floor 3 jams", "email", "sam"}}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("incident list --json (-want +got):\n%s", diff)
	}

	cancel()
	stopped = true
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after shutdown: %s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if c, err := net.DialTimeout("tcp", e.vars["MIMBOT_SMTP_ADDR"], time.Second); err == nil {
		c.Close()
		t.Error("the SMTP port still accepts connections after serve stopped")
	}
}

// A bad MIMBOT_SMTP_ADDR, or one with no intake.email to accept anything, is a
// configuration error: exit 2, naming what to fix.
func TestServeIntakeMisconfigured(t *testing.T) {
	tests := []struct {
		name     string
		addr     string
		noIntake bool
		want     string
	}{
		{name: "not an address", addr: "127.0.0.1:notaport", want: "MIMBOT_SMTP_ADDR=127.0.0.1:notaport"},
		{name: "nothing configured to accept", addr: "127.0.0.1:0", noIntake: true, want: "intake.email has no to or no allowed_domains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.noIntake {
				data, err := os.ReadFile(e.vars["MIMBOT_CONFIG"])
				if err != nil {
					t.Fatal(err)
				}
				i := strings.Index(string(data), "\nintake:")
				if i < 0 {
					t.Fatal("the demo configuration has no intake section to remove")
				}
				if err := os.WriteFile(e.vars["MIMBOT_CONFIG"], data[:i+1], 0o600); err != nil {
					t.Fatal(err)
				}
			}
			e.vars["MIMBOT_SMTP_ADDR"] = tt.addr
			e.vars["MIMBOT_ADDR"] = "127.0.0.1:0"
			code, _, stderr := e.run("", "serve")
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

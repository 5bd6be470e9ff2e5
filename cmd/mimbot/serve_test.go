package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServeHealthAndShutdown(t *testing.T) {
	e := newEnv(t)
	e.vars["MIMBOT_API_TOKEN"] = "s3cret"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	ready := make(chan net.Addr, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return e.vars[k] },
		Listener: ln, Ready: func(a net.Addr) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not listen")
	}
	for _, path := range []string{"/healthz", "/readyz", "/status", "/metrics"} {
		resp, err := http.Get("http://" + addr.String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, body)
		}
	}
	for _, c := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {"s3cret", http.StatusOK}} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr.String()+"/api/v1/incidents", nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET /api/v1/incidents with token %q = %d, want %d", c.token, resp.StatusCode, c.want)
		}
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after shutdown: %s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeWithoutChat: serve with no chat platform warns at start, and a P0 declared
// by an alert says on its timeline that its pages reached nobody.
func TestServeWithoutChat(t *testing.T) {
	e := newEnv(t)
	e.vars["MIMBOT_API_TOKEN"] = "s3cret"
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
	defer func() {
		cancel()
		<-done
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not listen")
	}
	if !strings.Contains(errOut.String(), "no chat platform is configured") {
		t.Errorf("serve's log does not warn that pages reach nobody:\n%s", errOut.String())
	}
	alert := `{"version":"4","groupKey":"g1","status":"firing","receiver":"mimbot",
		"commonLabels":{"alertname":"PaymentsDown","severity":"critical","mimbot_towers":"application"},
		"commonAnnotations":{"summary":"Payments down"},
		"alerts":[{"status":"firing","labels":{"alertname":"PaymentsDown"},"startsAt":"2026-03-02T09:58:00Z","fingerprint":"f1"}]}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/api/v1/alerts", strings.NewReader(alert))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/alerts = %d %s", resp.StatusCode, body)
	}
	inc := e.show("1")
	pages := 0
	for _, en := range inc.Timeline {
		if en.Kind != "paged" {
			continue
		}
		pages++
		if !strings.Contains(en.Text, "not delivered") {
			t.Errorf("page entry %q does not say it reached nobody", en.Text)
		}
	}
	if !inc.Major || pages == 0 {
		t.Errorf("incident major=%v with %d page entries, want a paged major incident", inc.Major, pages)
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimbot/internal/config"
)

const statusToken = "c3a9f1e07b2d4865"

// statusConfig writes the demo configuration with its status: section replaced by
// section, and returns its path.
func statusConfig(t *testing.T, e *env, section string) string {
	t.Helper()
	demo := string(config.DemoYAML())
	i := strings.Index(demo, "\nstatus:\n")
	if i < 0 {
		t.Fatal("the demo has no status: section")
	}
	path := filepath.Join(e.dir, "status.yaml")
	if err := os.WriteFile(path, []byte(demo[:i]+"\n"+section), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// config check says who may read the status pages, never the token, and refuses a
// private page without one.
func TestConfigCheckStatusAccess(t *testing.T) {
	tests := []struct {
		name    string
		section string
		code    int
		want    string // in the output (stdout, else stderr)
	}{
		{"public", "status: {public: true}\n", 0, "Status pages (/status): public"},
		{"token", "status: {public: false, token: " + statusToken + "}\n", 0, "Status pages (/status): readers need the link with ?token= (status.token)"},
		{"not public without a token", "status: {public: false}\n", 2, "status.token: status.public is false, so readers need a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			code, out, errOut := e.run("", "config", "check", statusConfig(t, e, tt.section))
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("config check: exit %d, want %d with %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
			if strings.Contains(out+errOut, statusToken) {
				t.Errorf("config check prints the token:\n%s", out)
			}
		})
	}
}

// A live serve with a private status page: refused without the link, let in by it
// (a cookie and a redirect), then by the cookie.
func TestServeStatusToken(t *testing.T) {
	e := newEnv(t)
	e.vars["MIMBOT_CONFIG"] = statusConfig(t, e, "status: {token: "+statusToken+"}\n")
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
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	var base string
	select {
	case a := <-ready:
		base = "http://" + a.String()
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not listen")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, cookie string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	if resp, body := get("/status", ""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Ask the incident team") {
		t.Errorf("GET /status without the link = %d:\n%s", resp.StatusCode, body)
	}
	resp, _ := get("/status?token="+statusToken, "")
	cookie, _, _ := strings.Cut(resp.Header.Get("Set-Cookie"), ";")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/status" || cookie == "" {
		t.Fatalf("GET /status?token= = %d, Location %q, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Set-Cookie"))
	}
	if resp, body := get("/status", cookie); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Active incidents") {
		t.Errorf("GET /status with the cookie = %d:\n%s", resp.StatusCode, body)
	}
	if resp, _ := get("/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d: health checks need no token", resp.StatusCode)
	}
	if strings.Contains(out.String()+errOut.String(), statusToken) {
		t.Errorf("serve logged the token:\n%s%s", out.String(), errOut.String())
	}
}

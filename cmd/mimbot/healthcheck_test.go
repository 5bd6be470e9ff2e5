package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHealthURL(t *testing.T) {
	for _, c := range []struct {
		name, addr, want string
	}{
		{"port only", ":8080", "http://127.0.0.1:8080/healthz"},
		{"every IPv4 interface", "0.0.0.0:9000", "http://127.0.0.1:9000/healthz"},
		{"every IPv6 interface", "[::]:9000", "http://127.0.0.1:9000/healthz"},
		{"loopback", "127.0.0.1:8080", "http://127.0.0.1:8080/healthz"},
		{"one address", "10.1.2.3:8080", "http://10.1.2.3:8080/healthz"},
		{"IPv6 loopback", "[::1]:8080", "http://[::1]:8080/healthz"},
		{"host name", "localhost:8080", "http://localhost:8080/healthz"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := healthURL(c.addr)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("healthURL(%q) (-want +got):\n%s", c.addr, diff)
			}
		})
	}
}

// TestHealthcheck runs `mimbot healthcheck` as the container's HEALTHCHECK does,
// against a live serve and against what is not one: it exits 0 only on a 200, and
// otherwise 1 (never 2, which Docker reserves) with one line saying why.
func TestHealthcheck(t *testing.T) {
	e := newEnv(t)
	live := e.serve(t)
	closed := freeAddr(t) // a port nothing listens on any more
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()

	for _, c := range []struct {
		name     string
		addr     string
		args     []string
		wantCode int
		wantErr  string // in the one line on stderr
	}{
		{"live serve", strings.TrimPrefix(live.url, "http://"), nil, 0, ""},
		{"live serve by its port only", ":" + portOf(t, live.url), nil, 0, ""},
		{"closed port", closed, nil, 1, "connection refused"},
		{"not healthy", strings.TrimPrefix(failing.URL, "http://"), nil, 1, "answered 503 Service Unavailable"},
		{"address without a port", "127.0.0.1", nil, 1, "MIMBOT_ADDR=127.0.0.1"},
		{"an argument", strings.TrimPrefix(live.url, "http://"), []string{"now"}, 1, "takes no arguments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
				Getenv: func(k string) string { return map[string]string{"MIMBOT_ADDR": c.addr}[k] }}
			code := m.Run(context.Background(), append([]string{"healthcheck"}, c.args...))
			if code != c.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.wantCode, errOut.String())
			}
			got := errOut.String()
			switch {
			case c.wantErr == "" && got != "":
				t.Errorf("stderr %q, want nothing", got)
			case c.wantErr != "" && (!strings.Contains(got, c.wantErr) || strings.Count(got, "\n") != 1):
				t.Errorf("stderr %q, want one line with %q", got, c.wantErr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

// portOf returns the port of an http://host:port URL.
func portOf(t *testing.T, url string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return port
}

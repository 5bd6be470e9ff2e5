package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// healthTimeout bounds the whole check: a container runtime counts a check that hangs
// as a failure only when its own timeout ends, later than this.
const healthTimeout = 3 * time.Second

// healthcheck asks the serve running beside it (on MIMBOT_ADDR) for /healthz. It is
// the container's HEALTHCHECK: the image has no shell and no curl. Every failure,
// bad usage included, exits 1, never 2, which Docker reserves.
func (m *Main) healthcheck(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("healthcheck takes no arguments (it asks MIMBOT_ADDR), got %q", args)
	}
	u, err := healthURL(m.env("MIMBOT_ADDR", ":8080"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// No proxy: the check is about this container's own listener.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("healthcheck: GET %s: no answer within %s", u, healthTimeout)
		}
		return fmt.Errorf("healthcheck: GET %s: %w", u, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s answered %s, want 200 OK", u, resp.Status)
	}
	return nil
}

// healthURL is where serve listening on addr answers /healthz: a listener on every
// interface (":8080", "0.0.0.0:8080", "[::]:8080") is asked on 127.0.0.1.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: MIMBOT_ADDR=%s: %v; use host:port or :port, such as :8080", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

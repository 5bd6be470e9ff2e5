package web_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"mimbot/internal/web"
	"mimbot/mim"
)

// brokenStore fails every read and write with err.
type brokenStore struct {
	mim.Store
	err error
}

func (s brokenStore) Incidents(context.Context, mim.Filter) ([]*mim.Incident, error) {
	return nil, s.err
}
func (s brokenStore) Incident(context.Context, int) (*mim.Incident, error) { return nil, s.err }
func (s brokenStore) Held(context.Context) (map[string]int, error)         { return nil, s.err }
func (s brokenStore) CreateIncident(context.Context, string, func(*mim.Incident, map[string]int, *mim.Change) error) (*mim.Incident, bool, error) {
	return nil, false, s.err
}

// When the store fails, clients learn whether to retry and nothing of the internals,
// and the log has what happened.
func TestStoreDown(t *testing.T) {
	unavailable := mim.Errorf(mim.EUNAVAILABLE, "The database is unavailable; try again in a moment.")
	internal := errors.New("postgres: dial tcp 10.1.2.3:5432: connection refused")
	alert := webhook("g", "firing", map[string]string{"severity": "critical"}, "")
	tests := []struct {
		name   string
		err    error
		method string
		path   string
		body   string
		code   int
		retry  bool
		want   string
	}{
		{"API, store unavailable", unavailable, http.MethodGet, "/api/v1/incidents", "", http.StatusServiceUnavailable, true, "The database is unavailable"},
		{"API, store broken", internal, http.MethodGet, "/api/v1/incidents/1", "", http.StatusInternalServerError, false, "Something went wrong on our side"},
		{"alert, store unavailable", unavailable, http.MethodPost, "/api/v1/alerts", alert, http.StatusServiceUnavailable, true, "The database is unavailable"},
		{"alert, store broken", internal, http.MethodPost, "/api/v1/alerts", alert, http.StatusInternalServerError, false, "Something went wrong on our side"},
		{"status page", unavailable, http.MethodGet, "/status", "", http.StatusServiceUnavailable, true, "The status page is unavailable right now"},
		{"incident page", internal, http.MethodGet, "/status/1", "", http.StatusInternalServerError, false, "The status page is unavailable right now"},
		{"metrics still scrape", internal, http.MethodGet, "/metrics", "", http.StatusOK, false, "\nmimbot_store_up 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			f := newFixture(t, web.Config{Token: token, Log: slog.New(slog.NewTextHandler(&log, nil))})
			f.svc.Store = brokenStore{Store: f.svc.Store, err: tt.err}
			got := f.do(tt.method, tt.path, "Bearer "+token, tt.body)
			if got.code != tt.code || !strings.Contains(got.body, tt.want) {
				t.Errorf("%s %s = %d %q, want %d with %q", tt.method, tt.path, got.code, got.body, tt.code, tt.want)
			}
			if ct := got.header.Get("Content-Type"); strings.HasPrefix(tt.path, "/status") && ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q, want the page in the site's layout", ct)
			}
			if (got.header.Get("Retry-After") == "5") != tt.retry {
				t.Errorf("Retry-After %q, want a retry: %v", got.header.Get("Retry-After"), tt.retry)
			}
			if strings.Contains(got.body, "10.1.2.3") {
				t.Errorf("the answer shows internals: %s", got.body)
			}
			if !strings.Contains(log.String(), "route=") || !strings.Contains(log.String(), tt.err.Error()) {
				t.Errorf("log %q, want the error with its route", log.String())
			}
			if strings.Contains(log.String(), token) {
				t.Errorf("the log shows the token: %s", log.String())
			}
		})
	}
}

package web_test

import (
	"net/http"
	"strings"
	"testing"

	"mimbot/internal/web"
	"mimbot/mim"
)

const statusToken = "5d1f0c9a7e2b4c8d"

// Each way a reader can arrive at a status page that is, or is not, public.
func TestStatusAccess(t *testing.T) {
	public := mim.StatusAccess{Public: true}
	private := mim.StatusAccess{Token: statusToken}
	tests := []struct {
		name     string
		access   mim.StatusAccess
		path     string
		cookie   string // the access cookie's value the reader sends; "" none
		code     int
		location string   // of a redirect
		setsPass bool     // the answer sets the access cookie
		want     []string // in the body
	}{
		{name: "public: no check", access: public, path: "/status", code: http.StatusOK, want: []string{"Payments down"}},
		{name: "public: a token in the link is ignored", access: public, path: "/status?token=x", code: http.StatusOK, want: []string{"Payments down"}},
		{name: "private, no token, no cookie", access: private, path: "/status", code: http.StatusUnauthorized,
			want: []string{"<h1>This status page needs its link</h1>", "shared only with those given its link", "Ask the incident team"}},
		{name: "private, incident page without token", access: private, path: "/status/1", code: http.StatusUnauthorized, want: []string{"needs its link"}},
		{name: "private, unknown path without token says nothing of what exists", access: private, path: "/status/", code: http.StatusUnauthorized, want: []string{"needs its link"}},
		{name: "the token sets the cookie and sends the reader on without it", access: private, path: "/status?token=" + statusToken,
			code: http.StatusSeeOther, location: "/status", setsPass: true},
		{name: "the redirect keeps the rest of the address", access: private, path: "/status/1?refresh=on&token=" + statusToken,
			code: http.StatusSeeOther, location: "/status/1?refresh=on", setsPass: true},
		{name: "a wrong token", access: private, path: "/status?token=" + statusToken + "x", code: http.StatusUnauthorized,
			want: []string{"not (or no longer) valid"}},
		{name: "an empty token", access: private, path: "/status?token=", code: http.StatusUnauthorized, want: []string{"not (or no longer) valid"}},
		{name: "the cookie lets the reader in", access: private, path: "/status/1", cookie: "pass", code: http.StatusOK, want: []string{"<h1>#1 Payments down</h1>"}},
		{name: "a forged cookie", access: private, path: "/status", cookie: statusToken, code: http.StatusUnauthorized, want: []string{"needs its link"}},
		{name: "a cookie of a former token", access: private, path: "/status", cookie: "old", code: http.StatusUnauthorized, want: []string{"needs its link"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, web.Config{})
			f.declare("Payments down", mim.High, mim.High)
			f.svc.Config.Status = tt.access
			h := http.Header{}
			switch tt.cookie {
			case "pass":
				h.Set("Cookie", passFor(t, f, statusToken))
			case "old":
				h.Set("Cookie", passFor(t, f, "0123456789abcdef0"))
			case "":
			default:
				h.Set("Cookie", "mimbot_status="+tt.cookie)
			}
			got := f.doWith(http.MethodGet, tt.path, h, "")
			if got.code != tt.code {
				t.Fatalf("GET %s = %d, want %d:\n%s", tt.path, got.code, tt.code, got.body)
			}
			if loc := got.header.Get("Location"); loc != tt.location {
				t.Errorf("Location = %q, want %q", loc, tt.location)
			}
			set := got.header.Get("Set-Cookie")
			if tt.setsPass != (set != "") {
				t.Errorf("Set-Cookie = %q, want a cookie: %v", set, tt.setsPass)
			}
			if set != "" {
				for _, attr := range []string{"mimbot_status=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=2592000"} {
					if !strings.Contains(set, attr) {
						t.Errorf("Set-Cookie %q lacks %s", set, attr)
					}
				}
				if strings.Contains(set, statusToken) {
					t.Errorf("the cookie holds the token itself: %q", set)
				}
			}
			if tt.code == http.StatusUnauthorized && got.header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("401 Content-Type = %q, want an HTML page", got.header.Get("Content-Type"))
			}
			for _, w := range tt.want {
				if !strings.Contains(got.body, w) {
					t.Errorf("missing %q in:\n%s", w, got.body)
				}
			}
			if tt.code == http.StatusUnauthorized && strings.Contains(got.body, "Payments down") {
				t.Errorf("a refused reader sees the incident:\n%s", got.body)
			}
		})
	}
}

// passFor follows the link with token on a server whose token it is, and returns the
// cookie it set, as "name=value".
func passFor(t *testing.T, f *fixture, token string) string {
	t.Helper()
	saved := f.svc.Config.Status
	defer func() { f.svc.Config.Status = saved }()
	f.svc.Config.Status = mim.StatusAccess{Token: token}
	got := f.do(http.MethodGet, "/status?token="+token, "", "")
	c, _, _ := strings.Cut(got.header.Get("Set-Cookie"), ";")
	if got.code != http.StatusSeeOther || c == "" {
		t.Fatalf("following the link: %d, Set-Cookie %q", got.code, got.header.Get("Set-Cookie"))
	}
	return c
}

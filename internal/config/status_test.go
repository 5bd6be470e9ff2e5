package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

const statusToken = "9f2c41d7e0b3a6c85d1e"

func TestStatusAccess(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    mim.StatusAccess
	}{
		{name: "absent: public, as before the key existed", want: mim.StatusAccess{Public: true}},
		{name: "public", section: "status: {public: true}\n", want: mim.StatusAccess{Public: true}},
		{name: "public: True is read as true", section: "status: {public: True}\n", want: mim.StatusAccess{Public: true}},
		{name: "not public, with a token", section: "status: {public: false, token: " + statusToken + "}\n", want: mim.StatusAccess{Token: statusToken}},
		{name: "a token alone makes the pages need it", section: "status: {token: " + statusToken + "}\n", want: mim.StatusAccess{Token: statusToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParse(t, base+tt.section)
			if diff := cmp.Diff(tt.want, cfg.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusAccessProblems(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    []Problem
	}{
		{name: "not public without a token", section: "status: {public: false}\n",
			want: []Problem{{"status.token", "status.public is false, so readers need a token: set status.token to a random string of at least 16 letters and digits (openssl rand -hex 16)"}}},
		{name: "public with a token", section: "status: {public: true, token: " + statusToken + "}\n",
			want: []Problem{{"status.token", "a public status page takes no token: remove status.token, or set status.public: false so that readers need it"}}},
		{name: "public is not a boolean", section: "status: {public: sometimes}\n",
			want: []Problem{{"status.public", `"sometimes" is not true or false (true: anyone may read /status; false: readers need status.token)`}}},
		{name: "a short token", section: "status: {public: false, token: abc123}\n",
			want: []Problem{{"status.token", "the token has 6 characters; use at least 16 so it cannot be guessed (openssl rand -hex 16)"}}},
		{name: "a token a link would mangle", section: "status: {token: \"abcdefgh ijkl&mnop=q\"}\n",
			want: []Problem{{"status.token", "the token may hold only letters, digits and - _ . ~, so that it goes into a link as written (openssl rand -hex 16)"}}},
		{name: "unknown key", section: "status: {public: true, password: x}\n",
			want: []Problem{{"status.password", "unknown key"}}},
		{name: "not a mapping", section: "status: public\n",
			want: []Problem{{"status", "must be a mapping of public, token"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, base+tt.section)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// config check says who may read the pages, and never prints the token.
func TestDescribeStatusAccess(t *testing.T) {
	tests := []struct {
		name, section, want string
	}{
		{"public", "", "Status pages (/status): public, anyone who reaches the server reads them (status.public)\n"},
		{"token", "status: {token: " + statusToken + "}\n", "Status pages (/status): readers need the link with ?token= (status.token), then a cookie keeps them in\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Describe(mustParse(t, base+tt.section), time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC))
			if !strings.Contains(got, tt.want) {
				t.Errorf("Describe lacks %q:\n%s", tt.want, got)
			}
			if strings.Contains(got, statusToken) {
				t.Errorf("Describe prints the token:\n%s", got)
			}
		})
	}
}

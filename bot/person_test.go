package bot_test

import (
	"testing"

	"mimbot/bot"
	"mimbot/mim"
)

// A platform user is mapped to the person whose id on that platform it is, and only
// on that platform; Entra object ids (Teams) match whatever their letter case.
func TestPersonByPlatformID(t *testing.T) {
	r := &bot.Router{Service: &mim.Service{Config: &mim.Config{People: map[string]mim.Person{
		"alice": {Key: "alice", Slack: "U01ALICE", Discord: "100000000000000001", Teams: "8d3c2f1e-0b7a-4c55-9e1d-2a6f4b9c7e10"},
		"bob":   {Key: "bob", Slack: "U02BOB"},
	}}}}
	tests := []struct {
		platform, user, want string
	}{
		{"slack", "U01ALICE", "alice"},
		{"discord", "100000000000000001", "alice"},
		{"teams", "8d3c2f1e-0b7a-4c55-9e1d-2a6f4b9c7e10", "alice"},
		{"teams", "8D3C2F1E-0B7A-4C55-9E1D-2A6F4B9C7E10", "alice"},
		{"slack", "U02BOB", "bob"},
		{"teams", "U02BOB", ""},     // bob's Slack id is not a Teams id
		{"discord", "U01ALICE", ""}, // nor is alice's
	}
	for _, tt := range tests {
		got, err := r.Person(tt.platform, tt.user)
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("Person(%s, %s) = %q, %v; want %q", tt.platform, tt.user, got, err, tt.want)
		}
	}
}

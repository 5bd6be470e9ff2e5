package teams_test

import (
	"strings"
	"testing"

	"mimbot/bot/teams"
	"mimbot/bot/teams/teamsfake"
	"mimbot/mim"
)

// TestDeliveryErrors: what Teams may take later is EUNAVAILABLE (the relay tries
// again), what it will never take EINVALID (the relay gives up), each saying what
// failed.
func TestDeliveryErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault teamsfake.Fault
		code  string
	}{
		{"server error", teamsfake.Fault{Status: 500, Times: 20}, mim.EUNAVAILABLE},
		{"no answer", teamsfake.Fault{Drop: true, Times: 20}, mim.EUNAVAILABLE},
		{"refused", teamsfake.Fault{Status: 400, Code: "BadArgument", Message: "Activity is malformed."}, mim.EINVALID},
		{"no such conversation", teamsfake.Fault{Status: 404, Code: "ConversationNotFound", Message: "Conversation not found."}, mim.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.InjectFault("/connector/v3/conversations/"+stakeholders, tc.fault)
			m := mim.Outgoing{Platform: teams.Platform, To: mim.ToStakeholders, Kind: mim.KindUpdate, Text: "All systems normal."}
			_, err := h.adapter.Send(h.ctx, mim.Delivery{Message: m})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := mim.ErrorCode(err); got != tc.code {
				t.Errorf("code %s (%v), want %s", got, err, tc.code)
			}
			if !strings.Contains(err.Error(), "teams: send stakeholders") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
}

// TestStartWrongSecret: a wrong client secret stops Start with what to check.
func TestStartWrongSecret(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.AppPassword = "not-the-secret"
	a, err := teams.NewAdapter(cfg, h.router, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Start(h.ctx)
	if err == nil || !strings.Contains(err.Error(), "TEAMS_APP_PASSWORD") {
		t.Errorf("Start with a wrong secret: %v; want an error naming TEAMS_APP_PASSWORD", err)
	}
}

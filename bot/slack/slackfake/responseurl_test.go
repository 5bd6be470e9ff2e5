package slackfake

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestResponseURLLimits(t *testing.T) {
	clock := newTestClock()
	f, api := startFake(t, Options{Clock: clock.Now})
	ch := mustCreate(t, api, "responses")
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer bot.Close()
	cmd := SlashCommand{Command: "/status", UserID: alice, ChannelID: ch.ID}
	issue := func() string {
		if _, _, err := f.PostSlashCommand(context.Background(), bot.URL, "s", cmd, WithoutSignature()); err != nil {
			t.Fatal(err)
		}
		acks := f.Acks()
		return acks[len(acks)-1].ResponseURL
	}
	respond := func(u, rtype string) error {
		_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(u, rtype), slack.MsgOptionText("status: green", false))
		return err
	}
	status := func(err error) int {
		var sc slack.StatusCodeError
		if errors.As(err, &sc) {
			return sc.Code
		}
		return 0
	}

	u := issue()
	for i := 0; i < ResponseURLMaxUses; i++ {
		if err := respond(u, slack.ResponseTypeEphemeral); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
	}
	expiring := issue()

	tests := []struct {
		name    string
		advance time.Duration
		url     string
		rtype   string
		status  int
		errCode string
	}{
		{"sixth use", 0, u, slack.ResponseTypeEphemeral, http.StatusNotFound, "used_url"},
		{"just before 30 minutes", ResponseURLTTL, expiring, slack.ResponseTypeEphemeral, http.StatusOK, ""},
		{"after 30 minutes", time.Second, expiring, slack.ResponseTypeInChannel, http.StatusNotFound, "expired_url"},
		{"unknown URL", 0, f.URL() + "/commands/T0001/1/nope", slack.ResponseTypeInChannel, http.StatusNotFound, "no_service"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			err := respond(tc.url, tc.rtype)
			if got := status(err); got != tc.status && !(tc.status == http.StatusOK && err == nil) {
				t.Fatalf("status = %d, want %d", got, tc.status)
			}
			posts := f.ResponseURLPosts()
			if last := posts[len(posts)-1]; last.Error != tc.errCode {
				t.Fatalf("recorded error = %q, want %q", last.Error, tc.errCode)
			}
		})
	}
	if e := f.Ephemerals(ch.ID); len(e) != ResponseURLMaxUses+1 || e[0].EphemeralTo != alice {
		t.Fatalf("ephemerals = %d (%+v)", len(e), e)
	}
	for _, m := range f.Messages(ch.ID) {
		if m.Text == "status: green" {
			t.Fatal("rejected in_channel response reached the channel")
		}
	}
}

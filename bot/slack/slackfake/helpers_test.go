package slackfake

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"mimbot/mim/mimtest"
)

// Test users seeded by startFake.
const (
	alice = "U0ALICE01"
	bob   = "U0BOB0001"
	carol = "U0CAROL01"
)

// startFake starts a fake with three users and a seeded channel the bot is
// not in, and returns it with a slack-go client pointed at it.
func startFake(t *testing.T, opts Options) (*Server, *slack.Client) {
	t.Helper()
	opts.Users = append(opts.Users,
		UserSeed{ID: alice, Name: "alice", RealName: "Alice A", Email: "alice@example.com"},
		UserSeed{ID: bob, Name: "bob", RealName: "Bob B", Email: "bob@example.com"},
		UserSeed{ID: carol, Name: "carol", RealName: "Carol C", Email: "carol@example.com"},
	)
	opts.Channels = append(opts.Channels, ChannelSeed{ID: "C0SEEDED1", Name: "seeded", Members: []string{alice, bob}})
	f := New(opts)
	if err := f.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(f.Close)
	return f, slack.New(f.BotToken(), slack.OptionAPIURL(f.URL()+"/api/"))
}

// slackCode extracts the Slack error code from a slack-go error ("" for nil).
func slackCode(err error) string {
	if err == nil {
		return ""
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return err.Error()
}

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := slackCode(err); got != want {
		t.Fatalf("error = %q (%v), want %q", got, err, want)
	}
}

func mustCreate(t *testing.T, api *slack.Client, name string) *slack.Channel {
	t.Helper()
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: name})
	if err != nil {
		t.Fatalf("CreateConversation(%q): %v", name, err)
	}
	return ch
}

// newTestClock is a manual clock for Options.Clock.
func newTestClock() *mimtest.Clock { return mimtest.NewClock(time.Now()) }

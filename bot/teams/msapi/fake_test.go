package msapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot/teams/msapi"
	"mimbot/bot/teams/teamsfake"
	"mimbot/mim"
	"mimbot/mim/mimtest"
)

// fixture is the clients against teamsfake, both on one test clock.
type fixture struct {
	fake      *teamsfake.Server
	clock     *mimtest.Clock
	tokens    *msapi.Tokens
	connector *msapi.Connector
	graph     *msapi.Graph
}

func newFixture(t *testing.T, users ...teamsfake.User) *fixture {
	t.Helper()
	clock := mimtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	fake := teamsfake.New(teamsfake.Options{Clock: clock.Now, Users: users})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	tokens := msapi.NewTokens(fake.LoginURL(), fake.TenantID(), fake.AppID(), fake.AppPassword(), nil, clock)
	return &fixture{
		fake: fake, clock: clock, tokens: tokens,
		connector: msapi.NewConnector(tokens, nil, clock),
		graph:     msapi.NewGraph(fake.GraphURL(), fake.TeamID(), tokens, nil, clock),
	}
}

// run moves the clock forward by step until fn returns, and returns its error.
func (f *fixture) run(t *testing.T, step time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	for i := 0; i < 2000; i++ {
		select {
		case err := <-done:
			return err
		case <-time.After(2 * time.Millisecond):
			f.clock.Advance(step)
		}
	}
	t.Fatal("the calls did not end")
	return nil
}

func TestFakeWarRoomChannel(t *testing.T) {
	f := newFixture(t, teamsfake.User{AADObjectID: "aad-ann", Name: "Ann", AppInstalled: true})
	ctx := context.Background()
	name := msapi.ChannelName("INC 7: Payments down.", 1)
	ch, err := f.graph.CreateChannel(ctx, name, "Payments down")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := f.fake.ChannelByName(name); !ok || got.ID != ch.ID {
		t.Fatalf("the fake has no channel %q (%+v)", name, got)
	}
	_, err = f.graph.CreateChannel(ctx, strings.ToUpper(name), "")
	if !errors.Is(err, msapi.ErrNameTaken) {
		t.Errorf("same name, other case: err = %v, want ErrNameTaken", err)
	}
	found, err := f.graph.ChannelByName(ctx, strings.ToUpper(name))
	if err != nil || found.ID != ch.ID {
		t.Errorf("ChannelByName = %+v, %v; want %s", found, err, ch.ID)
	}
	if _, err := f.graph.ChannelByName(ctx, "it's not there"); msapi.Code(err) != mim.ENOTFOUND {
		t.Errorf("a missing channel: err = %v, want ENOTFOUND", err)
	}
	if err := f.graph.RenameChannel(ctx, ch.ID, msapi.ChannelName("closed-"+name, 1)); err != nil {
		t.Fatal(err)
	}
	list, err := f.graph.Channels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list {
		names = append(names, c.DisplayName)
	}
	if !strings.Contains(strings.Join(names, ","), "closed-inc-7-payments-down-") {
		t.Errorf("channels = %v, want the renamed one", names)
	}
	join, err := f.graph.CreateMeeting(ctx, "aad-ann", "INC 7 bridge", f.clock.Now(), f.clock.Now().Add(time.Hour))
	if err != nil || join == "" || len(f.fake.Meetings()) != 1 {
		t.Errorf("meeting: %q, %v, %d meetings", join, err, len(f.fake.Meetings()))
	}
}

func TestFakeMessagesPacedAndInOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ch := f.fake.AddChannel("inc-8-busy")
	svc := f.fake.ServiceURL()
	root, err := f.connector.Send(ctx, svc, ch.ID, msapi.Activity{Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	thread := ch.ID + ";messageid=" + root
	var want []string
	err = f.run(t, 100*time.Millisecond, func() error {
		for i := 1; i <= 20; i++ {
			text := fmt.Sprintf("update %d", i)
			want = append(want, text)
			if _, err := f.connector.Reply(ctx, svc, thread, root, msapi.Activity{Text: text}); err != nil {
				return err
			}
			if err := f.connector.Update(ctx, svc, ch.ID, root, msapi.Activity{Text: fmt.Sprintf("card %d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range f.fake.Posts(thread)[1:] {
		got = append(got, a.Text)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("replies in the thread (-want +got):\n%s", d)
	}
	if card, _ := f.fake.Post(ch.ID, root); card.Text != "card 20" {
		t.Errorf("card = %q, want the last update", card.Text)
	}
	for _, c := range f.fake.Calls() {
		if c.Status == http.StatusTooManyRequests {
			t.Errorf("%s %s answered 429: the pace was not kept", c.Method, c.Path)
		}
	}
}

func TestFakeRetryAfterAndExpiredToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ch := f.fake.AddChannel("inc-9")
	svc := f.fake.ServiceURL()
	f.fake.InjectFault("/connector/v3/conversations", teamsfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second, Times: 2})
	err := f.run(t, 250*time.Millisecond, func() error {
		_, err := f.connector.Send(ctx, svc, ch.ID, msapi.Activity{Text: "after the wait"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.ExpireTokens()
	if _, err := f.connector.Send(ctx, svc, ch.ID, msapi.Activity{Text: "with a new token"}); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.EarlyRetries(); n != 0 {
		t.Errorf("early retries = %d, want none", n)
	}
	if posts := f.fake.Posts(ch.ID); len(posts) != 2 {
		t.Errorf("posts = %d, want 2", len(posts))
	}
}

func TestFakePersonalConversation(t *testing.T) {
	f := newFixture(t,
		teamsfake.User{AADObjectID: "aad-ann", Name: "Ann", AppInstalled: true},
		teamsfake.User{AADObjectID: "aad-bob", Name: "Bob"})
	ctx := context.Background()
	svc := f.fake.ServiceURL()
	conv, err := f.connector.CreatePersonal(ctx, svc, f.fake.TenantID(), f.fake.AppID(), "aad-ann")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := f.fake.Personal("aad-ann"); conv != want {
		t.Errorf("conversation = %q, want %q", conv, want)
	}
	if _, err := f.connector.Send(ctx, svc, conv, msapi.Activity{Text: "you are paged"}); err != nil {
		t.Fatal(err)
	}
	m, err := f.connector.Member(ctx, svc, conv, "aad-ann")
	if err != nil || m.AADObjectID != "aad-ann" || m.Name != "Ann" {
		t.Errorf("member = %+v, %v", m, err)
	}
	_, err = f.connector.CreatePersonal(ctx, svc, f.fake.TenantID(), f.fake.AppID(), "aad-bob")
	if !errors.Is(err, msapi.ErrNotInstalled) {
		t.Errorf("without the app: err = %v, want ErrNotInstalled", err)
	}
}

func TestFakeWrongSecret(t *testing.T) {
	f := newFixture(t)
	tokens := msapi.NewTokens(f.fake.LoginURL(), f.fake.TenantID(), f.fake.AppID(), "not-the-secret", nil, f.clock)
	_, err := tokens.Token(context.Background(), msapi.ConnectorScope)
	if err == nil || !strings.Contains(err.Error(), "TEAMS_APP_PASSWORD") || strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("err = %v, want one naming TEAMS_APP_PASSWORD without the secret", err)
	}
}

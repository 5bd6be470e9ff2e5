package slackfake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestAuth(t *testing.T) {
	f, api := startFake(t, Options{})
	tests := []struct {
		name string
		api  *slack.Client
		want string
	}{
		{"bot token", api, ""},
		{"wrong token", slack.New("xoxb-nope", slack.OptionAPIURL(f.URL()+"/api/")), "invalid_auth"},
		{"no token", slack.New("", slack.OptionAPIURL(f.URL()+"/api/")), "not_authed"},
		{"app token on a bot method", slack.New(f.AppToken(), slack.OptionAPIURL(f.URL()+"/api/")), "not_allowed_token_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.api.AuthTest()
			wantCode(t, err, tc.want)
			if tc.want == "" && (res.UserID != f.BotUserID() || res.TeamID != "T0001") {
				t.Fatalf("auth.test = %+v", res)
			}
		})
	}
}

func TestJSONBodyTokenIsIgnored(t *testing.T) {
	f, _ := startFake(t, Options{})
	tests := []struct {
		name   string
		header string
		body   string
		want   string
	}{
		{"token in JSON body only", "", `{"token":"` + f.BotToken() + `"}`, `"error":"not_authed"`},
		{"bearer header", "Bearer " + f.BotToken(), `{}`, `"ok":true`},
		{"malformed JSON", "Bearer " + f.BotToken(), `{"name":`, `"error":"invalid_json"`},
		{"JSON array", "Bearer " + f.BotToken(), `[1]`, `"error":"json_not_object"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.URL()+"/api/auth.test", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tc.want) {
				t.Fatalf("body = %s, want it to contain %s", body, tc.want)
			}
		})
	}
}

func TestConversationsCreate(t *testing.T) {
	f, api := startFake(t, Options{})
	mustCreate(t, api, "incident-42")
	tests := []struct {
		name    string
		channel string
		want    string
	}{
		{"valid", "deploys_prod-2", ""},
		{"name taken", "incident-42", "name_taken"},
		{"name of seeded channel", "seeded", "name_taken"},
		{"upper case", "Incident", "invalid_name_specials"},
		{"space", "incident 43", "invalid_name_specials"},
		{"empty", "", "invalid_name_required"},
		{"81 characters", strings.Repeat("a", 81), "invalid_name_maxlength"},
		{"80 characters", strings.Repeat("b", 80), ""},
		{"only punctuation", "--_", "invalid_name_punctuation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: tc.channel})
			wantCode(t, err, tc.want)
			if tc.want != "" {
				return
			}
			got, ok := f.ChannelByName(tc.channel)
			if !ok || got.ID != ch.ID || !ch.IsMember || ch.Name != tc.channel {
				t.Fatalf("created %+v, fake has %+v (found %v)", ch, got, ok)
			}
			if got.Creator != f.BotUserID() || len(got.Members) != 1 {
				t.Fatalf("creator/members = %s/%v", got.Creator, got.Members)
			}
		})
	}
}

func TestConversationsInvite(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "war-room")
	if _, err := api.InviteUsersToConversation(ch.ID, alice); err != nil {
		t.Fatalf("first invite: %v", err)
	}
	tests := []struct {
		name    string
		channel string
		users   []string
		want    string
	}{
		{"new member", ch.ID, []string{bob}, ""},
		{"already in channel", ch.ID, []string{alice}, "already_in_channel"},
		{"unknown user", ch.ID, []string{"U0NOBODY1"}, "user_not_found"},
		{"the bot itself", ch.ID, []string{f.BotUserID()}, "cant_invite_self"},
		{"one bad user fails all", ch.ID, []string{carol, "U0NOBODY1"}, "user_not_found"},
		{"unknown channel", "C0MISSING", []string{carol}, "channel_not_found"},
		{"bot not a member", "C0SEEDED1", []string{carol}, "not_in_channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.InviteUsersToConversation(tc.channel, tc.users...)
			wantCode(t, err, tc.want)
		})
	}
	got, _ := f.Channel(ch.ID)
	if strings.Join(got.Members, ",") != strings.Join([]string{f.BotUserID(), alice, bob}, ",") {
		t.Fatalf("members = %v; carol must not have been invited by the failed call", got.Members)
	}
	members, _, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: ch.ID, Limit: 2})
	if err != nil || len(members) != 2 {
		t.Fatalf("conversations.members page = %v, %v", members, err)
	}
}

func TestTopicInfoArchive(t *testing.T) {
	f, api := startFake(t, Options{})
	ch := mustCreate(t, api, "ops")
	steps := []struct {
		name string
		run  func() error
		want string
	}{
		{"set topic", func() error { _, err := api.SetTopicOfConversation(ch.ID, "SEV1: db down"); return err }, ""},
		{"topic too long", func() error { _, err := api.SetTopicOfConversation(ch.ID, strings.Repeat("x", 251)); return err }, "too_long"},
		{"topic where bot is absent", func() error { _, err := api.SetTopicOfConversation("C0SEEDED1", "x"); return err }, "not_in_channel"},
		{"info", func() error {
			info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: ch.ID})
			if err == nil && info.Topic.Value != "SEV1: db down" {
				t.Errorf("topic = %q", info.Topic.Value)
			}
			return err
		}, ""},
		{"archive", func() error { return api.ArchiveConversation(ch.ID) }, ""},
		{"archive twice", func() error { return api.ArchiveConversation(ch.ID) }, "already_archived"},
		{"post to archived", func() error { _, _, err := api.PostMessage(ch.ID, slack.MsgOptionText("hi", false)); return err }, "is_archived"},
		{"archive general", func() error {
			g, _ := f.ChannelByName("general")
			return api.ArchiveConversation(g.ID)
		}, "cant_archive_general"},
		{"recreate archived name", func() error {
			_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "ops"})
			return err
		}, "name_taken"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { wantCode(t, st.run(), st.want) })
	}
	var subtypes []string
	for _, m := range f.Messages(ch.ID) {
		subtypes = append(subtypes, m.Subtype)
	}
	if got := strings.Join(subtypes, ","); got != "channel_join,channel_topic,channel_archive" {
		t.Fatalf("system messages = %s", got)
	}
}

func TestPrivateChannelIsInvisibleToOutsiders(t *testing.T) {
	f, api := startFake(t, Options{Channels: []ChannelSeed{{ID: "C0SECRET1", Name: "secret", IsPrivate: true, Members: []string{alice}}}})
	_, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C0SECRET1"})
	wantCode(t, err, "channel_not_found")
	if err := f.AddMember("C0SECRET1", f.BotUserID()); err != nil {
		t.Fatal(err)
	}
	info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C0SECRET1"})
	if err != nil || !info.IsPrivate || !info.IsMember {
		t.Fatalf("after joining: %+v, %v", info, err)
	}
}

func TestServedThroughHTTPTest(t *testing.T) {
	f := New(Options{Users: []UserSeed{{ID: alice, Name: "alice"}}})
	ts := httptest.NewServer(f)
	defer ts.Close()
	f.SetURL(ts.URL)
	api := slack.New(f.BotToken(), slack.OptionAPIURL(ts.URL+"/api/"))
	ch := mustCreate(t, api, "via-httptest")
	if _, ok := f.Channel(ch.ID); !ok {
		t.Fatal("channel not recorded")
	}
	resp, err := http.PostForm(ts.URL+"/api/no.such", url.Values{"token": {f.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "unknown_method") {
		t.Fatalf("unknown method body = %s", body)
	}
}

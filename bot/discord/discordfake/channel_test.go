package discordfake

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestCreateGuildChannel(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)

	tests := []struct {
		name      string
		data      discordgo.GuildChannelCreateData
		wantName  string
		wantType  int
		wantField string // 50035 field, "" for success
	}{
		{name: "category keeps its name", data: discordgo.GuildChannelCreateData{Name: "On Call", Type: discordgo.ChannelTypeGuildCategory}, wantName: "On Call", wantType: ChannelCategory},
		{name: "text name is lowercased and dashed", data: discordgo.GuildChannelCreateData{Name: "INC 42  Database Down", Type: discordgo.ChannelTypeGuildText, ParentID: testCategory, Topic: "db is down"}, wantName: "inc-42-database-down", wantType: ChannelText},
		{name: "voice keeps its name", data: discordgo.GuildChannelCreateData{Name: "War Room", Type: discordgo.ChannelTypeGuildVoice}, wantName: "War Room", wantType: ChannelVoice},
		{name: "name of 101 characters", data: discordgo.GuildChannelCreateData{Name: strings.Repeat("a", 101)}, wantField: "name"},
		{name: "empty name", data: discordgo.GuildChannelCreateData{Name: ""}, wantField: "name"},
		{name: "parent must be a category", data: discordgo.GuildChannelCreateData{Name: "x", ParentID: testStakeholders}, wantField: "parent_id"},
		{name: "categories cannot nest", data: discordgo.GuildChannelCreateData{Name: "x", Type: discordgo.ChannelTypeGuildCategory, ParentID: testCategory}, wantField: "parent_id"},
		{name: "topic over 1024", data: discordgo.GuildChannelCreateData{Name: "x", Topic: strings.Repeat("t", 1025)}, wantField: "topic"},
		{name: "forum needs a community guild", data: discordgo.GuildChannelCreateData{Name: "x", Type: discordgo.ChannelTypeGuildForum}, wantField: "type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := s.GuildChannelCreateComplex(testGuild, tc.data)
			if tc.wantField != "" {
				e := errorOf(t, err)
				if e.Status != http.StatusBadRequest || e.Code != CodeInvalidFormBody || e.fieldCode(tc.wantField) == "" {
					t.Fatalf("got %+v, want 400 50035 on %q", e, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if ch.Name != tc.wantName || int(ch.Type) != tc.wantType || ch.GuildID != testGuild {
				t.Fatalf("got %q type %d guild %s, want %q type %d", ch.Name, ch.Type, ch.GuildID, tc.wantName, tc.wantType)
			}
			stored, ok := f.Channel(ch.ID)
			if !ok || stored.Name != tc.wantName || stored.ParentID != tc.data.ParentID || stored.Topic != tc.data.Topic {
				t.Fatalf("stored %+v", stored)
			}
			if byName, ok := f.ChannelByName(tc.wantName); !ok || byName.ID != ch.ID {
				t.Fatalf("ChannelByName(%q) = %+v, %v", tc.wantName, byName, ok)
			}
		})
	}
}

func TestGuildChannelLimit(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	for len(opts.Channels) < maxGuildChannels-1 {
		opts.Channels = append(opts.Channels, Channel{Name: "filler", Type: ChannelVoice})
	}
	f := startFake(t, opts)
	s := newSession(t, f)
	if _, err := s.GuildChannelCreate(testGuild, "five-hundredth", discordgo.ChannelTypeGuildText); err != nil {
		t.Fatalf("500th channel: %v", err)
	}
	_, err := s.GuildChannelCreate(testGuild, "one-too-many", discordgo.ChannelTypeGuildText)
	if e := errorOf(t, err); e.Code != CodeMaxGuildChannels || e.Status != http.StatusBadRequest {
		t.Fatalf("501st channel: got %+v, want 400 30013", e)
	}
	if n := len(f.Channels()); n != maxGuildChannels {
		t.Fatalf("guild has %d channels, want %d", n, maxGuildChannels)
	}
}

func TestPermissionOverwritesApplyToBot(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	s := newSession(t, f)
	everyoneDeny := &discordgo.PermissionOverwrite{ID: testGuild, Type: discordgo.PermissionOverwriteTypeRole, Deny: int64(PermViewChannel)}
	botAllow := &discordgo.PermissionOverwrite{ID: f.ApplicationID(), Type: discordgo.PermissionOverwriteTypeMember, Allow: int64(PermViewChannel | PermSendMessages)}
	tests := []struct {
		name       string
		overwrites []*discordgo.PermissionOverwrite
		wantCode   int
	}{
		{name: "public channel", overwrites: nil},
		{name: "private channel that forgot the bot", overwrites: []*discordgo.PermissionOverwrite{everyoneDeny}, wantCode: CodeMissingAccess},
		{name: "private channel that lets the bot in", overwrites: []*discordgo.PermissionOverwrite{everyoneDeny, botAllow}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := s.GuildChannelCreateComplex(testGuild, discordgo.GuildChannelCreateData{Name: "inc " + tc.name, PermissionOverwrites: tc.overwrites})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			stored, _ := f.Channel(ch.ID)
			if len(stored.PermissionOverwrites) != len(tc.overwrites) {
				t.Fatalf("stored %d overwrites, want %d", len(stored.PermissionOverwrites), len(tc.overwrites))
			}
			_, err = s.ChannelMessageSend(ch.ID, "hello")
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				return
			}
			if e := errorOf(t, err); e.Code != tc.wantCode || e.Status != http.StatusForbidden {
				t.Fatalf("send: got %+v, want 403 %d", e, tc.wantCode)
			}
		})
	}
}

func TestChannelInheritsCategoryOverwrites(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.Channels[0].PermissionOverwrites = []PermissionOverwrite{{ID: testGuild, Type: 0, Deny: PermSendMessages}}
	f := startFake(t, opts)
	s := newSession(t, f)
	ch, err := s.GuildChannelCreateComplex(testGuild, discordgo.GuildChannelCreateData{Name: "synced", ParentID: testCategory})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.PermissionOverwrites) != 1 || ch.PermissionOverwrites[0].Deny != int64(PermSendMessages) {
		t.Fatalf("overwrites %+v, want the category's", ch.PermissionOverwrites)
	}
	_, err = s.ChannelMessageSend(ch.ID, "hi")
	if e := errorOf(t, err); e.Code != CodeMissingPermissions {
		t.Fatalf("send: got %+v, want 50013", e)
	}
}

func TestChannelEditAndDelete(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	opts.RouteLimits = map[string]RouteLimit{BucketChannelNameTopic: {Limit: 2, Window: 200 * time.Second}} // 200 ms once scaled
	f := startFake(t, opts)
	s := newSession(t, f)

	ch, err := s.ChannelEdit(testStakeholders, &discordgo.ChannelEdit{Name: "Stake Holders", Topic: "status"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Name != "stake-holders" || ch.Topic != "status" {
		t.Fatalf("edited to %q / %q", ch.Name, ch.Topic)
	}
	if _, err := s.ChannelEdit(testStakeholders, &discordgo.ChannelEdit{Name: "second"}); err != nil {
		t.Fatal(err)
	}
	// Third rename inside the window: Discord's 2-per-10-minutes sub-limit.
	_, err = s.ChannelEdit(testStakeholders, &discordgo.ChannelEdit{Name: "third"}, discordgo.WithRetryOnRatelimit(false))
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter <= 0 {
		t.Fatalf("third rename: got %v, want a RateLimitError", err)
	}
	// discordgo waits it out by itself.
	start := time.Now()
	if _, err := s.ChannelEdit(testStakeholders, &discordgo.ChannelEdit{Name: "fourth"}); err != nil {
		t.Fatalf("rename after waiting: %v", err)
	}
	if waited := time.Since(start); waited < rl.RetryAfter/2 {
		t.Fatalf("discordgo waited %v, retry_after was %v", waited, rl.RetryAfter)
	}
	if f.EarlyRetries() != 0 {
		t.Fatalf("EarlyRetries = %d", f.EarlyRetries())
	}

	if _, err := s.ChannelDelete(testCategory); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Channel(testCategory); ok {
		t.Fatal("category still exists")
	}
	if c, _ := f.Channel(testStakeholders); c.ParentID != "" {
		t.Fatalf("child still has parent %q", c.ParentID)
	}
	_, err = s.Channel(testCategory)
	if e := errorOf(t, err); e.Code != CodeUnknownChannel || e.Status != http.StatusNotFound {
		t.Fatalf("deleted channel: got %+v, want 404 10003", e)
	}
}

func TestDMChannels(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	s := newSession(t, f)
	tests := []struct {
		name     string
		user     string
		wantCode int // for opening (50033) or sending (50007)
	}{
		{name: "open and message alice", user: testAlice},
		{name: "bob has DMs closed", user: testBob, wantCode: CodeCannotMessageUser},
		{name: "unknown user", user: "900000000000009999", wantCode: CodeInvalidRecipient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := s.UserChannelCreate(tc.user)
			if tc.wantCode == CodeInvalidRecipient {
				if e := errorOf(t, err); e.Code != tc.wantCode {
					t.Fatalf("open: got %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.UserChannelCreate(tc.user)
			if err != nil || again.ID != ch.ID || ch.Type != discordgo.ChannelTypeDM {
				t.Fatalf("reopen: %v, %v vs %v", err, again, ch)
			}
			if dm, ok := f.DMChannel(tc.user); !ok || dm.ID != ch.ID {
				t.Fatalf("DMChannel = %+v, %v", dm, ok)
			}
			_, err = s.ChannelMessageSend(ch.ID, "you are on call")
			if tc.wantCode == 0 {
				if err != nil || len(f.Messages(ch.ID)) != 1 {
					t.Fatalf("send: %v, %d messages", err, len(f.Messages(ch.ID)))
				}
				return
			}
			if e := errorOf(t, err); e.Code != tc.wantCode || e.Status != http.StatusForbidden {
				t.Fatalf("send: got %+v, want 403 %d", e, tc.wantCode)
			}
		})
	}
}

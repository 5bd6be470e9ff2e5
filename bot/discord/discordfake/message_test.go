package discordfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func button(id string) discordgo.MessageComponent {
	return discordgo.Button{Label: "Ack", Style: discordgo.PrimaryButton, CustomID: id}
}

func TestMessageCreateLimits(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	embeds := func(n int) []*discordgo.MessageEmbed {
		out := make([]*discordgo.MessageEmbed, n)
		for i := range out {
			out[i] = &discordgo.MessageEmbed{Title: "t"}
		}
		return out
	}
	fields := make([]*discordgo.MessageEmbedField, 26)
	for i := range fields {
		fields[i] = &discordgo.MessageEmbedField{Name: "n", Value: "v"}
	}
	rows := make([]discordgo.MessageComponent, 6)
	for i := range rows {
		rows[i] = discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("b" + string(rune('a'+i)))}}
	}
	tests := []struct {
		name      string
		msg       discordgo.MessageSend
		wantCode  int
		wantField string
	}{
		{name: "2000 characters", msg: discordgo.MessageSend{Content: strings.Repeat("é", 2000)}},
		{name: "2001 characters", msg: discordgo.MessageSend{Content: strings.Repeat("a", 2001)}, wantCode: CodeInvalidFormBody, wantField: "content"},
		{name: "empty", msg: discordgo.MessageSend{}, wantCode: CodeEmptyMessage},
		{name: "whitespace only", msg: discordgo.MessageSend{Content: " \n\t"}, wantCode: CodeEmptyMessage},
		{name: "embed only", msg: discordgo.MessageSend{Embeds: embeds(1)}},
		{name: "components only", msg: discordgo.MessageSend{Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("ok")}}}}},
		{name: "11 embeds", msg: discordgo.MessageSend{Embeds: embeds(11)}, wantCode: CodeInvalidFormBody, wantField: "embeds"},
		{name: "title of 257", msg: discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: strings.Repeat("t", 257)}}}, wantCode: CodeInvalidFormBody, wantField: "embeds.0.title"},
		{name: "description of 4097", msg: discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("d", 4097)}}}, wantCode: CodeInvalidFormBody, wantField: "embeds.0.description"},
		{name: "26 fields", msg: discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t", Fields: fields}}}, wantCode: CodeInvalidFormBody, wantField: "embeds.0.fields"},
		{name: "6001 characters across embeds", msg: discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{
			{Description: strings.Repeat("d", 3000)}, {Description: strings.Repeat("d", 3000)}, {Title: "x"},
		}}, wantCode: CodeInvalidFormBody, wantField: "embeds"},
		{name: "six action rows", msg: discordgo.MessageSend{Content: "x", Components: rows}, wantCode: CodeInvalidFormBody, wantField: "components"},
		{name: "duplicate custom ids", msg: discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("same"), button("same")}},
		}}, wantCode: CodeInvalidFormBody, wantField: "components.0.components.1.custom_id"},
		{name: "button outside an action row", msg: discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{button("loose")}}, wantCode: CodeInvalidFormBody, wantField: "components.0.type"},
		{name: "parse users with a users list", msg: discordgo.MessageSend{Content: "<@" + testAlice + ">", AllowedMentions: &discordgo.MessageAllowedMentions{
			Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers}, Users: []string{testAlice},
		}}, wantCode: CodeInvalidFormBody, wantField: "allowed_mentions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.Messages(testStakeholders))
			msg := tc.msg
			got, err := s.ChannelMessageSendComplex(testStakeholders, &msg)
			if tc.wantCode != 0 {
				e := errorOf(t, err)
				if e.Status != http.StatusBadRequest || e.Code != tc.wantCode || (tc.wantField != "" && e.fieldCode(tc.wantField) == "") {
					t.Fatalf("got %+v, want 400 %d on %q", e, tc.wantCode, tc.wantField)
				}
				if n := len(f.Messages(testStakeholders)); n != before {
					t.Fatalf("a rejected message was stored (%d -> %d)", before, n)
				}
				return
			}
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			stored, ok := f.Message(got.ID)
			if !ok || stored.Content != tc.msg.Content || stored.AuthorID != f.ApplicationID() {
				t.Fatalf("stored %+v", stored)
			}
			var sentEmbeds []json.RawMessage
			if err := json.Unmarshal(stored.Embeds, &sentEmbeds); err != nil || len(sentEmbeds) != len(tc.msg.Embeds) {
				t.Fatalf("stored embeds %s, want %d", stored.Embeds, len(tc.msg.Embeds))
			}
		})
	}
}

func TestAllowedMentionsDecideWhoIsNotified(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	content := "<@" + testAlice + "> <@" + testBob + "> @everyone"
	tests := []struct {
		name         string
		allowed      *discordgo.MessageAllowedMentions
		wantMentions []string
	}{
		{name: "default parses users", allowed: nil, wantMentions: []string{testAlice, testBob}},
		{name: "explicit user list", allowed: &discordgo.MessageAllowedMentions{Users: []string{testBob}}, wantMentions: []string{testBob}},
		{name: "nothing", allowed: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}, wantMentions: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := s.ChannelMessageSendComplex(testStakeholders, &discordgo.MessageSend{Content: content, AllowedMentions: tc.allowed})
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := f.Message(m.ID)
			if strings.Join(stored.Mentions, ",") != strings.Join(tc.wantMentions, ",") {
				t.Fatalf("mentions %v, want %v", stored.Mentions, tc.wantMentions)
			}
			if stored.MentionEveryone {
				t.Fatal("@everyone notified without MENTION_EVERYONE")
			}
			if (tc.allowed != nil) != (stored.AllowedMentions != nil) {
				t.Fatalf("allowed_mentions recorded as %s", stored.AllowedMentions)
			}
		})
	}
}

func TestNonceDeduplication(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	opts := baseOptions()
	opts.Clock = clock.Now
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	send := func(nonce any, enforce bool) string {
		t.Helper()
		body := map[string]any{"content": "page sent", "nonce": nonce, "enforce_nonce": enforce}
		resp, err := s.RequestWithBucketID(http.MethodPost, discordgo.EndpointChannelMessages(testStakeholders), body, discordgo.EndpointChannelMessages(testStakeholders))
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		var m struct {
			ID    string          `json:"id"`
			Nonce json.RawMessage `json:"nonce"`
		}
		if err := json.Unmarshal(resp, &m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	first := send("inc-42-page", true)
	tests := []struct {
		name    string
		nonce   any
		enforce bool
		advance time.Duration
		wantNew bool
	}{
		{name: "same nonce enforced returns the first message", nonce: "inc-42-page", enforce: true, wantNew: false},
		{name: "same nonce not enforced creates another", nonce: "inc-42-page", enforce: false, wantNew: true},
		{name: "integer nonce is fine", nonce: 12345, enforce: true, wantNew: true},
		{name: "after the window the nonce is forgotten", nonce: "inc-42-page", enforce: true, advance: 3 * time.Minute, wantNew: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			before := len(f.Messages(testStakeholders))
			id := send(tc.nonce, tc.enforce)
			after := len(f.Messages(testStakeholders))
			if tc.wantNew == (id == first) || tc.wantNew != (after == before+1) {
				t.Fatalf("id %s (first %s), messages %d -> %d, wantNew %v", id, first, before, after, tc.wantNew)
			}
		})
	}
	// A nonce longer than 25 characters is a form error.
	_, err := s.RequestWithBucketID(http.MethodPost, discordgo.EndpointChannelMessages(testStakeholders),
		map[string]any{"content": "x", "nonce": strings.Repeat("n", 26)}, discordgo.EndpointChannelMessages(testStakeholders))
	if e := errorOf(t, err); e.fieldCode("nonce") == "" {
		t.Fatalf("long nonce: %+v", e)
	}
	if m, _ := f.Message(first); m.Nonce != "inc-42-page" {
		t.Fatalf("nonce recorded as %q", m.Nonce)
	}
}

func TestEditMessage(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	m, err := s.ChannelMessageSend(testStakeholders, "investigating")
	if err != nil {
		t.Fatal(err)
	}
	userMsg, err := f.DispatchMessage(context.Background(), UserMessage{ChannelID: testStakeholders, Content: "any news?"})
	if !errors.Is(err, ErrNotConnected) {
		t.Fatalf("DispatchMessage without a gateway: %v", err)
	}
	empty := ""
	tests := []struct {
		name     string
		edit     *discordgo.MessageEdit
		wantCode int
		want     string
	}{
		{name: "new content", edit: discordgo.NewMessageEdit(testStakeholders, m.ID).SetContent("mitigated"), want: "mitigated"},
		{name: "content too long", edit: discordgo.NewMessageEdit(testStakeholders, m.ID).SetContent(strings.Repeat("x", 2001)), wantCode: CodeInvalidFormBody},
		{name: "edit to nothing", edit: &discordgo.MessageEdit{Channel: testStakeholders, ID: m.ID, Content: &empty}, wantCode: CodeEmptyMessage},
		{name: "someone else's message", edit: discordgo.NewMessageEdit(testStakeholders, userMsg.ID).SetContent("hijack"), wantCode: CodeCannotEditOthersMessage},
		{name: "unknown message", edit: discordgo.NewMessageEdit(testStakeholders, "900000000000123456").SetContent("x"), wantCode: CodeUnknownMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ChannelMessageEditComplex(tc.edit)
			if tc.wantCode != 0 {
				if e := errorOf(t, err); e.Code != tc.wantCode {
					t.Fatalf("got %+v, want %d", e, tc.wantCode)
				}
				return
			}
			if err != nil || got.Content != tc.want || got.EditedTimestamp == nil {
				t.Fatalf("edit: %v %+v", err, got)
			}
		})
	}
	if stored, _ := f.Message(m.ID); stored.Edits != 1 || stored.Content != "mitigated" {
		t.Fatalf("stored %q with %d edits, want 1", stored.Content, stored.Edits)
	}
}

func TestPins(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	a, _ := s.ChannelMessageSend(testStakeholders, "status: investigating")
	b, _ := s.ChannelMessageSend(testStakeholders, "runbook link")
	tests := []struct {
		name     string
		pin      func(channelID, messageID string) error
		message  string
		wantCode int
	}{
		{name: "deprecated route via discordgo", pin: func(c, m string) error { return s.ChannelMessagePin(c, m) }, message: a.ID},
		{name: "current route", pin: func(c, m string) error {
			_, err := s.RequestWithBucketID(http.MethodPut, discordgo.EndpointChannel(c)+"/messages/pins/"+m, nil, discordgo.EndpointChannel(c)+"/messages/pins/")
			return err
		}, message: b.ID},
		{name: "unknown message", pin: func(c, m string) error { return s.ChannelMessagePin(c, m) }, message: "900000000000777777", wantCode: CodeUnknownMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.pin(testStakeholders, tc.message)
			if tc.wantCode != 0 {
				if e := errorOf(t, err); e.Code != tc.wantCode {
					t.Fatalf("got %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m, _ := f.Message(tc.message); !m.Pinned {
				t.Fatal("message not pinned")
			}
		})
	}
	pinned, err := s.ChannelMessagesPinned(testStakeholders)
	if err != nil || len(pinned) != 2 || len(f.Pins(testStakeholders)) != 2 {
		t.Fatalf("pins: %v, %d via API, %d stored", err, len(pinned), len(f.Pins(testStakeholders)))
	}
	system := 0
	for _, m := range f.Messages(testStakeholders) {
		if m.Type == MessageChannelPinned {
			system++
		}
	}
	if system != 2 {
		t.Fatalf("%d pin system messages, want 2", system)
	}
	resp, body := rawCall(t, f, http.MethodGet, "/api/v10/channels/"+testStakeholders+"/messages/pins", nil, true)
	var page struct {
		Items []struct {
			Message struct {
				ID string `json:"id"`
			} `json:"message"`
		} `json:"items"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Items) != 2 || page.Items[0].Message.ID != b.ID {
		t.Fatalf("GET messages/pins: %d %s", resp.StatusCode, body)
	}
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.RateLimitScale = 0.001
	f := startFake(t, opts)
	s := newSession(t, f)
	file := func(name string) *discordgo.File {
		return &discordgo.File{Name: name, ContentType: "text/plain", Reader: bytes.NewReader([]byte("timeline of " + name))}
	}
	tests := []struct {
		name     string
		files    []*discordgo.File
		wantCode int
	}{
		{name: "one file", files: []*discordgo.File{file("timeline.txt")}},
		{name: "eleven files", files: func() []*discordgo.File {
			var out []*discordgo.File
			for i := 0; i < 11; i++ {
				out = append(out, file("f.txt"))
			}
			return out
		}(), wantCode: CodeInvalidFormBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := s.ChannelMessageSendComplex(testStakeholders, &discordgo.MessageSend{Content: "attached", Files: tc.files})
			if tc.wantCode != 0 {
				if e := errorOf(t, err); e.Code != tc.wantCode {
					t.Fatalf("got %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := f.Message(m.ID)
			if len(stored.Attachments) != 1 || string(stored.Attachments[0].Data) != "timeline of timeline.txt" || len(m.Attachments) != 1 {
				t.Fatalf("attachments %+v", stored.Attachments)
			}
		})
	}
}

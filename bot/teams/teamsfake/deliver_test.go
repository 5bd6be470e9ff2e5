package teamsfake

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestDeliverSignsAsTheBotFramework(t *testing.T) {
	s, c := start(t, Options{})
	b := &bot{}
	hs := httptest.NewServer(b)
	defer hs.Close()
	general, _ := s.ChannelByName("General")

	a := s.Message(general.ID, alice.AADObjectID, "declare sev2 checkout down")
	if status := deliver(t, s, hs.URL, a); status != 200 {
		t.Fatalf("status %d", status)
	}
	auth, got, path := b.last(t)
	if path != "/teams/messages" {
		t.Errorf("path = %q", path)
	}
	if err := newVerifier(t, s, c.Now).verify(auth, got.ServiceURL); err != nil {
		t.Fatalf("genuine token refused: %v", err)
	}
	if got.ServiceURL != s.ServiceURL() || got.ChannelID != "msteams" {
		t.Errorf("serviceUrl %q channelId %q", got.ServiceURL, got.ChannelID)
	}
	if want := general.ID + ";messageid=" + got.ID; got.Conversation.ID != want || got.Conversation.ConversationType != "channel" || got.Conversation.TenantID != s.TenantID() {
		t.Errorf("conversation = %+v, want id %q", got.Conversation, want)
	}
	if got.Text != "<at>mimbot</at> declare sev2 checkout down" || len(got.Entities) != 1 || got.Entities[0].Mentioned.ID != "28:"+s.AppID() {
		t.Errorf("text %q entities %+v", got.Text, got.Entities)
	}
	if got.From.AADObjectID != alice.AADObjectID || got.From.Name != "Alice" || !strings.HasPrefix(got.From.ID, "29:") {
		t.Errorf("from = %+v", got.From)
	}
	if got.Recipient.ID != "28:"+s.AppID() || got.Recipient.Name != "mimbot" {
		t.Errorf("recipient = %+v", got.Recipient)
	}
	cd := got.ChannelData
	if cd == nil || cd.Tenant.ID != s.TenantID() || cd.Team.ID != s.TeamID() || cd.Channel.ID != general.ID {
		t.Errorf("channelData = %+v", cd)
	}
}

func TestRotatedKeysStayValid(t *testing.T) {
	s, c := start(t, Options{})
	old := s.SignToken(s.ServiceURL())
	s.RotateKeys()
	fresh := s.SignToken(s.ServiceURL())
	v := newVerifier(t, s, c.Now)
	for name, tok := range map[string]string{"before rotation": old, "after rotation": fresh} {
		if err := v.verify("Bearer "+tok, s.ServiceURL()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if ids := s.KeyIDs(); len(ids) != 2 || ids[0] == ids[1] {
		t.Errorf("published kids = %v, want the new and the previous", ids)
	}
	s.RotateKeys()
	if err := newVerifier(t, s, c.Now).verify("Bearer "+old, s.ServiceURL()); err == nil {
		t.Error("a token two rotations old still verifies")
	}
}

func TestForgedTokensAreRefusedForTheirReason(t *testing.T) {
	s, c := start(t, Options{})
	b := &bot{}
	hs := httptest.NewServer(b)
	defer hs.Close()
	v := newVerifier(t, s, c.Now)
	tests := []struct {
		name string
		opt  SignOption
		want error
	}{
		{"forged", Forged(), jwt.ErrTokenSignatureInvalid},
		{"expired", Expired(), jwt.ErrTokenExpired},
		{"audience", Audience("another-bot"), jwt.ErrTokenInvalidAudience},
		{"issuer", Issuer("https://sts.windows.net/evil/"), jwt.ErrTokenInvalidIssuer},
		{"service url", ServiceURL("https://evil.example/"), errServiceURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.PersonalMessage(alice.AADObjectID, "hi")
			deliver(t, s, hs.URL+"/teams/messages", a, tt.opt)
			auth, got, _ := b.last(t)
			if err := v.verify(auth, got.ServiceURL); !errors.Is(err, tt.want) {
				t.Errorf("verify = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		deliver(t, s, hs.URL, s.PersonalMessage(alice.AADObjectID, "hi"), NoToken())
		if auth, _, _ := b.last(t); auth != "" {
			t.Errorf("Authorization = %q", auth)
		}
	})
}

func TestServedByHTTPTest(t *testing.T) {
	s := New(Options{SigningKey: sharedKey(), Users: []User{alice}})
	hs := httptest.NewServer(s)
	defer hs.Close()
	s.SetURL(hs.URL + "/")
	if a := s.PersonalMessage(alice.AADObjectID, "hi"); a.ServiceURL != hs.URL+"/connector/" {
		t.Errorf("serviceUrl = %q", a.ServiceURL)
	}
	if err := newVerifier(t, s, time.Now).verify("Bearer "+s.SignToken("x"), "x"); err != nil {
		t.Errorf("verify through the served JWKS: %v", err)
	}
}

package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

func TestWebhooks(t *testing.T) {
	const section = `webhooks:
  - url: https://itsm.example.com/mimbot
    secret: s3cr3t
    events: [declared, resolved, closed]
  - {url: "http://10.0.0.7:9000/in", secret: other, events: [update]}
`
	tests := []struct {
		name string
		text string
		want []mim.Webhook
	}{
		{name: "absent: none", text: base},
		{name: "two", text: base + section, want: []mim.Webhook{
			{URL: "https://itsm.example.com/mimbot", Secret: "s3cr3t", Events: []mim.HookEvent{mim.HookDeclared, mim.HookResolved, mim.HookClosed}},
			{URL: "http://10.0.0.7:9000/in", Secret: "other", Events: []mim.HookEvent{mim.HookUpdate}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustParse(t, tt.text)
			if diff := cmp.Diff(tt.want, cfg.Webhooks); diff != "" {
				t.Errorf("webhooks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebhookProblems(t *testing.T) {
	const events = "declared, priority_changed, update, escalated, resolved, closed"
	tests := []struct {
		name    string
		section string
		want    []Problem
	}{
		{name: "not a list", section: "webhooks: {url: https://x.example.com}\n",
			want: []Problem{{"webhooks", "must be a list of {url, secret, events}, such as [{url: https://itsm.example.com/mimbot, secret: s3cr3t, events: [declared, resolved]}]"}}},
		{name: "everything missing", section: "webhooks:\n  - {}\n",
			want: []Problem{
				{"webhooks[0].url", "required: the receiver's absolute http(s) URL, such as https://itsm.example.com/mimbot"},
				{"webhooks[0].secret", "required: the shared secret that signs each body (X-Mimbot-Signature), such as a random 32-character string"},
				{"webhooks[0].events", "required: list the events to send, from " + events},
			}},
		{name: "relative url, unknown event, unknown key", section: "webhooks:\n  - {url: /hook, secret: s, events: [declared, acked], retry: 3}\n",
			want: []Problem{
				{"webhooks[0].retry", "unknown key"},
				{"webhooks[0].url", `"/hook" is not an absolute http(s) URL: write one such as https://itsm.example.com/mimbot`},
				{"webhooks[0].events[1]", `"acked" is not an event: use ` + events},
			}},
		{name: "other scheme", section: "webhooks:\n  - {url: \"ftp://x.example.com/\", secret: s, events: [update]}\n",
			want: []Problem{{"webhooks[0].url", `"ftp://x.example.com/" is not an absolute http(s) URL: write one such as https://itsm.example.com/mimbot`}}},
		{name: "password in url", section: "webhooks:\n  - {url: \"https://u:p@x.example.com/\", secret: s, events: [update]}\n",
			want: []Problem{{"webhooks[0].url", "must not carry a user or password (they would be logged with the URL): the secret signs every body instead"}}},
		{name: "blank secret, event twice", section: "webhooks:\n  - {url: \"https://x.example.com/\", secret: \"  \", events: [update, update]}\n",
			want: []Problem{
				{"webhooks[0].secret", "required: the shared secret that signs each body (X-Mimbot-Signature), such as a random 32-character string"},
				{"webhooks[0].events[1]", `"update" is listed twice`},
			}},
		{name: "url twice", section: "webhooks:\n  - {url: \"https://x.example.com/\", secret: s, events: [update]}\n  - {url: \"https://x.example.com/\", secret: t, events: [closed]}\n",
			want: []Problem{{"webhooks[1].url", `"https://x.example.com/" is listed twice: list its events once`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, base+tt.section)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeWebhooks(t *testing.T) {
	cfg := mustParse(t, base+"webhooks:\n  - {url: https://itsm.example.com/mimbot, secret: do-not-print, events: [declared, closed]}\n")
	got := Describe(cfg, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	want := "\nWebhooks (signed with their secret):\n  https://itsm.example.com/mimbot: declared, closed\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("config check ends:\n%s\nwant it to end:\n%s", got[max(0, len(got)-300):], want)
	}
	if strings.Contains(got, "do-not-print") {
		t.Error("config check prints a webhook's secret")
	}
	if strings.Contains(Describe(mustParse(t, base), time.Now()), "Webhooks") {
		t.Error("a configuration without webhooks speaks of them")
	}
}

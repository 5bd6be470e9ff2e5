package email

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMail(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want message
	}{
		{
			name: "plain text, CRLF",
			raw:  "Subject: Printer jams\r\nMessage-ID: <1@x>\r\n\r\nEvery job\r\nsince 9:00\r\n",
			want: message{Title: "Printer jams", Body: "Every job\nsince 9:00", MessageID: "<1@x>"},
		},
		{
			name: "folded subject is one line",
			raw:  "Subject: Payments\r\n\tdown in\r\n  the EU\r\n\r\nx",
			want: message{Title: "Payments down in the EU", Body: "x"},
		},
		{
			name: "encoded words in the subject",
			raw:  "Subject: =?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?4pyTIGRvd24=?=\r\n\r\n",
			want: message{Title: "Café✓ down"},
		},
		{
			name: "an incident tag makes it a reply",
			raw:  "Subject: RE: [#12] Payments down\r\n\r\nBack up",
			want: message{Title: "RE: Payments down", Incident: 12, Body: "Back up"},
		},
		{
			name: "base64 body in UTF-8",
			raw:  "Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nQ2Fmw6kg\r\nZG93bg==\r\n",
			want: message{Title: "s", Body: "Café down"},
		},
		{
			name: "HTML only: no description",
			raw:  "Subject: s\r\nContent-Type: text/html\r\n\r\n<p>hi</p>",
			want: message{Title: "s"},
		},
		{
			name: "no subject",
			raw:  "From: a@example.com\r\n\r\nbody",
			want: message{Title: "E-mail without a subject", Body: "body"},
		},
		{
			name: "a broken multipart keeps the subject",
			raw:  "Subject: s\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n",
			want: message{Title: "s"},
		},
		{
			name: "a long subject is cut",
			raw:  "Subject: " + strings.Repeat("a", 300) + "\r\n\r\n",
			want: message{Title: strings.Repeat("a", maxTitle-1) + "…"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMail([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := parseMail([]byte("no header at all")); err == nil {
		t.Error("a message without a header parsed")
	}
}

// FuzzParseMail: whatever arrives on the SMTP port, the parser does not panic, and a
// title it makes is one non-empty line of valid UTF-8.
func FuzzParseMail(f *testing.F) {
	for _, seed := range []string{
		"Subject: Printer jams\r\nMessage-ID: <1@x>\r\n\r\nEvery job\r\n",
		"Subject: =?UTF-8?Q?Caf=C3=A9?=\r\n\r\n",
		"Subject: =?x-unknown?B?////?=\r\n\r\n",
		"Subject: Re: [#999999999] x\r\n\r\n",
		"Subject: a\r\n b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9=\r\n",
		"Subject: s\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n",
		"Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
		"Subject: \x00\x7f\u2028\r\n\r\n",
		"",
		"\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseMail(raw)
		if err != nil {
			return
		}
		if m.Title == "" || strings.ContainsAny(m.Title, "\r\n") || !utf8Valid(m.Title) {
			t.Errorf("title %q: want one non-empty line of valid UTF-8", m.Title)
		}
		if m.Incident < 0 {
			t.Errorf("incident %d", m.Incident)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

package email_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/config"
	"mimbot/internal/email"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

// clock stands still: nothing here depends on time passing.
// fixture is the SMTP intake on 127.0.0.1:0 over a real service and a fresh SQLite
// file, with the demo configuration: mail to incidents@example.com from example.com.
type fixture struct {
	t    testing.TB
	ctx  context.Context
	svc  *mim.Service
	addr string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := mim.NewService(db, config.Demo(), templates.Must(), mimtest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), nil, "shell")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := email.New(email.Config{Service: svc})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &fixture{t: t, ctx: ctx, svc: svc, addr: ln.Addr().String()}
}

// send mails raw from one address to another over a new connection; the error is
// the server's answer to whichever command it refused.
func (f *fixture) send(from, to, raw string) error {
	f.t.Helper()
	c, err := smtp.Dial(f.addr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer c.Close()
	if err := deliver(c, from, to, raw); err != nil {
		return err
	}
	return c.Quit()
}

// deliver sends one mail on an open connection.
func deliver(c *smtp.Client, from, to, raw string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	return w.Close()
}

// code is the SMTP reply code of err; 250 for nil.
func code(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 250
	}
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("not an SMTP reply: %v", err)
	}
	return te.Code
}

func (f *fixture) incidents() []*mim.Incident {
	f.t.Helper()
	list, err := f.svc.Store.Incidents(f.ctx, mim.Filter{})
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

func (f *fixture) incident(n int) *mim.Incident {
	f.t.Helper()
	inc, err := f.svc.Incident(f.ctx, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return inc
}

// notes are the texts of the incident's note entries.
func notes(inc *mim.Incident) []string {
	var out []string
	for _, e := range inc.Timeline {
		if e.Kind == mim.KindNote {
			out = append(out, e.Text)
		}
	}
	return out
}

func plain(id, subject, body string) string {
	return fmt.Sprintf("From: someone\r\nTo: incidents@example.com\r\nMessage-ID: %s\r\nSubject: %s\r\n\r\n%s\r\n", id, subject, body)
}

// multipartQP is a mail as a mail client sends it: an HTML and a plain-text
// alternative, the plain one quoted-printable in ISO-8859-1, and an attachment.
const multipartQP = "From: Ivan Petrov <ivan@example.com>\r\n" +
	"To: incidents@example.com\r\n" +
	"Message-ID: <mp-1@mail.example.com>\r\n" +
	"Subject: =?UTF-8?Q?Caf=C3=A9_card_terminals_offline?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>HTML version</p>\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"All terminals in the caf=E9 show =\r\n" +
	"\"offline\" since 9:40.\r\n" +
	"Ticket from the front desk.\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; name=\"log.txt\"\r\n" +
	"Content-Disposition: attachment; filename=\"log.txt\"\r\n" +
	"\r\n" +
	"not the body\r\n" +
	"--outer--\r\n"

func TestRefused(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		from, to string
		raw      string
		code     int
		text     string // part of the server's message
	}{
		{name: "wrong recipient", from: "sam@example.com", to: "postmaster@example.com", raw: plain("<a@x>", "Printer", "jam"),
			code: 550, text: "send incidents to incidents@example.com"},
		{name: "sender domain not allowed", from: "eve@evil.example.net", to: "incidents@example.com", raw: plain("<b@x>", "Printer", "jam"),
			code: 550, text: "mail incidents from an address in example.com"},
		{name: "a subdomain is another domain", from: "eve@mail.example.com.evil.net", to: "incidents@example.com", raw: plain("<c@x>", "Printer", "jam"),
			code: 550, text: "is not accepted"},
		{name: "over 1 MiB", from: "sam@example.com", to: "incidents@example.com", raw: plain("<d@x>", "Huge", strings.Repeat("0123456789abcdef\r\n", (1<<20)/18+1)),
			code: 552, text: "size"},
		{name: "reply to an incident that does not exist", from: "sam@example.com", to: "incidents@example.com", raw: plain("<e@x>", "Re: [#42] Printer", "still jammed"),
			code: 550, text: "There is no incident #42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.send(tt.from, tt.to, tt.raw)
			if got := code(t, err); got != tt.code {
				t.Fatalf("answer %d (%v), want %d", got, err, tt.code)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("answer %q, want it to say %q", err, tt.text)
			}
		})
	}
	if n := len(f.incidents()); n != 0 {
		t.Errorf("%d incidents after refused mail, want 0", n)
	}
}

func TestDeclareByEmail(t *testing.T) {
	f := newFixture(t)
	if err := f.send("Ivan@Example.com", "Incidents@Example.com", multipartQP); err != nil {
		t.Fatalf("send: %v", err)
	}
	// Sent again (a server that lost our 250): still one incident.
	if err := f.send("ivan@example.com", "incidents@example.com", multipartQP); err != nil {
		t.Fatalf("send again: %v", err)
	}
	// An outsider of an allowed domain: the address is the reporter.
	if err := f.send("pat@example.com", "incidents@example.com", plain("<p-1@x>", "Wi-Fi down in room 4", "No network since lunch.")); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n := len(f.incidents()); n != 2 {
		t.Fatalf("%d incidents, want 2 (the same Message-ID twice makes one)", n)
	}
	want := []struct {
		title, by, description string
		notes                  []string
	}{
		{title: "Café card terminals offline", by: "ivan", description: "All terminals in the café show \"offline\" since 9:40.\nTicket from the front desk.",
			notes: []string{"Declared by e-mail from ivan@example.com", "All terminals in the café show \"offline\" since 9:40.\nTicket from the front desk."}},
		{title: "Wi-Fi down in room 4", by: "pat@example.com", description: "No network since lunch.",
			notes: []string{"Declared by e-mail from pat@example.com", "No network since lunch."}},
	}
	for i, w := range want {
		inc := f.incident(i + 1)
		got := struct {
			title, by, description, source, intake string
			impact, urgency                        mim.Level
			notes                                  []string
		}{inc.Title, inc.DeclaredBy, inc.Description, inc.Source, inc.Intake(), inc.Impact, inc.Urgency, notes(inc)}
		exp := got
		exp.title, exp.by, exp.description, exp.source, exp.intake = w.title, w.by, w.description, "email", "email"
		exp.impact, exp.urgency, exp.notes = mim.Low, mim.Low, w.notes
		if diff := cmp.Diff(exp, got, cmp.AllowUnexported(got)); diff != "" {
			t.Errorf("incident %d (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestReplyAddsNote(t *testing.T) {
	f := newFixture(t)
	if err := f.send("sam@example.com", "incidents@example.com", plain("<first@x>", "Printer on floor 3 jams", "Every job.")); err != nil {
		t.Fatal(err)
	}
	reply := plain("<second@x>", "Re: [#1] Printer on floor 3 jams", "Now floor 4 too.")
	for range 2 { // the same reply twice is noted once
		if err := f.send("dave@example.com", "incidents@example.com", reply); err != nil {
			t.Fatalf("reply: %v", err)
		}
	}
	if n := len(f.incidents()); n != 1 {
		t.Fatalf("%d incidents, want 1: a reply does not declare", n)
	}
	inc := f.incident(1)
	want := []string{"Declared by e-mail from sam@example.com", "Every job.", "E-mail from dave@example.com (Message-ID <second@x>):\nNow floor 4 too."}
	if diff := cmp.Diff(want, notes(inc)); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	last := inc.Timeline[len(inc.Timeline)-1]
	if last.Actor != "dave" {
		t.Errorf("the reply's note is by %q, want dave (his address is dave@example.com)", last.Actor)
	}
}

// Several senders at once each get their incident, none lost.
func TestConcurrentSenders(t *testing.T) {
	f := newFixture(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c, err := smtp.Dial(f.addr)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			errs[i] = deliver(c, "sam@example.com", "incidents@example.com", plain(fmt.Sprintf("<c-%d@x>", i), fmt.Sprintf("Outage %d", i), "body"))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sender %d: %v", i, err)
		}
	}
	if got := len(f.incidents()); got != n {
		t.Errorf("%d incidents, want %d", got, n)
	}
}

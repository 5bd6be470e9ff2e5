package email

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxTitle bounds a title made from a subject, in runes: titles name war rooms
	// and fill one line of a list.
	maxTitle = 200
	// maxDepth bounds how deep multipart parts nest before the parser gives up.
	maxDepth = 10
)

// message is what the intake reads of a mail.
type message struct {
	Title     string // the subject on one line, without the [#n] tag; never empty
	Incident  int    // n of a [#n] tag in the subject; 0: none
	Body      string // the plain text, LF line ends, trimmed
	MessageID string // as sent, with its angle brackets; "" when the mail has none
}

// incidentTag finds the incident a reply is about: "Re: [#12] Payments down".
var incidentTag = regexp.MustCompile(`\[#([0-9]{1,9})\]`)

// parseMail reads a raw RFC 5322 message. It fails only when there is no header to
// read; a body it cannot decode is dropped rather than refused, since the subject
// alone is enough to raise an incident.
func parseMail(raw []byte) (message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return message{}, fmt.Errorf("read message: %w", err)
	}
	var out message
	out.MessageID = oneLine(m.Header.Get("Message-Id"))
	subject := decodeHeader(m.Header.Get("Subject"))
	if loc := incidentTag.FindStringSubmatchIndex(subject); loc != nil {
		n, err := strconv.Atoi(subject[loc[2]:loc[3]])
		if err == nil && n > 0 {
			out.Incident = n
			subject = subject[:loc[0]] + subject[loc[1]:]
		}
	}
	out.Title = title(subject)
	body, err := textBody(m.Header, m.Body, 0)
	if err == nil {
		out.Body = body
	}
	return out, nil
}

// header is the part of a MIME header the body decoder needs: mail.Header at the top,
// textproto.MIMEHeader in a multipart part.
type header interface {
	Get(key string) string
}

// textBody returns the plain text of an entity: itself when it is text/plain (or has
// no Content-Type), else the first text/plain part of a multipart entity that is not
// an attachment; "" when there is none.
func textBody(h header, body io.Reader, depth int) (string, error) {
	if depth > maxDepth {
		return "", errors.New("parts nest too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("content type %q: %w", ct, err)
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if params["boundary"] == "" {
			return "", errors.New("multipart without a boundary")
		}
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				return "", nil
			}
			if err != nil {
				return "", fmt.Errorf("multipart: %w", err)
			}
			if d, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); d == "attachment" {
				continue
			}
			// multipart.Part decodes quoted-printable itself and hides the header.
			text, err := textBody(p.Header, p, depth+1)
			if err != nil {
				return "", err
			}
			if text != "" {
				return text, nil
			}
		}
	case mt == "text/plain":
		data, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
		if err != nil {
			return "", fmt.Errorf("decode body: %w", err)
		}
		return cleanText(toUTF8(params["charset"], data)), nil
	}
	return "", nil
}

// transferDecoder undoes a Content-Transfer-Encoding; 7bit, 8bit and binary need
// nothing.
func transferDecoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &lineJoiner{r: r})
	}
	return r
}

// lineJoiner drops the line breaks (and any other whitespace) that split base64
// text into lines: the standard decoder skips CR and LF but not spaces or tabs.
type lineJoiner struct{ r io.Reader }

func (l *lineJoiner) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	k := 0
	for _, c := range p[:n] {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			p[k] = c
			k++
		}
	}
	return k, err
}

// toUTF8 converts text in charset to UTF-8. The standard library knows UTF-8,
// US-ASCII and ISO-8859-1 (and Windows-1252 is read as ISO-8859-1, which it extends);
// anything else is kept where it is valid UTF-8 and replaced where it is not.
func toUTF8(charset string, data []byte) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252":
		var b strings.Builder
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return b.String()
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

// cleanText makes line ends LF and trims the text.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// decodeHeader decodes RFC 2047 encoded words ("=?UTF-8?Q?Caf=C3=A9?="); a header
// it cannot decode is kept as written.
func decodeHeader(v string) string {
	d := mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(toUTF8(charset, data)), nil
	}}
	if s, err := d.DecodeHeader(v); err == nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// oneLine folds whitespace and control characters into single spaces.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// title is the subject on one line, cut to maxTitle runes; a mail without a subject
// still gets a title, since a title is what an incident must have.
func title(subject string) string {
	t := oneLine(subject)
	if utf8.RuneCountInString(t) > maxTitle {
		t = strings.TrimSpace(string([]rune(t)[:maxTitle-1])) + "…"
	}
	if t == "" {
		t = "E-mail without a subject"
	}
	return t
}

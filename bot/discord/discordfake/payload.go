package discordfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message limits Discord enforces for bots.
const (
	maxContentLength = 2000
	maxFiles         = 10
	maxFileSize      = 10 << 20
	maxNonceLength   = 25
	maxStickers      = 3
)

// Message flags.
const (
	FlagSuppressEmbeds        = 1 << 2
	FlagEphemeral             = 1 << 6
	FlagLoading               = 1 << 7
	FlagSuppressNotifications = 1 << 12
	FlagComponentsV2          = 1 << 15
)

// Attachment is a file uploaded with a message (multipart files[n]).
type Attachment struct {
	ID          string
	Filename    string
	ContentType string
	Size        int
	Data        []byte
}

func attachmentJSON(a Attachment) map[string]any {
	return map[string]any{
		"id": a.ID, "filename": a.Filename, "size": a.Size, "content_type": a.ContentType,
		"url":       "https://cdn.discordapp.com/attachments/" + a.ID + "/" + a.Filename,
		"proxy_url": "https://media.discordapp.net/attachments/" + a.ID + "/" + a.Filename,
	}
}

// isFileField reports whether a multipart field name carries a file:
// files[n], file or fileN.
func isFileField(name string) bool {
	digits := func(s string) bool {
		for _, r := range s {
			if r < '0' || r > '9' {
				return false
			}
		}
		return true
	}
	if strings.HasPrefix(name, "files[") && strings.HasSuffix(name, "]") {
		inner := name[len("files[") : len(name)-1]
		return inner != "" && digits(inner)
	}
	return strings.HasPrefix(name, "file") && digits(name[len("file"):])
}

// readPayload returns the JSON payload of a request and its uploaded files.
// A multipart/form-data body carries the JSON in payload_json and files in
// files[n] parts.
func readPayload(q *request) ([]byte, []Attachment, *reply) {
	mediaType, params, err := mime.ParseMediaType(q.http.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return q.body, nil, nil
	}
	mr := multipart.NewReader(bytes.NewReader(q.body), params["boundary"])
	var payload []byte
	var files []Attachment
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r := errReply(http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
			return nil, nil, &r
		}
		data, err := io.ReadAll(io.LimitReader(part, maxFileSize+1))
		if err != nil {
			r := errReply(http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
			return nil, nil, &r
		}
		name := part.FormName()
		switch {
		case name == "payload_json":
			payload = data
		case isFileField(name):
			if len(data) > maxFileSize {
				r := errReply(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "Request entity too large")
				return nil, nil, &r
			}
			ct := part.Header.Get("Content-Type")
			if ct == "" {
				ct = "application/octet-stream"
			}
			files = append(files, Attachment{Filename: part.FileName(), ContentType: ct, Size: len(data), Data: data})
		}
	}
	if len(files) > maxFiles {
		var f formErrors
		f.maxLength("files", maxFiles)
		r := f.reply()
		return nil, nil, &r
	}
	return payload, files, nil
}

// messageBody is the wire form of a message payload.
type messageBody struct {
	Content          json.RawMessage `json:"content"`
	Embeds           json.RawMessage `json:"embeds"`
	Embed            json.RawMessage `json:"embed"`
	Components       json.RawMessage `json:"components"`
	AllowedMentions  json.RawMessage `json:"allowed_mentions"`
	Nonce            json.RawMessage `json:"nonce"`
	EnforceNonce     *bool           `json:"enforce_nonce"`
	TTS              *bool           `json:"tts"`
	Flags            *int            `json:"flags"`
	MessageReference json.RawMessage `json:"message_reference"`
	StickerIDs       []string        `json:"sticker_ids"`
	Attachments      json.RawMessage `json:"attachments"`
	Poll             json.RawMessage `json:"poll"`
}

// messageInput is a validated message payload. Pointer and *Set fields tell
// what was sent, which matters for edits.
type messageInput struct {
	content         *string
	embeds          json.RawMessage
	embedsSet       bool
	components      json.RawMessage
	componentsSet   bool
	allowed         *allowedMentions
	allowedRaw      json.RawMessage
	nonce           string
	nonceRaw        json.RawMessage
	enforceNonce    bool
	tts             bool
	flags           int
	flagsSet        bool
	referenceID     string
	stickers        int
	poll            bool
	files           []Attachment
	attachmentsSet  bool
	keepAttachments []string
}

func present(raw json.RawMessage) bool { return raw != nil }

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

// parseMessage validates a message payload. allowedFlags are the flags the
// caller may set; other bits are dropped, as Discord ignores them.
func parseMessage(payload []byte, files []Attachment, allowedFlags int) (*messageInput, *reply) {
	var b messageBody
	if r := decodeJSON(payload, &b); r != nil {
		return nil, r
	}
	var f formErrors
	in := &messageInput{files: files}

	if present(b.Content) {
		var c string
		if !isNull(b.Content) {
			if err := json.Unmarshal(b.Content, &c); err != nil {
				f.add("content", "BASE_TYPE_STRING", "Must be a string.")
			}
		}
		if utf8.RuneCountInString(c) > maxContentLength {
			f.maxLength("content", maxContentLength)
		}
		in.content = &c
	}
	if b.Flags != nil {
		in.flags, in.flagsSet = *b.Flags&allowedFlags, true
	}
	embeds := b.Embeds
	if !present(embeds) && present(b.Embed) && !isNull(b.Embed) {
		embeds = json.RawMessage("[" + string(b.Embed) + "]")
	}
	if present(embeds) {
		in.embeds, in.embedsSet = validateEmbeds(embeds, &f), true
	}
	if present(b.Components) {
		in.components, in.componentsSet = validateMessageComponents(b.Components, in.flags&FlagComponentsV2 != 0, &f), true
	}
	if in.flags&FlagComponentsV2 != 0 {
		if in.content != nil && *in.content != "" {
			f.add("content", "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")
		}
		if !emptyArray(in.embeds) {
			f.add("embeds", "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")
		}
	}
	if present(b.AllowedMentions) && !isNull(b.AllowedMentions) {
		in.allowed = parseAllowedMentions(b.AllowedMentions, &f)
		in.allowedRaw = compactJSON(b.AllowedMentions)
	}
	if present(b.Nonce) && !isNull(b.Nonce) {
		in.nonce, in.nonceRaw = parseNonce(b.Nonce, &f)
	}
	if b.EnforceNonce != nil {
		in.enforceNonce = *b.EnforceNonce
	}
	if b.TTS != nil {
		in.tts = *b.TTS
	}
	if present(b.MessageReference) && !isNull(b.MessageReference) {
		var ref struct {
			MessageID string `json:"message_id"`
		}
		if err := json.Unmarshal(b.MessageReference, &ref); err != nil || !isSnowflake(ref.MessageID) {
			f.add("message_reference", "MESSAGE_REFERENCE_INVALID", "Invalid message reference")
		}
		in.referenceID = ref.MessageID
	}
	if len(b.StickerIDs) > maxStickers {
		f.maxLength("sticker_ids", maxStickers)
	}
	in.stickers = len(b.StickerIDs)
	in.poll = present(b.Poll) && !isNull(b.Poll)
	if present(b.Attachments) && !isNull(b.Attachments) {
		var atts []struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(b.Attachments, &atts); err != nil {
			f.add("attachments", "BASE_TYPE_ARRAY", "Must be an array.")
		}
		if len(atts) > maxFiles {
			f.maxLength("attachments", maxFiles)
		}
		in.attachmentsSet = true
		for _, a := range atts {
			in.keepAttachments = append(in.keepAttachments, strings.Trim(string(a.ID), `"`))
		}
	}
	if !f.empty() {
		r := f.reply()
		return nil, &r
	}
	return in, nil
}

// parseNonce accepts an integer or a string of at most 25 characters.
func parseNonce(raw json.RawMessage, f *formErrors) (string, json.RawMessage) {
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		if utf8.RuneCountInString(str) > maxNonceLength {
			f.maxLength("nonce", maxNonceLength)
		}
		return str, compactJSON(raw)
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return n.String(), compactJSON(raw)
		}
	}
	f.add("nonce", "BASE_TYPE_STRING", "Must be a string or an integer.")
	return "", nil
}

// compactJSON returns raw without insignificant whitespace.
func compactJSON(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return buf.Bytes()
}

// emptyArray reports whether raw is nil, null or [].
func emptyArray(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == "[]"
}

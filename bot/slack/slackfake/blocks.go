package slackfake

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Limits from Slack's Block Kit and chat.* documentation.
const (
	maxMessageText        = 40000
	maxMessageBlocks      = 50
	maxViewBlocks         = 100
	maxAttachments        = 100
	maxBlockID            = 255
	maxSectionText        = 3000
	maxSectionFields      = 10
	maxSectionFieldText   = 2000
	maxHeaderText         = 150
	maxActionsElements    = 25
	maxContextElements    = 10
	maxInputLabel         = 2000
	maxImageAltText       = 2000
	maxPlainTextViewTitle = 24
)

// knownBlockTypes are the layout blocks Slack accepts (the set slack-go v0.35 models).
func knownBlockType(t string) bool {
	switch t {
	case "section", "divider", "image", "actions", "context", "context_actions", "file",
		"input", "header", "rich_text", "call", "video", "markdown", "table", "data_table",
		"data_visualization", "task_card", "plan", "alert", "card", "carousel":
		return true
	}
	return false
}

// content is the message body of chat.postMessage, chat.update, response URLs ...
type content struct {
	text           string
	blocks         json.RawMessage // nil when the caller sent no blocks argument
	attachments    json.RawMessage // nil when the caller sent no attachments argument
	hasBlocks      bool            // at least one block
	hasAttachments bool            // at least one attachment
}

// parseContent validates text, blocks and attachments. requireBody demands at
// least one of them (Slack's no_text). It returns the Slack error code and,
// for block errors, Slack-style response_metadata messages.
func parseContent(text string, blocks, attachments *string, requireBody bool) (content, string, []string) {
	ct := content{text: text}
	if utf8.RuneCountInString(text) > maxMessageText {
		return ct, "msg_too_long", nil
	}
	if blocks != nil && *blocks != "" {
		raw, n, code, msgs := validateBlocks(*blocks, maxMessageBlocks, "/blocks")
		if code != "" {
			return ct, code, msgs
		}
		ct.blocks, ct.hasBlocks = raw, n > 0
	}
	if attachments != nil && *attachments != "" {
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(*attachments), &list); err != nil {
			return ct, "invalid_attachments", nil
		}
		if len(list) > maxAttachments {
			return ct, "too_many_attachments", nil
		}
		ct.attachments, ct.hasAttachments = json.RawMessage(*attachments), len(list) > 0
	}
	if requireBody && text == "" && !ct.hasBlocks && !ct.hasAttachments {
		return ct, "no_text", nil
	}
	return ct, "", nil
}

func optional(p params, k string) *string {
	if !p.has(k) {
		return nil
	}
	v := p.get(k)
	return &v
}

// validateBlocks checks a JSON array of layout blocks and returns it
// normalized (null becomes []), the block count, and an error code with
// messages in Slack's "[ERROR] ... [json-pointer:...]" style.
func validateBlocks(js string, maxBlocks int, pointer string) (json.RawMessage, int, string, []string) {
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(js), &list); err != nil {
		return nil, 0, "invalid_blocks_format", []string{"[ERROR] must be an array [json-pointer:" + pointer + "]"}
	}
	if list == nil {
		return json.RawMessage("[]"), 0, "", nil
	}
	if len(list) > maxBlocks {
		return nil, 0, "invalid_blocks", []string{fmt.Sprintf("[ERROR] no more than %d items allowed [json-pointer:%s]", maxBlocks, pointer)}
	}
	seen := map[string]bool{}
	var msgs []string
	for i, b := range list {
		at := fmt.Sprintf("%s/%d", pointer, i)
		if m := validateBlock(b, at, seen); m != "" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) > 0 {
		return nil, 0, "invalid_blocks", msgs
	}
	return json.RawMessage(js), len(list), "", nil
}

func validateBlock(raw json.RawMessage, at string, seen map[string]bool) string {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(raw, &b); err != nil {
		return "[ERROR] must be an object [json-pointer:" + at + "]"
	}
	var typ, id string
	_ = json.Unmarshal(b["type"], &typ)
	if !knownBlockType(typ) {
		return fmt.Sprintf("[ERROR] unsupported type: %q [json-pointer:%s/type]", typ, at)
	}
	if rawID, ok := b["block_id"]; ok {
		if json.Unmarshal(rawID, &id) != nil || id == "" || len(id) > maxBlockID {
			return "[ERROR] must be a non-empty string of at most 255 characters [json-pointer:" + at + "/block_id]"
		}
		if seen[id] {
			return "[ERROR] duplicate block_id: " + id + " [json-pointer:" + at + "/block_id]"
		}
		seen[id] = true
	}
	switch typ {
	case "section":
		_, hasText := b["text"]
		_, hasFields := b["fields"]
		if !hasText && !hasFields {
			return "[ERROR] must provide either text or fields [json-pointer:" + at + "]"
		}
		if hasText {
			if m := checkText(b["text"], 1, maxSectionText, false, at+"/text"); m != "" {
				return m
			}
		}
		if hasFields {
			var fields []json.RawMessage
			if json.Unmarshal(b["fields"], &fields) != nil || len(fields) > maxSectionFields {
				return fmt.Sprintf("[ERROR] must be an array of at most %d items [json-pointer:%s/fields]", maxSectionFields, at)
			}
			for j, f := range fields {
				if m := checkText(f, 1, maxSectionFieldText, false, fmt.Sprintf("%s/fields/%d", at, j)); m != "" {
					return m
				}
			}
		}
	case "header":
		return checkText(b["text"], 1, maxHeaderText, true, at+"/text")
	case "actions":
		return checkArray(b["elements"], maxActionsElements, at+"/elements")
	case "context":
		return checkArray(b["elements"], maxContextElements, at+"/elements")
	case "input":
		if m := checkText(b["label"], 1, maxInputLabel, true, at+"/label"); m != "" {
			return m
		}
		if _, ok := b["element"]; !ok {
			return "[ERROR] missing required field: element [json-pointer:" + at + "]"
		}
	case "image":
		_, hasURL := b["image_url"]
		_, hasFile := b["slack_file"]
		if !hasURL && !hasFile {
			return "[ERROR] must provide either image_url or slack_file [json-pointer:" + at + "]"
		}
		var alt string
		if json.Unmarshal(b["alt_text"], &alt) != nil || alt == "" || utf8.RuneCountInString(alt) > maxImageAltText {
			return "[ERROR] missing required field: alt_text [json-pointer:" + at + "]"
		}
	}
	return ""
}

// checkText validates a text composition object.
func checkText(raw json.RawMessage, minLen, maxLen int, plainOnly bool, at string) string {
	var t struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if raw == nil || json.Unmarshal(raw, &t) != nil || t.Text == nil {
		return "[ERROR] missing required field: text [json-pointer:" + at + "]"
	}
	switch {
	case t.Type != "plain_text" && t.Type != "mrkdwn":
		return "[ERROR] must be plain_text or mrkdwn [json-pointer:" + at + "/type]"
	case plainOnly && t.Type != "plain_text":
		return "[ERROR] must be plain_text [json-pointer:" + at + "/type]"
	}
	n := utf8.RuneCountInString(*t.Text)
	if n < minLen || n > maxLen {
		return fmt.Sprintf("[ERROR] must be between %d and %d characters [json-pointer:%s/text]", minLen, maxLen, at)
	}
	return ""
}

func checkArray(raw json.RawMessage, maxItems int, at string) string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 || len(list) > maxItems {
		return fmt.Sprintf("[ERROR] must be an array of 1 to %d items [json-pointer:%s]", maxItems, at)
	}
	return ""
}

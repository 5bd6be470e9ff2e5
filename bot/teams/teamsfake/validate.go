package teamsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// attachmentTypes are the card content types Teams renders.
var attachmentTypes = map[string]bool{
	AdaptiveCard:                                         true,
	"application/vnd.microsoft.card.hero":                true,
	"application/vnd.microsoft.card.thumbnail":           true,
	"application/vnd.microsoft.card.oauth":               true,
	"application/vnd.microsoft.card.signin":              true,
	"application/vnd.microsoft.card.receipt":             true,
	"application/vnd.microsoft.teams.card.o365connector": true,
	"application/vnd.microsoft.teams.card.list":          true,
	"application/vnd.microsoft.teams.card.file.consent":  true,
}

// validateActivity parses an outgoing activity and checks it as the
// Connector does; status is 0 when it may go.
func validateActivity(raw []byte) (a Activity, status int, code, msg string) {
	bad := func(format string, args ...any) (Activity, int, string, string) {
		return Activity{}, http.StatusBadRequest, "BadRequest", fmt.Sprintf(format, args...)
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return Activity{}, http.StatusBadRequest, "BadRequest", "The request body is not a valid activity: " + err.Error()
	}
	for i, at := range a.Attachments {
		if at.ContentType == AdaptiveCard && len(at.Content) > maxCardBytes {
			return Activity{}, http.StatusRequestEntityTooLarge, "MessageSizeTooBig",
				fmt.Sprintf("Message size too large: the Adaptive Card in attachment %d is %d bytes, over the 40 KB limit.", i, len(at.Content))
		}
	}
	if len(raw) > maxActivityBytes {
		return Activity{}, http.StatusRequestEntityTooLarge, "MessageSizeTooBig",
			fmt.Sprintf("Message size too large: the activity is %d bytes, over the 28 KB limit.", len(raw))
	}
	switch a.Type {
	case "message", "typing":
	case "":
		return bad("The activity has no type.")
	default:
		return bad("Unsupported activity type %q: a bot sends \"message\" activities.", a.Type)
	}
	switch a.TextFormat {
	case "", "markdown", "plain", "xml":
	default:
		return bad("Unknown textFormat %q.", a.TextFormat)
	}
	if a.Type == "message" && strings.TrimSpace(a.Text) == "" && len(a.Attachments) == 0 {
		return bad("The message has no text and no attachments.")
	}
	for i, at := range a.Attachments {
		switch {
		case at.ContentType == "":
			return bad("Attachment %d has no contentType.", i)
		case strings.HasPrefix(at.ContentType, "image/"):
			if at.ContentURL == "" {
				return bad("Attachment %d (%s) has no contentUrl.", i, at.ContentType)
			}
		case !attachmentTypes[at.ContentType]:
			return bad("Attachment %d has an unknown contentType %q.", i, at.ContentType)
		case at.ContentType == AdaptiveCard:
			if m := checkCard(at.Content); m != "" {
				return bad("Attachment %d: %s", i, m)
			}
		}
	}
	return a, 0, "", ""
}

// checkCard names what is wrong with an Adaptive Card's content, "" if nothing.
func checkCard(content json.RawMessage) string {
	if len(content) == 0 {
		return "the Adaptive Card has no content."
	}
	var card struct {
		Type    *string `json:"type"`
		Version *string `json:"version"`
	}
	if err := json.Unmarshal(content, &card); err != nil {
		return "the Adaptive Card content is not a JSON object: " + err.Error()
	}
	switch {
	case card.Type == nil || *card.Type != "AdaptiveCard":
		return `the Adaptive Card content must have "type":"AdaptiveCard".`
	case card.Version == nil || *card.Version == "":
		return `the Adaptive Card content has no "version".`
	}
	return ""
}

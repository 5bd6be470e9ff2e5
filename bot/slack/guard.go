package slack

import (
	"net/http"
	"time"

	"mimbot/internal/httpguard"
)

// The content types Slack posts with.
const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// guarded puts h behind the checks that precede the signature: the content type
// Slack sends, and the refusal of a signed request sent again (same timestamp and
// body), which Slack's five-minute window alone would accept.
func guarded(contentType string, h http.HandlerFunc) http.HandlerFunc {
	g := &httpguard.ReplayGuard{TimestampHeader: "X-Slack-Request-Timestamp", Window: 5 * time.Minute, Limit: maxInteractionBody}
	return httpguard.ContentType(contentType, g.Wrap(h))
}

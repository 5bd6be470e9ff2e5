package discord

import (
	"net/http"

	"mimbot/internal/httpguard"
)

// guarded puts h behind the checks that precede the signature: Discord posts JSON,
// and a signed interaction sent again (same timestamp and body) within the
// signature window is refused.
func guarded(h http.HandlerFunc) http.HandlerFunc {
	g := &httpguard.ReplayGuard{TimestampHeader: "X-Signature-Timestamp", Window: signatureWindow, Limit: maxInteractionBody}
	return httpguard.ContentType("application/json", g.Wrap(h))
}

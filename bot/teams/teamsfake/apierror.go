package teamsfake

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

// obj is a JSON object under construction.
type obj = map[string]any

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the Connector's error shape,
// {"error":{"code":"...","message":"..."}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, obj{"error": obj{"code": code, "message": message}})
}

// writeGraphError answers with Graph's error shape, which adds innerError.
func (s *Server) writeGraphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, obj{"error": obj{
		"code":    code,
		"message": message,
		"innerError": obj{
			"date":       s.now().UTC().Format("2006-01-02T15:04:05"),
			"request-id": s.newGUID(),
		},
	}})
}

// setRetryAfter sets Retry-After in whole seconds, rounded up: waiting what
// it says is never early.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(d)))
}

func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

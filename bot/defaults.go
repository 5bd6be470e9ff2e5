package bot

import (
	"log/slog"
	"net/http"
	"time"

	"mimbot/mim"
)

// Defaults fills the settings every chat adapter has, where its configuration left
// them unset: an HTTP client with a 30-second timeout, 32 workers for the work done
// after answers, the system clock, and a logger that discards.
func Defaults(hc **http.Client, workers *int, clock *mim.Clock, log **slog.Logger) {
	if *hc == nil {
		*hc = &http.Client{Timeout: 30 * time.Second}
	}
	if *workers <= 0 {
		*workers = 32
	}
	if *clock == nil {
		*clock = mim.SystemClock{}
	}
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
}

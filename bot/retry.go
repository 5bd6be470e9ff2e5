package bot

import "time"

// Retry discipline of one call to a chat platform, the same on every platform.
const (
	// MaxWait bounds the time one call may spend waiting for rate limits and retries:
	// beyond it the outbox relay (whose lease is 30 s) had better try again later.
	MaxWait = 20 * time.Second
	// MaxTries bounds the attempts after server and network failures.
	MaxTries = 4
	// MaxRateLimited bounds the attempts answered 429.
	MaxRateLimited = 6
)

// Backoff is the pause before the next attempt after n failures: 250 ms, 500 ms,
// 1 s ... 8 s.
func Backoff(n int) time.Duration {
	return 250 * time.Millisecond << min(max(n-1, 0), 5)
}

package chaos

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// seed is MIMBOT_CHAOS_SEED when set (to replay a run), else a new one; the
// scenario prints it.
func seed(t *testing.T) int64 {
	t.Helper()
	if v := os.Getenv("MIMBOT_CHAOS_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("MIMBOT_CHAOS_SEED=%s: %v", v, err)
		}
		return s
	}
	return time.Now().UnixNano() % 1e9
}

package discordfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"sync"
	"time"
)

// discordEpochMS is the first millisecond of 2015, the epoch of Discord
// snowflakes.
const discordEpochMS = 1420070400000

// snowflakes hands out Discord-style snowflake ids (milliseconds since the
// Discord epoch shifted left by 22 bits). Ids are strictly increasing even when
// the clock stands still or goes backwards, so ordering by id is ordering by
// creation, as on Discord.
type snowflakes struct {
	mu    sync.Mutex
	clock func() time.Time
	last  uint64
}

func (g *snowflakes) next() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.clock().UnixMilli() - discordEpochMS
	if ms < 0 {
		ms = 0
	}
	id := uint64(ms) << 22
	if id <= g.last {
		id = g.last + 1
	}
	g.last = id
	return strconv.FormatUint(id, 10)
}

// randomToken returns n random bytes encoded as unpadded URL-safe base64.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("discordfake: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomHex returns n random bytes as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("discordfake: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// snowflakeTime returns the creation time encoded in a snowflake, or the zero
// time if id is not a snowflake.
func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpochMS).UTC()
}

// isSnowflake reports whether s looks like a snowflake id.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

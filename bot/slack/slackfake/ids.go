package slackfake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// nextIDLocked returns a new Slack-style id with the given prefix (C, D, G,
// U, F, V, Bk, Ev ...). The caller holds s.mu.
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%08X", prefix, s.seq)
}

// nextTSLocked returns a message timestamp ("1700000000.000100": seconds and
// microseconds) strictly greater than every timestamp issued before, even when
// the clock stands still or goes backwards. The caller holds s.mu.
func (s *Server) nextTSLocked() string {
	us := s.now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return formatTS(us)
}

func formatTS(us int64) string {
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}

// validTS reports whether ts looks like a Slack message timestamp.
func validTS(ts string) bool {
	sec, frac, ok := strings.Cut(ts, ".")
	if !ok || sec == "" || frac == "" {
		return false
	}
	if _, err := strconv.ParseUint(sec, 10, 63); err != nil {
		return false
	}
	_, err := strconv.ParseUint(frac, 10, 63)
	return err == nil
}

// tsMicros converts a valid timestamp to microseconds for ordering. Fractions
// longer than six digits are truncated.
func tsMicros(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	frac = (frac + "000000")[:6]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return s*1_000_000 + f
}

func randomHex(nBytes int) string {
	b := make([]byte, nBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newEnvelopeID returns a UUID-shaped id like Slack's Socket Mode envelope ids.
func newEnvelopeID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

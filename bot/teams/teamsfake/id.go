package teamsfake

import (
	"crypto/rand"
	"fmt"
	"strconv"
)

// newGUID returns a random version-4 GUID.
func (s *Server) newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// nextIDLocked returns a new message id: epoch milliseconds, strictly increasing.
func (s *Server) nextIDLocked() string {
	ms := s.now().UnixMilli()
	if ms <= s.lastID {
		ms = s.lastID + 1
	}
	s.lastID = ms
	return strconv.FormatInt(ms, 10)
}

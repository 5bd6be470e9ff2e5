package teamsfake

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type conversation struct {
	id    string
	kind  string
	user  string
	posts []*Activity
	known map[string]string
}

type channel struct {
	Channel
	general bool
}

// Channel is a team channel as Graph shows it.
type Channel struct {
	ID, DisplayName, Description, MembershipType, WebURL string
	CreatedAt                                            time.Time
	Archived                                             bool
}

// Meeting is an online meeting created through Graph.
type Meeting struct{ ID, Organizer, Subject, JoinURL string }

const generalName = "General"

func (s *Server) addChannelLocked(name, desc string) *channel {
	id := "19:" + strings.ReplaceAll(s.newGUID(), "-", "") + "@thread.tacv2"
	c := &channel{Channel: Channel{ID: id, DisplayName: name, Description: desc, MembershipType: "standard", CreatedAt: s.now()}}
	s.channels[id] = c
	s.chanOrder = append(s.chanOrder, id)
	s.convs[id] = &conversation{id: id, kind: "channel", known: map[string]string{}}
	return c
}

func (s *Server) personalLocked(aad string) string {
	if c, ok := s.personal[aad]; ok {
		return c
	}
	s.seq++
	id := fmt.Sprintf("a:1%s-%d", strings.ReplaceAll(aad, "-", ""), s.seq)
	s.personal[aad] = id
	s.convs[id] = &conversation{id: id, kind: "personal", user: aad, known: map[string]string{}}
	return id
}

func (s *Server) newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *Server) serveConnector(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request)     { http.NotFound(w, r) }

// ChannelByName finds a live channel by display name, case-insensitively.
func (s *Server) ChannelByName(name string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.chanOrder {
		if c := s.channels[id]; strings.EqualFold(c.DisplayName, name) {
			return c.Channel, true
		}
	}
	return Channel{}, false
}

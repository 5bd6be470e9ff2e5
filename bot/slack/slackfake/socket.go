package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ticketTTL is how long a URL from apps.connections.open may be dialed.
const ticketTTL = 30 * time.Second

// disconnectGrace is how long the fake waits after a "disconnect" message
// before closing a connection the client has not closed itself.
const disconnectGrace = 2 * time.Second

// ErrNotConnected is returned by the Send* methods when no Socket Mode client
// is connected.
var ErrNotConnected = errors.New("slackfake: no socket mode connection")

type socketConn struct {
	id   int
	ws   *websocket.Conn
	wmu  sync.Mutex
	once sync.Once
	done chan struct{}
}

func (c *socketConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (c *socketConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

type pendingAck struct {
	rec  *Ack
	done chan struct{}
}

type socketHub struct {
	s       *Server
	mu      sync.Mutex
	tickets map[string]time.Time
	conns   []*socketConn
	nextID  int
	rr      int
	changed chan struct{} // closed and replaced whenever conns changes
	pending map[string]*pendingAck
	acks    []*Ack
	hellos  int
}

func newSocketHub(s *Server) *socketHub {
	return &socketHub{s: s, tickets: map[string]time.Time{}, changed: make(chan struct{}),
		pending: map[string]*pendingAck{}}
}

func (h *socketHub) issueTicket(now time.Time) string {
	t := randomHex(16)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tickets[t] = now
	return t
}

// redeem consumes a ticket; each works once, within ticketTTL.
func (h *socketHub) redeem(t string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	issued, ok := h.tickets[t]
	delete(h.tickets, t)
	return ok && now.Sub(issued) <= ticketTTL
}

func (h *socketHub) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *socketHub) remove(c *socketConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.conns {
		if x == c {
			h.conns = append(h.conns[:i:i], h.conns[i+1:]...)
			h.notifyLocked()
			return
		}
	}
}

// pick returns the next connection round-robin, as Slack spreads envelopes
// over an app's connections.
func (h *socketHub) pick() *socketConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.conns) == 0 {
		return nil
	}
	h.rr = (h.rr + 1) % len(h.conns)
	return h.conns[h.rr]
}

func (h *socketHub) snapshotConns() []*socketConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*socketConn(nil), h.conns...)
}

func (h *socketHub) closeAll() {
	for _, c := range h.snapshotConns() {
		c.close()
		h.remove(c)
	}
}

// serveSocket upgrades /socket?ticket=... and runs the connection: hello,
// periodic pings, and reading acks.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if !s.hub.redeem(r.URL.Query().Get("ticket"), s.now()) {
		http.Error(w, "invalid, used or expired ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("slackfake: websocket upgrade", "err", err)
		return
	}
	h := s.hub
	h.mu.Lock()
	h.nextID++
	c := &socketConn{id: h.nextID, ws: ws, done: make(chan struct{})}
	n := len(h.conns) + 1
	h.mu.Unlock()

	hello := obj{"type": "hello", "num_connections": n,
		"debug_info":      obj{"host": "applink-slackfake", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": obj{"app_id": s.opts.AppID}}
	if err := c.writeJSON(hello); err != nil {
		c.close()
		return
	}
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.hellos++
	h.notifyLocked()
	h.mu.Unlock()

	go s.pingLoop(c)
	s.readLoop(c)
}

func (s *Server) pingLoop(c *socketConn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)); err != nil {
				s.hub.remove(c)
				c.close()
				return
			}
		}
	}
}

// readLoop reads the client's acks until the connection ends.
func (s *Server) readLoop(c *socketConn) {
	defer func() {
		s.hub.remove(c)
		c.close()
	}()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &ack); err != nil || ack.EnvelopeID == "" {
			s.log.Debug("slackfake: unexpected socket message", "data", string(data))
			continue
		}
		if rec, ok := s.hub.acked(ack.EnvelopeID, ack.Payload, s.now()); ok {
			s.ackMessage(rec)
		}
	}
}

func (h *socketHub) acked(id string, payload json.RawMessage, at time.Time) (Ack, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pending[id]
	if p == nil {
		h.s.log.Debug("slackfake: ack for unknown or already acked envelope", "envelope_id", id)
		return Ack{}, false
	}
	delete(h.pending, id)
	p.rec.Acked = true
	p.rec.Latency = at.Sub(p.rec.SentAt)
	p.rec.Late = p.rec.Latency > AckDeadline
	if len(payload) > 0 && string(payload) != "null" {
		p.rec.Payload = append(json.RawMessage(nil), payload...)
	}
	close(p.done)
	return *p.rec, true
}

// deliver sends one envelope to a connected client and waits for its ack or
// for ctx to end. An ack that arrives after ctx ended still updates the
// record returned by Acks.
func (s *Server) deliver(ctx context.Context, typ string, payload any, rec Ack) (Ack, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return rec, err
	}
	c := s.hub.pick()
	if c == nil {
		return rec, ErrNotConnected
	}
	rec.EnvelopeID, rec.Type, rec.Transport = newEnvelopeID(), typ, "socket"
	env := obj{"envelope_id": rec.EnvelopeID, "type": typ, "payload": json.RawMessage(body),
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""}
	h := s.hub
	p := &pendingAck{rec: &rec, done: make(chan struct{})}
	h.mu.Lock()
	rec.SentAt = s.now()
	h.pending[rec.EnvelopeID] = p
	h.acks = append(h.acks, p.rec)
	h.mu.Unlock()
	if err := c.writeJSON(env); err != nil {
		h.mu.Lock()
		delete(h.pending, rec.EnvelopeID)
		h.mu.Unlock()
		h.remove(c)
		c.close()
		return h.copyAck(p.rec), err
	}
	select {
	case <-p.done:
		return h.copyAck(p.rec), nil
	case <-ctx.Done():
		return h.copyAck(p.rec), ctx.Err()
	}
}

func (h *socketHub) copyAck(a *Ack) Ack {
	h.mu.Lock()
	defer h.mu.Unlock()
	return *a
}

// WaitConnected blocks until at least n Socket Mode connections are open.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	for {
		s.hub.mu.Lock()
		have, ch := len(s.hub.conns), s.hub.changed
		s.hub.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SocketConnections returns the number of open Socket Mode connections.
func (s *Server) SocketConnections() int {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return len(s.hub.conns)
}

// Hellos returns how many Socket Mode connections were opened (each got a
// hello), including ones since closed.
func (s *Server) Hellos() int {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.hub.hellos
}

// DisconnectAll sends every connection Slack's {"type":"disconnect"} message
// with the given reason ("refresh_requested", "warning", "link_disabled")
// and closes it if the client has not done so after a short grace period.
// slack-go's socketmode client reconnects through apps.connections.open.
func (s *Server) DisconnectAll(reason string) {
	msg := obj{"type": "disconnect", "reason": reason, "debug_info": obj{"host": "applink-slackfake"}}
	for _, c := range s.hub.snapshotConns() {
		s.hub.remove(c)
		_ = c.writeJSON(msg)
		time.AfterFunc(disconnectGrace, c.close)
	}
}

// DropConnections closes every Socket Mode connection abruptly, without a
// disconnect message, as a network failure would.
func (s *Server) DropConnections() {
	s.hub.closeAll()
}

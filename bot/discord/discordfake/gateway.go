package discordfake

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway intents the fake looks at.
const (
	IntentGuilds         = 1 << 0
	IntentGuildMembers   = 1 << 1
	IntentGuildPresences = 1 << 8
	IntentGuildMessages  = 1 << 9
	IntentDirectMessages = 1 << 12
	IntentMessageContent = 1 << 15
)

const (
	privilegedIntents = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
	validIntents      = 1<<17 - 1 | 1<<20 | 1<<21 | 1<<24 | 1<<25
	// Client payload limits: 120 per 60 s, 4096 bytes each.
	maxClientPayloads = 120
	clientWindow      = 60 * time.Second
	maxPayloadBytes   = 4096
	// replayBuffer is how many dispatches a session keeps for resuming.
	replayBuffer = 1000
)

// Gateway close codes.
const (
	CloseUnknownError         = 4000
	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseRateLimited          = 4008
	CloseSessionTimedOut      = 4009
	CloseInvalidShard         = 4010
	CloseInvalidAPIVersion    = 4012
	CloseInvalidIntents       = 4013
	CloseDisallowedIntents    = 4014
)

// GatewaySession describes a gateway session.
type GatewaySession struct {
	ID          string
	Intents     int
	Shard       [2]int
	Compress    bool
	Sequence    int64
	Connected   bool
	Resumes     int
	Invalidated bool
}

type gateway struct {
	s        *Server
	upgrader websocket.Upgrader

	mu         sync.Mutex
	conns      map[*gwConn]struct{}
	sessions   []*gwSession
	identifies int
	closed     bool
}

// gwSession is a resumable session. mu orders sequence numbers and delivery;
// it may be taken before s.mu but never while s.mu is held.
type gwSession struct {
	id       string
	intents  int
	shard    [2]int
	compress bool

	mu      sync.Mutex
	seq     int64
	buffer  []gwFrame
	conn    *gwConn
	invalid bool
	resumes int
}

type gwFrame struct {
	seq  int64
	data []byte
}

// gwConn is one websocket. Only its writer goroutine writes to ws, so a
// close frame always follows the frames queued before it.
type gwConn struct {
	ws           *websocket.Conn
	out          chan []byte
	closeReq     chan closeRequest
	done         chan struct{}
	once         sync.Once
	serverClosed atomic.Bool
	sess         *gwSession
	gatewayURL   string
	windowStart  time.Time
	windowCount  int
}

// closeRequest asks the writer to stop; code 0 means without a close frame.
type closeRequest struct {
	code   int
	reason string
}

func newGateway(s *Server) *gateway {
	return &gateway{
		s:        s,
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		conns:    map[*gwConn]struct{}{},
	}
}

func (c *gwConn) send(frame []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.out <- frame:
		return true
	default:
		go c.close(CloseUnknownError, "send queue full")
		return false
	}
}

// close asks the writer to flush queued frames, send a close frame and tear
// the connection down.
func (c *gwConn) close(code int, reason string) {
	c.once.Do(func() {
		c.serverClosed.Store(true)
		c.closeReq <- closeRequest{code: code, reason: reason}
	})
}

// shutdown tears down without a close frame (the client went away).
func (c *gwConn) shutdown() {
	c.once.Do(func() { c.closeReq <- closeRequest{} })
}

func (c *gwConn) writer() {
	defer func() {
		close(c.done)
		_ = c.ws.Close()
	}()
	write := func(f []byte) bool {
		_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return c.ws.WriteMessage(websocket.TextMessage, f) == nil
	}
	for {
		select {
		case req := <-c.closeReq:
			if req.code == 0 {
				return
			}
			for {
				select {
				case f := <-c.out:
					if !write(f) {
						return
					}
					continue
				default:
				}
				break
			}
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(req.code, req.reason), time.Now().Add(time.Second))
			return
		case f := <-c.out:
			if !write(f) {
				c.shutdown()
				<-c.closeReq
				return
			}
		}
	}
}

func opFrame(op int, d any) []byte {
	b, _ := json.Marshal(map[string]any{"op": op, "d": d, "s": nil, "t": nil})
	return b
}

// serve upgrades an HTTP request to a gateway connection and runs it.
func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	ws, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws, out: make(chan []byte, 1024), closeReq: make(chan closeRequest, 1), done: make(chan struct{}), gatewayURL: g.s.gatewayURLFor(r)}
	g.mu.Lock()
	g.conns[c] = struct{}{}
	g.mu.Unlock()
	defer g.detach(c)
	go c.writer()
	q := r.URL.Query()
	if v := q.Get("v"); v != "" && v != "9" && v != "10" {
		c.close(CloseInvalidAPIVersion, "Invalid API version.")
		return
	}
	if e := q.Get("encoding"); e != "" && e != "json" {
		c.close(CloseDecodeError, "discordfake only speaks encoding=json")
		return
	}
	if q.Get("compress") != "" {
		c.close(CloseDecodeError, "discordfake does not support transport compression")
		return
	}
	interval := g.s.opts.HeartbeatInterval
	c.send(opFrame(10, map[string]any{"heartbeat_interval": interval.Milliseconds()}))
	g.readLoop(c, interval+interval/2+time.Second)
}

func (g *gateway) readLoop(c *gwConn, timeout time.Duration) {
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(timeout))
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			var ne net.Error
			switch {
			case errors.As(err, &ce):
				// A client closing with 1000/1001 ends its session.
				if !c.serverClosed.Load() && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) && c.sess != nil {
					c.sess.mu.Lock()
					c.sess.invalid = true
					c.sess.mu.Unlock()
				}
			case errors.As(err, &ne) && ne.Timeout():
				c.close(CloseSessionTimedOut, "Session timed out.")
			}
			return
		}
		if mt != websocket.TextMessage || len(data) > maxPayloadBytes {
			c.close(CloseDecodeError, "Error while decoding payload.")
			return
		}
		now := time.Now()
		if now.Sub(c.windowStart) >= clientWindow {
			c.windowStart, c.windowCount = now, 0
		}
		if c.windowCount++; c.windowCount > maxClientPayloads {
			c.close(CloseRateLimited, "You are being rate limited.")
			return
		}
		var p struct {
			Op *int            `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &p); err != nil || p.Op == nil {
			c.close(CloseDecodeError, "Error while decoding payload.")
			return
		}
		switch *p.Op {
		case 1:
			c.send(opFrame(11, nil))
		case 2, 6:
			if c.sess != nil {
				c.close(CloseAlreadyAuthenticated, "Already authenticated.")
				return
			}
			if *p.Op == 2 && !g.identify(c, p.D) {
				return
			}
			if *p.Op == 6 {
				g.resume(c, p.D)
			}
		case 3, 4, 8:
			// Presence, voice state and member requests: accepted, ignored.
			if c.sess == nil {
				c.close(CloseNotAuthenticated, "Not authenticated.")
				return
			}
		default:
			if c.sess == nil {
				c.close(CloseNotAuthenticated, "Not authenticated.")
			} else {
				c.close(CloseUnknownOpcode, "Unknown opcode.")
			}
			return
		}
	}
}

func (g *gateway) tokenOK(t string) bool {
	return strings.TrimPrefix(t, "Bot ") == g.s.opts.BotToken
}

// identify starts a session: READY, then GUILD_CREATE.
func (g *gateway) identify(c *gwConn, raw json.RawMessage) bool {
	var id struct {
		Token    string  `json:"token"`
		Intents  *int    `json:"intents"`
		Shard    *[2]int `json:"shard"`
		Compress bool    `json:"compress"`
	}
	if err := json.Unmarshal(raw, &id); err != nil {
		c.close(CloseDecodeError, "Error while decoding payload.")
		return false
	}
	if !g.tokenOK(id.Token) {
		c.close(CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	if id.Intents == nil || *id.Intents&^validIntents != 0 || *id.Intents < 0 {
		c.close(CloseInvalidIntents, "Invalid intent(s).")
		return false
	}
	if *id.Intents&privilegedIntents&^g.s.opts.AllowedPrivilegedIntents != 0 {
		c.close(CloseDisallowedIntents, "Disallowed intent(s).")
		return false
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
		if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
			c.close(CloseInvalidShard, "Invalid shard.")
			return false
		}
	}
	sess := &gwSession{id: randomHex(16), intents: *id.Intents, shard: shard, compress: id.Compress}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.conn, c.sess = c, sess
	g.mu.Lock()
	g.sessions = append(g.sessions, sess)
	g.identifies++
	g.mu.Unlock()

	s := g.s
	s.mu.Lock()
	me := userJSON(s.botUser)
	me["verified"], me["mfa_enabled"] = true, false
	guilds := []any{}
	if sess.covers(s.opts.GuildID) {
		guilds = append(guilds, map[string]any{"id": s.opts.GuildID, "unavailable": true})
	}
	ready := map[string]any{
		"v": 10, "user": me, "guilds": guilds, "session_id": sess.id,
		"resume_gateway_url": c.gatewayURL, "shard": shard, "session_type": "normal",
		"application":      map[string]any{"id": s.opts.ApplicationID, "flags": 0},
		"private_channels": []any{}, "relationships": []any{}, "presences": []any{},
		"_trace": []string{"discordfake"},
	}
	var guild map[string]any
	if sess.covers(s.opts.GuildID) && sess.intents&IntentGuilds != 0 {
		guild = s.guildJSON()
	}
	s.mu.Unlock()
	g.dispatch(sess, "READY", ready)
	if guild != nil {
		g.dispatch(sess, "GUILD_CREATE", guild)
	}
	return true
}

// resume reattaches a session and replays what it missed, or answers
// op 9 Invalid Session (d: false) so the client identifies again.
func (g *gateway) resume(c *gwConn, raw json.RawMessage) {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(raw, &rs); err != nil {
		c.close(CloseDecodeError, "Error while decoding payload.")
		return
	}
	var sess *gwSession
	g.mu.Lock()
	for _, x := range g.sessions {
		if x.id == rs.SessionID {
			sess = x
		}
	}
	g.mu.Unlock()
	if sess == nil || !g.tokenOK(rs.Token) {
		c.send(opFrame(9, false))
		return
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	first := sess.seq + 1
	if len(sess.buffer) > 0 {
		first = sess.buffer[0].seq
	}
	if sess.invalid || rs.Seq > sess.seq || rs.Seq < first-1 {
		c.send(opFrame(9, false))
		return
	}
	if old := sess.conn; old != nil && old != c {
		go old.close(CloseUnknownError, "Session resumed elsewhere")
	}
	sess.conn, c.sess = c, sess
	sess.resumes++
	for _, f := range sess.buffer {
		if f.seq > rs.Seq {
			c.send(f.data)
		}
	}
	g.dispatch(sess, "RESUMED", map[string]any{"_trace": []string{"discordfake"}})
}

// dispatch sends an op 0 event with the next sequence number and keeps it
// for replay. Caller holds sess.mu.
func (g *gateway) dispatch(sess *gwSession, t string, d any) {
	sess.seq++
	frame, err := json.Marshal(map[string]any{"op": 0, "s": sess.seq, "t": t, "d": d})
	if err != nil {
		return
	}
	sess.buffer = append(sess.buffer, gwFrame{seq: sess.seq, data: frame})
	if len(sess.buffer) > replayBuffer {
		sess.buffer = sess.buffer[len(sess.buffer)-replayBuffer:]
	}
	if sess.conn != nil {
		sess.conn.send(frame)
	}
}

// covers reports whether the session's shard receives guildID's events
// (DMs go to shard 0).
func (sess *gwSession) covers(guildID string) bool {
	if guildID == "" {
		return sess.shard[0] == 0
	}
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		return sess.shard[0] == 0
	}
	return int((id>>22)%uint64(sess.shard[1])) == sess.shard[0]
}

// sessionFor returns the first connected session handling guildID.
func (g *gateway) sessionFor(guildID string) *gwSession {
	for _, sess := range g.liveSessions() {
		sess.mu.Lock()
		ok := !sess.invalid && sess.conn != nil && sess.covers(guildID)
		sess.mu.Unlock()
		if ok {
			return sess
		}
	}
	return nil
}

// sendTo dispatches one event to one session if it is still connected.
func (g *gateway) sendTo(sess *gwSession, t string, d any) bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.invalid || sess.conn == nil {
		return false
	}
	g.dispatch(sess, t, d)
	return true
}

func (g *gateway) detach(c *gwConn) {
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
	if sess := c.sess; sess != nil {
		sess.mu.Lock()
		if sess.conn == c {
			sess.conn = nil
		}
		sess.mu.Unlock()
	}
	c.shutdown()
}

func (g *gateway) connsSnapshot() []*gwConn {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*gwConn, 0, len(g.conns))
	for c := range g.conns {
		out = append(out, c)
	}
	return out
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	for _, c := range g.connsSnapshot() {
		c.close(websocket.CloseGoingAway, "server closing")
	}
}

func (g *gateway) identifyCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.identifies
}

// DisconnectAll closes every gateway connection with close code 4000
// (Unknown error). Sessions stay resumable.
func (s *Server) DisconnectAll() {
	for _, c := range s.gw.connsSnapshot() {
		c.close(CloseUnknownError, "Unknown error.")
	}
}

// RequestReconnect sends op 7 Reconnect on every connection; clients are
// expected to close and resume.
func (s *Server) RequestReconnect() {
	for _, c := range s.gw.connsSnapshot() {
		c.serverClosed.Store(true)
		c.send(opFrame(7, nil))
	}
}

// GatewaySessions lists every session identified so far.
func (s *Server) GatewaySessions() []GatewaySession {
	var out []GatewaySession
	for _, sess := range s.gw.liveSessions() {
		sess.mu.Lock()
		out = append(out, GatewaySession{
			ID: sess.id, Intents: sess.intents, Shard: sess.shard, Compress: sess.compress,
			Sequence: sess.seq, Connected: sess.conn != nil, Resumes: sess.resumes, Invalidated: sess.invalid,
		})
		sess.mu.Unlock()
	}
	return out
}

// WaitReady waits until some gateway session is connected and past READY.
func (s *Server) WaitReady(ctx context.Context) error {
	for {
		if s.gw.sessionFor(s.opts.GuildID) != nil {
			return nil
		}
		if err := waitCtx(ctx, 5*time.Millisecond); err != nil {
			return err
		}
	}
}

package discordfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

func TestGatewayReadyAndGuildCreate(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	type readySummary struct{ userID, appID, sessionID, guildID string }
	type guildSummary struct {
		id          string
		channels    int
		unavailable bool
	}
	ready := make(chan readySummary, 1)
	guilds := make(chan guildSummary, 1)
	s := openSession(t, f, func(s *discordgo.Session) {
		s.SyncEvents = true // handlers run in discordgo's reader, ordered with its state updates
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			sum := readySummary{sessionID: r.SessionID}
			if r.User != nil && r.User.Bot {
				sum.userID = r.User.ID
			}
			if r.Application != nil {
				sum.appID = r.Application.ID
			}
			if len(r.Guilds) == 1 {
				sum.guildID = r.Guilds[0].ID
			}
			ready <- sum
		})
		s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
			guilds <- guildSummary{id: g.ID, channels: len(g.Channels), unavailable: g.Unavailable}
		})
	})
	select {
	case r := <-ready:
		if r.userID != f.ApplicationID() || r.appID != f.ApplicationID() || r.guildID != testGuild || r.sessionID == "" {
			t.Fatalf("READY %+v", r)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no READY")
	}
	select {
	case g := <-guilds:
		if g.id != testGuild || g.channels != 2 || g.unavailable {
			t.Fatalf("GUILD_CREATE %+v", g)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no GUILD_CREATE")
	}
	sessions := f.GatewaySessions()
	if len(sessions) != 1 || sessions[0].Intents != int(s.Identify.Intents) || !sessions[0].Connected || sessions[0].Sequence < 2 {
		t.Fatalf("sessions %+v (identify intents %d)", sessions, s.Identify.Intents)
	}
}

// gwDial opens a raw websocket to the fake and reads Hello.
func gwDial(t *testing.T, f *Server) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(f.GatewayURL()+"?v=10&encoding=json", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var hello struct {
		Op int `json:"op"`
		D  struct {
			HeartbeatInterval int `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if err := c.ReadJSON(&hello); err != nil || hello.Op != 10 || hello.D.HeartbeatInterval <= 0 {
		t.Fatalf("hello: %v %+v", err, hello)
	}
	return c
}

type gwPayload struct {
	Op int             `json:"op"`
	S  *int64          `json:"s"`
	T  string          `json:"t"`
	D  json.RawMessage `json:"d"`
}

func identifyPayload(token string, intents int) map[string]any {
	return map[string]any{"op": 2, "d": map[string]any{"token": token, "intents": intents, "properties": map[string]string{"os": "linux"}}}
}

func TestGatewayProtocol(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	f := startFake(t, opts)
	token := "Bot " + f.BotToken()
	tests := []struct {
		name      string
		send      []any
		wantClose int
		want      []string // expected op/type sequence, e.g. "11", "0:READY"
	}{
		{name: "heartbeat before identify is acked", send: []any{map[string]any{"op": 1, "d": nil}}, want: []string{"11"}},
		{name: "identify gets READY then GUILD_CREATE", send: []any{identifyPayload(token, IntentGuilds|IntentGuildMessages)}, want: []string{"0:READY", "0:GUILD_CREATE"}},
		{name: "identify without GUILDS gets no GUILD_CREATE", send: []any{identifyPayload(token, IntentGuildMessages), map[string]any{"op": 1, "d": 1}}, want: []string{"0:READY", "11"}},
		{name: "wrong token", send: []any{identifyPayload("Bot nope", 1)}, wantClose: CloseAuthenticationFailed},
		{name: "privileged intent not enabled", send: []any{identifyPayload(token, IntentMessageContent)}, wantClose: CloseDisallowedIntents},
		{name: "unknown intent bit", send: []any{identifyPayload(token, 1<<30)}, wantClose: CloseInvalidIntents},
		{name: "presence update before identify", send: []any{map[string]any{"op": 3, "d": map[string]any{}}}, wantClose: CloseNotAuthenticated},
		{name: "identify twice", send: []any{identifyPayload(token, 1), identifyPayload(token, 1)}, want: []string{"0:READY", "0:GUILD_CREATE"}, wantClose: CloseAlreadyAuthenticated},
		{name: "unknown opcode", send: []any{identifyPayload(token, 1), map[string]any{"op": 42}}, want: []string{"0:READY", "0:GUILD_CREATE"}, wantClose: CloseUnknownOpcode},
		{name: "not json", send: []any{"{nope"}, wantClose: CloseDecodeError},
		{name: "resume of an unknown session", send: []any{map[string]any{"op": 6, "d": map[string]any{"token": token, "session_id": "nope", "seq": 1}}}, want: []string{"9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := gwDial(t, f)
			for _, m := range tc.send {
				var err error
				if raw, ok := m.(string); ok {
					err = c.WriteMessage(websocket.TextMessage, []byte(raw))
				} else {
					err = c.WriteJSON(m)
				}
				if err != nil {
					t.Fatalf("write: %v", err)
				}
			}
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			var lastSeq int64
			for _, want := range tc.want {
				var p gwPayload
				if err := c.ReadJSON(&p); err != nil {
					t.Fatalf("reading %s: %v", want, err)
				}
				got := strings.TrimSuffix(strings.Join([]string{itoa(p.Op), p.T}, ":"), ":")
				if got != want {
					t.Fatalf("got %s, want %s (%s)", got, want, p.D)
				}
				if p.Op == 0 {
					if p.S == nil || *p.S <= lastSeq {
						t.Fatalf("sequence %v after %d", p.S, lastSeq)
					}
					lastSeq = *p.S
				}
			}
			if tc.wantClose == 0 {
				return
			}
			_, _, err := c.ReadMessage()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != tc.wantClose {
				t.Fatalf("got %v, want close %d", err, tc.wantClose)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestGatewayResumeReplaysMissedEvents(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	created := make(chan string, 8)
	var resumed sync.Once
	resumedCh := make(chan struct{})
	s := openSession(t, f, func(s *discordgo.Session) {
		s.ShouldReconnectOnError = true
		s.AddHandler(func(_ *discordgo.Session, c *discordgo.ChannelCreate) { created <- c.Name })
		s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { resumed.Do(func() { close(resumedCh) }) })
	})
	// Disconnect only once discordgo's first heartbeat was acknowledged: a
	// disconnect before it makes discordgo's heartbeat and reader goroutines
	// both reconnect, and one closes the new connection with 1000, which (as
	// on Discord) ends the session.
	opened := time.Now()
	waitFor(t, 2*time.Second, "first heartbeat ACK", func() bool {
		s.RLock()
		defer s.RUnlock()
		return s.LastHeartbeatAck.After(opened)
	})
	f.DisconnectAll()
	// discordgo spends a second closing before it resumes; this channel is
	// created while it is away.
	if resp, body := rawCall(t, f, http.MethodPost, "/api/v10/guilds/"+testGuild+"/channels", map[string]any{"name": "while away"}, true); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	select {
	case name := <-created:
		if name != "while-away" {
			t.Fatalf("replayed CHANNEL_CREATE for %q", name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("CHANNEL_CREATE was not replayed after resuming")
	}
	select {
	case <-resumedCh:
	case <-time.After(2 * time.Second):
		t.Fatal("no RESUMED")
	}
	sessions := f.GatewaySessions()
	if len(sessions) != 1 || sessions[0].Resumes != 1 || !sessions[0].Connected {
		t.Fatalf("want one resumed session, got %+v", sessions)
	}
}

func TestMessageContentIntent(t *testing.T) {
	t.Parallel()
	opts := baseOptions()
	opts.AllowedPrivilegedIntents = IntentMessageContent
	f := startFake(t, opts)
	type seen struct {
		mu   sync.Mutex
		byID map[string]string
	}
	open := func(intents discordgo.Intent) *seen {
		sn := &seen{byID: map[string]string{}}
		openSession(t, f, func(s *discordgo.Session) {
			s.Identify.Intents = intents
			s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
				sn.mu.Lock()
				sn.byID[m.ID] = m.Content
				sn.mu.Unlock()
			})
		})
		return sn
	}
	with := open(discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent)
	without := open(discordgo.IntentsGuilds | discordgo.IntentsGuildMessages)
	tests := []struct {
		name        string
		content     string
		wantWithout string
	}{
		{name: "plain message hides content", content: "is the db down?", wantWithout: ""},
		{name: "mentioning the bot shows content", content: "<@" + f.ApplicationID() + "> status", wantWithout: "<@" + f.ApplicationID() + "> status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.DispatchMessage(context.Background(), UserMessage{ChannelID: testStakeholders, Content: tc.content})
			if err != nil {
				t.Fatal(err)
			}
			get := func(sn *seen) (string, bool) {
				sn.mu.Lock()
				defer sn.mu.Unlock()
				c, ok := sn.byID[m.ID]
				return c, ok
			}
			waitFor(t, 2*time.Second, "MESSAGE_CREATE on both sessions", func() bool {
				_, a := get(with)
				_, b := get(without)
				return a && b
			})
			if c, _ := get(with); c != tc.content {
				t.Fatalf("with MESSAGE_CONTENT: %q", c)
			}
			if c, _ := get(without); c != tc.wantWithout {
				t.Fatalf("without MESSAGE_CONTENT: %q, want %q", c, tc.wantWithout)
			}
		})
	}
}

func TestDisallowedIntentFailsOpen(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	s := newSession(t, f)
	s.Identify.Intents |= discordgo.IntentMessageContent
	err := s.Open()
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded with a privileged intent the app does not have")
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != CloseDisallowedIntents {
		t.Fatalf("Open: %v, want close 4014", err)
	}
}

func TestGatewayReconnectAndResumeProtocol(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	token := "Bot " + f.BotToken()
	c := gwDial(t, f)
	if err := c.WriteJSON(identifyPayload(token, IntentGuilds)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var ready struct {
		D struct {
			SessionID        string `json:"session_id"`
			ResumeGatewayURL string `json:"resume_gateway_url"`
		} `json:"d"`
	}
	if err := c.ReadJSON(&ready); err != nil || ready.D.SessionID == "" || ready.D.ResumeGatewayURL != f.GatewayURL() {
		t.Fatalf("READY: %v %+v", err, ready)
	}
	var guild gwPayload
	if err := c.ReadJSON(&guild); err != nil || guild.T != "GUILD_CREATE" || guild.S == nil {
		t.Fatalf("GUILD_CREATE: %v %+v", err, guild)
	}
	f.RequestReconnect()
	var op7 gwPayload
	if err := c.ReadJSON(&op7); err != nil || op7.Op != 7 {
		t.Fatalf("want op 7: %v %+v", err, op7)
	}
	_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4900, "reconnecting"))
	_ = c.Close()
	// A channel created while disconnected is replayed on resume.
	if resp, body := rawCall(t, f, http.MethodPost, "/api/v10/guilds/"+testGuild+"/channels", map[string]any{"name": "missed"}, true); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	tests := []struct {
		name string
		seq  int64
		want []string
	}{
		{name: "resume from an unknown future sequence is refused", seq: 99, want: []string{"9"}},
		{name: "resume from GUILD_CREATE replays then RESUMED", seq: *guild.S, want: []string{"0:CHANNEL_CREATE", "0:RESUMED"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := gwDial(t, f)
			if err := c.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": token, "session_id": ready.D.SessionID, "seq": tc.seq}}); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			last := tc.seq
			for _, want := range tc.want {
				var p gwPayload
				if err := c.ReadJSON(&p); err != nil {
					t.Fatalf("reading %s: %v", want, err)
				}
				got := strings.TrimSuffix(itoa(p.Op)+":"+p.T, ":")
				if got != want {
					t.Fatalf("got %s, want %s", got, want)
				}
				if p.Op == 0 && (p.S == nil || *p.S != last+1) {
					t.Fatalf("sequence %v, want %d", p.S, last+1)
				}
				if p.S != nil {
					last = *p.S
				}
			}
		})
	}
	if sessions := f.GatewaySessions(); len(sessions) != 1 || sessions[0].Resumes != 1 {
		t.Fatalf("sessions %+v", sessions)
	}
}

package discordfake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// signedBot is an HTTP interactions endpoint that verifies requests with
// crypto/ed25519 the way Discord's docs ask: signature over timestamp+body,
// and a fresh timestamp. delay runs before answering.
func signedBot(t *testing.T, publicKeyHex string, now func() time.Time, delay func()) *httptest.Server {
	t.Helper()
	pub, err := hex.DecodeString(publicKeyHex)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("public key %q: %v", publicKeyHex, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig, err := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
		ts := r.Header.Get("X-Signature-Timestamp")
		sec, terr := strconv.ParseInt(ts, 10, 64)
		if err != nil || terr != nil || !ed25519.Verify(pub, append([]byte(ts), body...), sig) || now().Sub(time.Unix(sec, 0)) > 5*time.Second {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		// discordgo's verifier must agree with crypto/ed25519.
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !discordgo.VerifyInteraction(r, pub) {
			t.Errorf("discordgo.VerifyInteraction rejected a request crypto/ed25519 accepted")
		}
		var in struct {
			Type int `json:"type"`
		}
		_ = json.Unmarshal(body, &in)
		if delay != nil {
			delay()
		}
		w.Header().Set("Content-Type", "application/json")
		if in.Type == InteractionPing {
			_, _ = w.Write([]byte(`{"type":1}`))
			return
		}
		_, _ = w.Write([]byte(`{"type":4,"data":{"content":"pong from http"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPostInteractionSignatures(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	opts := baseOptions()
	opts.Clock = clock.Now
	f := startFake(t, opts)
	s := newSession(t, f)
	s.Client = f.Client()
	if _, err := s.ApplicationCommandBulkOverwrite(f.ApplicationID(), testGuild, incidentCommands()); err != nil {
		t.Fatal(err)
	}
	var slow atomic.Bool
	bot := signedBot(t, f.PublicKeyHex(), clock.Now, func() {
		if slow.Load() {
			clock.Advance(4 * time.Second) // the bot takes too long
		}
	})
	tests := []struct {
		name       string
		opts       []SignOption
		slow       bool
		wantStatus int
		wantAck    bool
	}{
		{name: "valid signature", wantStatus: http.StatusOK, wantAck: true},
		{name: "wrong key", opts: []SignOption{WithWrongKey()}, wantStatus: http.StatusUnauthorized},
		{name: "old timestamp", opts: []SignOption{WithTimestamp(clock.Now().Add(-10 * time.Minute))}, wantStatus: http.StatusUnauthorized},
		{name: "tampered body", opts: []SignOption{WithTamperedBody()}, wantStatus: http.StatusUnauthorized},
		{name: "no signature", opts: []SignOption{WithoutSignature()}, wantStatus: http.StatusUnauthorized},
		{name: "answer after 3 s is refused", slow: true, wantStatus: http.StatusOK},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slow.Store(tc.slow)
			id := strconv.Itoa(910000000000000000 + i)
			status, body, latency, err := f.PostInteraction(context.Background(), bot.URL,
				Interaction{ID: id, Data: map[string]any{"name": "incident"}}, tc.opts...)
			if err != nil || status != tc.wantStatus || latency <= 0 {
				t.Fatalf("status %d body %s latency %v err %v", status, body, latency, err)
			}
			res, ok := f.InteractionResult(id)
			if !ok || res.Acknowledged != tc.wantAck || res.Transport != "http" {
				t.Fatalf("result %+v", res)
			}
			if tc.wantAck {
				m, _ := f.Message(res.OriginalMessageID)
				if res.CallbackType != CallbackChannelMessage || m.Content != "pong from http" {
					t.Fatalf("callback %d, message %+v", res.CallbackType, m)
				}
			}
			if tc.slow && (len(res.Rejected) != 1 || res.Rejected[0].Code != CodeUnknownInteraction) {
				t.Fatalf("late HTTP answer: %+v", res.Rejected)
			}
		})
	}
	if err := f.VerifyEndpoint(context.Background(), bot.URL); err != nil {
		t.Fatalf("VerifyEndpoint on a verifying bot: %v", err)
	}
	lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"type":1}`))
	}))
	defer lax.Close()
	if err := f.VerifyEndpoint(context.Background(), lax.URL); err == nil {
		t.Fatal("VerifyEndpoint accepted a bot that does not check signatures")
	}
}

func TestRedelivery(t *testing.T) {
	t.Parallel()
	f := startFake(t, baseOptions())
	s := newSession(t, f)
	s.Client = f.Client()
	if _, err := s.ApplicationCommandBulkOverwrite(f.ApplicationID(), testGuild, incidentCommands()); err != nil {
		t.Fatal(err)
	}
	var got atomic.Int32
	bot := signedBot(t, f.PublicKeyHex(), time.Now, func() { got.Add(1) })
	ix := Interaction{ID: "920000000000000001", Data: map[string]any{"name": "incident"}}
	tests := []struct {
		name       string
		redelivery bool
		wantErr    bool
		wantSeen   int32
	}{
		{name: "first delivery", wantSeen: 1},
		{name: "same id again", wantErr: true, wantSeen: 1},
		{name: "same id as a re-delivery", redelivery: true, wantSeen: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix.Redelivery = tc.redelivery
			status, _, _, err := f.PostInteraction(context.Background(), bot.URL, ix)
			if (err != nil) != tc.wantErr || got.Load() != tc.wantSeen {
				t.Fatalf("status %d err %v, bot saw %d; want error %v and %d", status, err, got.Load(), tc.wantErr, tc.wantSeen)
			}
		})
	}
}

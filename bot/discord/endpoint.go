package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
)

// Bounds of an HTTP interaction: its body (an interaction carries at most a message
// and some resolved objects) and how old its signature may be. Discord sets no window,
// so a captured request could be replayed for ever without one.
const (
	maxInteractionBody = 1 << 20
	signatureWindow    = 5 * time.Minute
)

// Routes registers POST /discord/interactions, Discord's HTTP interactions endpoint,
// on mux. Every request must be signed with the application's key (Config.PublicKey)
// within the last five minutes; anything else is answered 401 before any other work.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /discord/interactions", guarded(a.serveInteraction))
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), answerBudget)
	resp, then := a.answer(ctx, &i)
	cancel()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(resp)
	// The answer is on its way before any work starts.
	_ = http.NewResponseController(w).Flush()
	then()
}

// verified reads a bounded body and checks its Ed25519 signature over
// timestamp+body and the timestamp's age. On failure it has answered 401 (413 for a
// body too large) and returns false; nothing else happened.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, ok := bot.ReadBody(w, r, maxInteractionBody)
	if !ok {
		return nil, false
	}
	if reason := a.checkSignature(r.Header, body, time.Now()); reason != "" {
		a.log.Warn("discord: request refused", "path", r.URL.Path, "reason", reason)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// checkSignature returns why a request is not Discord's, or "".
func (a *Adapter) checkSignature(h http.Header, body []byte, now time.Time) string {
	if a.key == nil {
		return "no public key configured (DISCORD_PUBLIC_KEY)"
	}
	sigHex, ts := h.Get("X-Signature-Ed25519"), h.Get("X-Signature-Timestamp")
	if sigHex == "" || ts == "" {
		return "unsigned"
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "malformed signature"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(a.key, msg, sig) {
		return "bad signature"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "malformed timestamp"
	}
	if age := now.Sub(time.Unix(sec, 0)); age > signatureWindow || age < -signatureWindow {
		return "stale timestamp"
	}
	return ""
}

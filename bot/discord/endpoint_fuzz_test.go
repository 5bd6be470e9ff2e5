package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// How a fuzzed interaction is signed: only signedOK carries a valid signature.
const (
	signedOK = iota
	unsigned
	wrongKey
	staleSigned
	garbledSignature
	tamperedBody
	futureSigned
	signModes
)

// FuzzDiscordInteractions posts arbitrary bodies to POST /discord/interactions, the
// adapter holding the public half of a test Ed25519 key. A request without a valid,
// fresh signature is answered 4xx and reaches neither the store nor Discord; a
// correctly signed one never panics nor answers 5xx.
func FuzzDiscordInteractions(f *testing.F) {
	for _, s := range []struct {
		mode uint8
		body string
	}{
		{signedOK, `{"type":1,"id":"1","application_id":"2","token":"t","version":1}`},
		{signedOK, `{"type":2,"id":"1300000000000000001","channel_id":"3","member":{"user":{"id":"100000000000000012"}},"data":{"name":"incident","type":1,"options":[{"type":1,"name":"list","options":[]}]},"token":"t","version":1}`},
		{signedOK, `{"type":3,"id":"1300000000000000002","channel_id":"3","user":{"id":"100000000000000005"},"data":{"custom_id":"ack:1","component_type":2},"token":"t","version":1}`},
		{signedOK, `{"type":5,"id":"1300000000000000003","data":{"custom_id":"declare","components":[]},"token":"t","version":1}`},
		{signedOK, `{"type":4,"data":{"name":"incident","options":[{"type":1,"name":"declare","options":[{"type":3,"name":"towers","value":"a","focused":true}]}]}}`},
		{signedOK, `{"type":99}`}, {signedOK, `[`}, {signedOK, ``}, {signedOK, `{"type":2,"data":null}`},
		{unsigned, `{"type":1}`}, {wrongKey, `{"type":1}`}, {staleSigned, `{"type":1}`},
		{garbledSignature, `{"type":1}`}, {tamperedBody, `{"type":1}`}, {futureSigned, `{"type":1}`},
	} {
		f.Add(s.mode, []byte(s.body))
	}
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	// Signed interactions start work that goes on after the answer; refused ones go
	// to a harness of their own, so that this work cannot be counted against them.
	type endpoint struct {
		h       *harness
		handler http.Handler
	}
	open := func() endpoint {
		h := newHarness(f)
		cfg := h.cfg
		cfg.PublicKey = hex.EncodeToString(key.Public().(ed25519.PublicKey))
		mux := http.NewServeMux()
		h.newAdapter(cfg).Routes(mux)
		return endpoint{h, mux}
	}
	signed, refused := open(), open()
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		mode %= signModes
		at := time.Now()
		switch mode {
		case staleSigned:
			at = at.Add(-6 * time.Minute)
		case futureSigned:
			at = at.Add(6 * time.Minute)
		}
		ts := strconv.FormatInt(at.Unix(), 10)
		signer := key
		if mode == wrongKey {
			signer = other
		}
		sig := hex.EncodeToString(ed25519.Sign(signer, append([]byte(ts), body...)))
		sent := body
		switch mode {
		case garbledSignature:
			sig = hex.EncodeToString(body)
		case tamperedBody:
			sent = append(bytes.Clone(body), ' ')
		}
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(sent))
		req.Header.Set("Content-Type", "application/json")
		if mode != unsigned {
			req.Header.Set("X-Signature-Ed25519", sig)
			req.Header.Set("X-Signature-Timestamp", ts)
		}
		e := refused
		if mode == signedOK {
			e = signed
		}
		stored, calls := e.h.store.n.Load(), len(e.h.fake.Calls())
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		if mode == signedOK {
			if rec.Code >= 500 {
				t.Fatalf("signed %q = %d %s", body, rec.Code, rec.Body)
			}
			return
		}
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("%q signed with mode %d = %d, want 4xx", body, mode, rec.Code)
		}
		if got := e.h.store.n.Load(); got != stored {
			t.Fatalf("%q signed with mode %d: %d store calls", body, mode, got-stored)
		}
		if got := len(e.h.fake.Calls()); got != calls {
			t.Fatalf("%q signed with mode %d: %d Discord calls", body, mode, got-calls)
		}
	})
}

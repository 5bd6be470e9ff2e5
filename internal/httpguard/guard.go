package httpguard

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ContentType answers 415 to a request whose Content-Type is set to anything
// but mediaType, before h reads a byte of it. A request without the header goes on:
// its body is still parsed as mediaType, and refusing it would refuse nothing unsafe.
func ContentType(mediaType string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !Accepts(r, mediaType) {
			http.Error(w, "unsupported content type: send "+mediaType, http.StatusUnsupportedMediaType)
			return
		}
		h(w, r)
	}
}

// Accepts tells whether r's Content-Type is mediaType (parameters such as charset
// aside) or unset; for a handler that answers 415 in its own format.
func Accepts(r *http.Request, mediaType string) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.EqualFold(mt, mediaType)
}

// ReplayGuard refuses a signed request sent again: one whose timestamp header and
// body are those of a request already accepted. A platform signs timestamp and body
// together and refuses nothing younger than its window, so a captured request could
// otherwise be played again within the window, and its work done twice.
//
// It remembers requests in memory, for Window: beyond it the adapter refuses them as
// stale. A request is held while h runs, so that two copies sent at once do not both
// pass; it is forgotten when h refuses it (any 4xx), so that a forged copy cannot
// spend the genuine request's place.
type ReplayGuard struct {
	TimestampHeader string        // X-Slack-Request-Timestamp, X-Signature-Timestamp
	Window          time.Duration // how long a timestamp is honoured
	Limit           int64         // the largest body read; larger ones are answered 413

	mu   sync.Mutex
	seen map[[sha256.Size]byte]time.Time // request -> when it was first accepted
}

// Wrap returns h behind the guard: a replay is answered 409 and never reaches h.
func (g *ReplayGuard) Wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ts := r.Header.Get(g.TimestampHeader)
		if ts == "" { // unsigned: h refuses it
			h(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.Limit))
		if err != nil {
			if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			} else {
				http.Error(w, "bad request", http.StatusBadRequest)
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		key := sha256.Sum256(append(append([]byte(ts), 0), body...))
		if !g.hold(key, time.Now()) {
			http.Error(w, "request already received", http.StatusConflict)
			return
		}
		sw := &codeWriter{ResponseWriter: w}
		h(sw, r)
		if sw.code >= 400 && sw.code < 500 {
			g.forget(key)
		}
	}
}

// hold records key unless it is already held; it drops what is older than the window.
func (g *ReplayGuard) hold(key [sha256.Size]byte, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[[sha256.Size]byte]time.Time{}
	}
	for k, at := range g.seen {
		if now.Sub(at) > 2*g.Window { // twice: a timestamp may be up to Window in the future
			delete(g.seen, k)
		}
	}
	if _, ok := g.seen[key]; ok {
		return false
	}
	g.seen[key] = now
	return true
}

func (g *ReplayGuard) forget(key [sha256.Size]byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.seen, key)
}

// codeWriter remembers the status a handler answered with.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *codeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection: the adapters flush their
// acknowledgement before they start the work.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

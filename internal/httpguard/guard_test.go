package httpguard_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/httpguard"
)

// TestReplayGuard sends requests in order through one guard: a request accepted once
// is refused when sent again, one its handler refused may come again (a forged copy
// does not spend the genuine request's place), and an unsigned one goes to the
// handler, which refuses it.
func TestReplayGuard(t *testing.T) {
	g := &httpguard.ReplayGuard{TimestampHeader: "X-Ts", Window: 5 * time.Minute, Limit: 16}
	var reached []string
	h := g.Wrap(func(w http.ResponseWriter, r *http.Request) {
		reached = append(reached, r.Header.Get("X-Ts")+" "+r.Header.Get("X-Sig"))
		if r.Header.Get("X-Sig") != "good" || r.Header.Get("X-Ts") == "" {
			http.Error(w, "bad signature", http.StatusUnauthorized)
		}
	})
	for _, c := range []struct {
		name, ts, sig, body string
		want                int
	}{
		{"forged first", "100", "bad", "declare", http.StatusUnauthorized},
		{"genuine", "100", "good", "declare", http.StatusOK},
		{"genuine again", "100", "good", "declare", http.StatusConflict},
		{"forged again", "100", "bad", "declare", http.StatusConflict},
		{"same body, new timestamp", "101", "good", "declare", http.StatusOK},
		{"same timestamp, new body", "100", "good", "declare!", http.StatusOK},
		{"unsigned", "", "", "declare", http.StatusUnauthorized},
		{"unsigned again", "", "", "declare", http.StatusUnauthorized},
		{"too large", "102", "good", strings.Repeat("x", 17), http.StatusRequestEntityTooLarge},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		if c.ts != "" {
			req.Header.Set("X-Ts", c.ts)
			req.Header.Set("X-Sig", c.sig)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: status %d, want %d", c.name, rec.Code, c.want)
		}
	}
	want := []string{"100 bad", "100 good", "101 good", "100 good", " ", " "}
	if diff := cmp.Diff(want, reached); diff != "" {
		t.Errorf("requests that reached the handler (-want +got):\n%s", diff)
	}
}

func TestContentType(t *testing.T) {
	h := httpguard.ContentType("application/json", func(w http.ResponseWriter, r *http.Request) {})
	for _, c := range []struct {
		ct   string
		want int
	}{
		{"application/json", http.StatusOK},
		{"Application/JSON; charset=utf-8", http.StatusOK},
		{"", http.StatusOK},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"application/json;;;", http.StatusUnsupportedMediaType},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		if rec.Code != c.want {
			t.Errorf("Content-Type %q: status %d, want %d", c.ct, rec.Code, c.want)
		}
	}
}

package discord_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot"
	"mimbot/bot/discord/discordfake"
	"mimbot/mim"
)

// ackWatch serves the adapter's HTTP endpoint and records, for each response,
// whether incident 1 was in the store at the moment the status line was written.
type ackWatch struct {
	h   *harness
	srv *httptest.Server
	mu  sync.Mutex
	at  []bool
}

func newAckWatch(h *harness) *ackWatch {
	h.t.Helper()
	w := &ackWatch{h: h}
	mux := http.NewServeMux()
	h.adapter.Routes(mux)
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(&watchedWriter{ResponseWriter: rw, w: w}, r)
	}))
	h.t.Cleanup(w.srv.Close)
	return w
}

func (w *ackWatch) committedAtAck() []bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]bool(nil), w.at...)
}

type watchedWriter struct {
	http.ResponseWriter
	w       *ackWatch
	written bool
}

func (ww *watchedWriter) WriteHeader(code int) {
	if !ww.written {
		ww.written = true
		_, err := ww.w.h.svc.Store.Incident(context.Background(), 1)
		ww.w.mu.Lock()
		ww.w.at = append(ww.w.at, err == nil)
		ww.w.mu.Unlock()
	}
	ww.ResponseWriter.WriteHeader(code)
}

func (ww *watchedWriter) Write(p []byte) (int, error) {
	if !ww.written {
		ww.WriteHeader(http.StatusOK)
	}
	return ww.ResponseWriter.Write(p)
}

func (ww *watchedWriter) Unwrap() http.ResponseWriter { return ww.ResponseWriter }

// slowDatabase makes every incident take d to commit, so that work left for after
// an answer is visibly not done when the answer is out.
func slowDatabase(h *harness, d time.Duration) {
	before := func(ctx context.Context) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	h.store.before.Store(&before)
}

var declareValues = map[string]string{"title": "Payments down", "impact": "high", "urgency": "high"}

// Discord never sends an interaction again once it is answered: a declaration must be
// in the database before the answer leaves, over HTTP and over the gateway.
func TestDeclareIsCommittedBeforeTheAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// declare declares once and returns whether incident 1 was committed when
		// the answer was sent, and the answer's content.
		declare func(h *harness) (bool, string)
	}{
		{"command over HTTP", func(h *harness) (bool, string) {
			w := newAckWatch(h)
			_, body, _, err := h.fake.PostInteraction(h.ctx, w.srv.URL+"/discord/interactions",
				h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high")))
			if err != nil {
				h.t.Fatal(err)
			}
			return w.committedAtAck()[0], string(body)
		}},
		{"declare form over HTTP", func(h *harness) (bool, string) {
			h.post(h.command("sam", h.general, "declare"))
			w := newAckWatch(h)
			_, body, _, err := h.fake.PostInteraction(h.ctx, w.srv.URL+"/discord/interactions", h.fill("sam", h.general, "mimbot:declare", declareValues))
			if err != nil {
				h.t.Fatal(err)
			}
			return w.committedAtAck()[0], string(body)
		}},
		{"command over the gateway", func(h *harness) (bool, string) {
			h.runGateway()
			res := h.dispatch(h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high")))
			// DispatchInteraction returns as the callback arrives.
			_, err := h.svc.Store.Incident(h.ctx, 1)
			return err == nil && res.Acknowledged, string(res.CallbackData)
		}},
		{"declare form over the gateway", func(h *harness) (bool, string) {
			h.runGateway()
			h.dispatch(h.command("sam", h.general, "declare"))
			res := h.dispatch(h.fill("sam", h.general, "mimbot:declare", declareValues))
			_, err := h.svc.Store.Incident(h.ctx, 1)
			return err == nil && res.Acknowledged, string(res.CallbackData)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			slowDatabase(h, 150*time.Millisecond)
			committed, answer := tc.declare(h)
			if !committed {
				t.Errorf("the answer went out before the incident was committed")
			}
			if !strings.Contains(answer, "Declared #1") {
				t.Errorf("answer %s, want the declaration in it", answer)
			}
		})
	}
}

// A declaration that cannot be committed is answered with the truth: nothing was done;
// try again.
func TestUncommittedDeclareSaysNotDone(t *testing.T) {
	t.Parallel()
	down := func(context.Context) error { return errors.New("connection refused") }
	stuck := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	cases := []struct {
		name     string
		database func(context.Context) error
		want     string
	}{
		{"database down", down, "nothing was changed"},
		{"database too slow", stuck, bot.NotDoneText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.store.before.Store(&tc.database)
			status, body, took := h.post(h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high")))
			var ans struct {
				Type int `json:"type"`
				Data struct {
					Content string `json:"content"`
				} `json:"data"`
			}
			_ = json.Unmarshal(body, &ans)
			if status != http.StatusOK || took >= discordfake.InteractionDeadline || ans.Type != discordfake.CallbackChannelMessage ||
				!strings.Contains(ans.Data.Content, tc.want) || !strings.Contains(ans.Data.Content, "try again") {
				t.Errorf("HTTP %d after %v, answer %s; want within 3s a message that says %q and to try again", status, took, body, tc.want)
			}
			if incs, _ := h.store.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
				t.Errorf("%d incidents, want none", len(incs))
			}
		})
	}
}

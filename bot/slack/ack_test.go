package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot"
	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

// ackWatch serves the adapter's HTTP endpoints and records, for each response, whether
// incident 1 was in the store at the moment the status line was written.
type ackWatch struct {
	h   *harness
	srv *httptest.Server
	mu  sync.Mutex
	at  []bool // one per response: incident 1 committed when it was written
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
// an acknowledgement is visibly not done when the acknowledgement is out.
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

// declareForm opens the declare form with `/incident declare` and returns it.
func declareForm(h *harness) slackfake.View {
	h.t.Helper()
	if resp, _ := h.slash(id(h, "sam"), h.general, "declare"); resp.StatusCode != http.StatusOK {
		h.t.Fatalf("declare: HTTP %d", resp.StatusCode)
	}
	h.eventually("the declare form", func() bool { return len(h.fake.OpenedViews()) == 1 })
	return h.fake.OpenedViews()[0]
}

var declareValues = map[string]any{
	"title":   map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Payments down"}},
	"impact":  map[string]any{"impact": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "high"}}},
	"urgency": map[string]any{"urgency": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "high"}}},
}

// Slack never sends again a request it got an acknowledgement for: a declaration
// must be in the database before the acknowledgement leaves, on every route.
func TestDeclareIsCommittedBeforeTheAck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// declare declares once and returns whether incident 1 was committed when
		// the acknowledgement was written, and the acknowledgement's body.
		declare func(h *harness) (bool, string)
	}{
		{"slash command over HTTP", func(h *harness) (bool, string) {
			w := newAckWatch(h)
			resp, _, err := h.fake.PostSlashCommand(h.ctx, w.srv.URL+"/slack/commands", secret,
				slackfake.SlashCommand{Command: "/incident", Text: "declare Payments down impact=high urgency=high", UserID: id(h, "sam"), ChannelID: h.general})
			if err != nil || resp.StatusCode != http.StatusOK {
				h.t.Fatalf("HTTP %v: %v", resp, err)
			}
			body, _ := io.ReadAll(resp.Body)
			return w.committedAtAck()[0], string(body)
		}},
		{"declare form over HTTP", func(h *harness) (bool, string) {
			v := declareForm(h)
			w := newAckWatch(h)
			resp, _, err := h.fake.PostInteraction(h.ctx, w.srv.URL+"/slack/interactions", secret, submission(h, "sam", v, declareValues))
			if err != nil || resp.StatusCode != http.StatusOK {
				h.t.Fatalf("HTTP %v: %v", resp, err)
			}
			body, _ := io.ReadAll(resp.Body)
			return w.committedAtAck()[0], string(body)
		}},
		{"slash command over Socket Mode", func(h *harness) (bool, string) {
			h.runSocket()
			ack, err := h.fake.SendSlashCommand(h.ctx, slackfake.SlashCommand{Command: "/incident", Text: "declare Payments down impact=high urgency=high", UserID: id(h, "sam"), ChannelID: h.general})
			// SendSlashCommand returns as the ack arrives.
			_, ierr := h.svc.Store.Incident(h.ctx, 1)
			if err != nil || !ack.Acked {
				h.t.Fatalf("ack %+v: %v", ack, err)
			}
			return ierr == nil, string(ack.Payload)
		}},
		{"declare form over Socket Mode", func(h *harness) (bool, string) {
			v := declareForm(h)
			h.runSocket()
			ack, err := h.fake.SendInteraction(h.ctx, submission(h, "sam", v, declareValues))
			_, ierr := h.svc.Store.Incident(h.ctx, 1)
			if err != nil || !ack.Acked {
				h.t.Fatalf("ack %+v: %v", ack, err)
			}
			return ierr == nil, string(ack.Payload)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			slowDatabase(h, 150*time.Millisecond)
			committed, body := tc.declare(h)
			if !committed {
				t.Errorf("the acknowledgement went out before the incident was committed")
			}
			if strings.Contains(tc.name, "slash command") && !strings.Contains(body, "Declared #1") {
				t.Errorf("ack %q, want the declaration's answer in it", body)
			}
			if strings.Contains(tc.name, "form") && strings.Contains(body, "errors") {
				t.Errorf("ack %q, want the form closed", body)
			}
		})
	}
}

// A declaration that cannot be committed is acknowledged with the truth: nothing was
// done; try again. It never gets a silent 200 that promises an incident.
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

			resp, took := h.slash(id(h, "sam"), h.general, "declare Payments down impact=high urgency=high")
			var ack struct {
				Text string `json:"text"`
			}
			body, _ := io.ReadAll(resp.Body)
			_ = json.Unmarshal(body, &ack)
			if resp.StatusCode != http.StatusOK || took >= slackfake.AckDeadline || !strings.Contains(ack.Text, tc.want) || !strings.Contains(ack.Text, "try again") {
				t.Errorf("slash command: HTTP %d after %v, ack %s; want within 3s an answer that says %q and to try again", resp.StatusCode, took, body, tc.want)
			}

			v := declareForm(h)
			resp, took, err := h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, submission(h, "sam", v, declareValues))
			if err != nil {
				t.Fatal(err)
			}
			var form struct {
				Action string            `json:"response_action"`
				Errors map[string]string `json:"errors"`
			}
			body, _ = io.ReadAll(resp.Body)
			_ = json.Unmarshal(body, &form)
			if took >= slackfake.AckDeadline || form.Action != "errors" || !strings.Contains(form.Errors["title"], "try again") {
				t.Errorf("declare form: ack %s after %v; want the form kept open with the failure on it", body, took)
			}
			if incs, _ := h.store.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
				t.Errorf("%d incidents, want none", len(incs))
			}
		})
	}
}

// A request that names no workspace is refused like one from another workspace.
func TestRequestWithoutTeamIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	form := url.Values{"command": {"/incident"}, "text": {"declare Payments down impact=high urgency=high"},
		"user_id": {id(h, "sam")}, "channel_id": {h.general}, "trigger_id": {"1.2.3"}, "response_url": {h.fake.URL() + "/commands/x"}}
	body := []byte(form.Encode())
	now := time.Now().Unix()
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.srv.URL+"/slack/commands", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("X-Slack-Signature", slackfake.Sign(secret, now, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("HTTP %d, want 403", resp.StatusCode)
	}
	if incs, _ := h.svc.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
		t.Errorf("%d incidents, want none", len(incs))
	}
}

package slack_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"mimbot/bot/slack/slackfake"
	"mimbot/mim"
)

func TestAcknowledgeButton(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runSocket()
	inc := h.declare("Payments down impact=high urgency=high towers=database")
	page := containing(h.fake.DMs(id(h, "frank")), "You are paged")
	if len(page) != 1 {
		t.Fatalf("frank's DMs: %q", texts(h.fake.DMs(id(h, "frank"))))
	}
	b := buttons(t, page[0])
	if len(b) != 1 {
		t.Fatalf("page buttons %+v", b)
	}
	payload := press(h, "frank", page[0].Channel, page[0].TS, b[0].ActionID, 1)
	payload["message"] = map[string]any{"type": "message", "ts": page[0].TS, "text": page[0].Text} // Slack sends the message pressed
	ack, err := h.fake.SendInteraction(h.ctx, payload)
	if err != nil || !ack.Acked {
		t.Fatalf("ack %+v: %v", ack, err)
	}
	h.eventually("the page acknowledged", func() bool {
		p := h.incidentNow(1).Pages
		return len(p) == 1 && p[0].Acked()
	})
	h.eventually("the answer to frank", func() bool {
		return len(containing(h.fake.Ephemerals(page[0].Channel), "Page acknowledged on #1")) == 1
	})
	h.eventually("the page in frank's DMs replaced, without its button", func() bool {
		m, _ := h.fake.Message(page[0].Channel, page[0].TS)
		return strings.Contains(m.Text, "You are paged") && strings.Contains(m.Text, "You acknowledged the page to #1") && !strings.Contains(string(m.Blocks), "mimbot_ack")
	})
	h.drain()
	room := h.room(inc)
	card, _ := h.fake.Message(room.ID, room.Card)
	if card.Updated == 0 || !strings.Contains(string(card.Blocks), "acknowledged after") {
		t.Errorf("card not refreshed with the acknowledgement (%d edits): %s", card.Updated, card.Blocks)
	}
}

func TestUpdateAndResolveButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down impact=high urgency=high towers=database")
	room := h.room(inc)
	for i, step := range []struct{ action, text string }{
		{"mimbot_update", "Failing over to the replica; next update in 15 minutes"},
		{"mimbot_resolve", "Replica promoted, payments flowing"},
	} {
		resp, _, err := h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, press(h, inc.IM, room.ID, room.Card, step.action, 1))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("press %s: %v %v", step.action, resp, err)
		}
		h.eventually("the form", func() bool { return len(h.fake.OpenedViews()) == i+1 })
		v := h.fake.OpenedViews()[i]
		resp, _, err = h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, submission(h, inc.IM, v, map[string]any{
			"text": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": step.text}},
		}))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("submit: %v %v", resp, err)
		}
		if body, _ := io.ReadAll(resp.Body); strings.Contains(string(body), "errors") {
			t.Fatalf("form refused: %s", body)
		}
		h.eventually("the "+step.action+" on the timeline", func() bool {
			return strings.Contains(timelineText(h.incidentNow(1)), step.text)
		})
	}
	if st := h.incidentNow(1).State; st != mim.Resolved {
		t.Errorf("state %s, want resolved", st)
	}
	h.drain()
	if len(containing(h.fake.Messages("C01STAKE"), "Failing over to the replica")) != 1 {
		t.Errorf("stakeholders did not get the update: %q", texts(h.fake.Messages("C01STAKE")))
	}
}

func TestDeclareForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	resp, _ := h.slash(id(h, "sam"), h.general, "declare")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	h.eventually("the declare form", func() bool { return len(h.fake.OpenedViews()) == 1 })
	v := h.fake.OpenedViews()[0]
	if v.CallbackID != "mimbot_declare" || !strings.Contains(string(v.JSON), "payment-outage") || !strings.Contains(string(v.JSON), "database") {
		t.Fatalf("form %s, want the declare form with the configured towers and models", v.JSON)
	}
	selected := func(value string) map[string]any {
		return map[string]any{"type": "static_select", "selected_option": map[string]any{"value": value}}
	}
	cases := []struct {
		name       string
		values     map[string]any
		wantErrors []string // block ids with an error; none: declared
	}{
		{"missing title", map[string]any{
			"title":  map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "  "}},
			"impact": map[string]any{"impact": selected("high")},
		}, []string{"title"}},
		{"bad impact and tower", map[string]any{
			"title":  map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Payments down"}},
			"impact": map[string]any{"impact": selected("catastrophic")},
			"towers": map[string]any{"towers": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": "mainframe"}}}},
		}, []string{"impact", "towers"}},
		{"valid", map[string]any{
			"title":   map[string]any{"title": map[string]any{"type": "plain_text_input", "value": `Payments "down" impact=low`}},
			"impact":  map[string]any{"impact": selected("high")},
			"urgency": map[string]any{"urgency": selected("high")},
			"towers":  map[string]any{"towers": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": "database"}}}},
		}, nil},
	}
	for _, tc := range cases {
		func() {
			resp, took, err := h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, submission(h, "sam", v, tc.values))
			if err != nil || resp.StatusCode != http.StatusOK || took > slackfake.AckDeadline {
				t.Fatalf("%s: HTTP %v after %v: %v", tc.name, resp, took, err)
			}
			var ack struct {
				Action string            `json:"response_action"`
				Errors map[string]string `json:"errors"`
			}
			body, _ := io.ReadAll(resp.Body)
			if len(body) > 0 {
				if err := json.Unmarshal(body, &ack); err != nil {
					t.Fatalf("%s: ack body %q: %v", tc.name, body, err)
				}
			}
			for _, b := range tc.wantErrors {
				if ack.Action != "errors" || ack.Errors[b] == "" {
					t.Errorf("%s: ack %s, want an error on %s", tc.name, body, b)
				}
			}
			if len(tc.wantErrors) > 0 {
				if incs, _ := h.svc.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
					t.Errorf("%s: an invalid form declared %d incidents", tc.name, len(incs))
				}
				return
			}
			if len(body) > 0 {
				t.Errorf("ack %s, want an empty ack that closes the form", body)
			}
			inc := h.incident(1)
			if inc.Title != `Payments 'down' impact=low` || inc.Priority != mim.P0 || len(inc.Towers) != 1 || inc.Towers[0] != "database" {
				t.Errorf("declared %q %s towers %v, want the form's values", inc.Title, inc.Priority, inc.Towers)
			}
			// The bot is not in #general, so it cannot answer there: sam gets a DM.
			h.eventually("the answer to sam", func() bool {
				return len(containing(h.fake.DMs(id(h, "sam")), "Declared #1", "Opening war room...")) == 1
			})
			h.drain()
			h.eventually("the room ready", func() bool {
				return len(containing(h.fake.DMs(id(h, "sam")), "ready", "Done.")) == 1
			})
		}()
	}
}

// submission is the view_submission payload of user submitting view with values.
func submission(h *harness, user string, v slackfake.View, values map[string]any) map[string]any {
	var view struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	_ = json.Unmarshal(v.JSON, &view)
	return map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": id(h, user)},
		"view": map[string]any{"id": v.ID, "type": "modal", "callback_id": v.CallbackID, "hash": v.Hash,
			"private_metadata": view.PrivateMetadata, "state": map[string]any{"values": values}},
	}
}

func timelineText(inc *mim.Incident) string {
	var b strings.Builder
	for _, e := range inc.Timeline {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

// The reporter of a resolved incident answers from the direct message: "It works"
// closes it, "Still broken" asks why and reopens it.
func TestConfirmAndReopenButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for n := 1; n <= 2; n++ {
		h.declare("Printer jam impact=low urgency=low towers=application")
		if _, err := h.svc.Take(h.ctx, n, "dave"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Resolve(h.ctx, n, "dave", "Roller replaced"); err != nil {
			t.Fatal(err)
		}
	}
	h.drain()
	asks := containing(h.fake.DMs(id(h, "sam")), "is resolved", "Does it work for you again?")
	if len(asks) != 2 {
		t.Fatalf("sam's DMs: %q", texts(h.fake.DMs(id(h, "sam"))))
	}
	// The two incidents' messages go out side by side: find each by its number.
	if !strings.Contains(asks[0].Text, "confirm incident=1") {
		asks[0], asks[1] = asks[1], asks[0]
	}
	for i, ask := range asks {
		b := buttons(t, ask)
		if len(b) != 2 || b[0].ActionID != "mimbot_confirm" || b[1].ActionID != "mimbot_reopen" {
			t.Fatalf("buttons of ask %d: %+v", i+1, b)
		}
	}
	resp, _, err := h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, press(h, "sam", asks[0].Channel, asks[0].TS, "mimbot_confirm", 1))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %v %v", resp, err)
	}
	if inc := h.incidentNow(1); inc.State != mim.Closed || inc.ConfirmedAt.IsZero() {
		t.Errorf("#1 after confirm: %s (confirmed %v), want closed at once", inc.State, inc.ConfirmedAt)
	}

	resp, _, err = h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, press(h, "sam", asks[1].Channel, asks[1].TS, "mimbot_reopen", 2))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("press reopen: %v %v", resp, err)
	}
	h.eventually("the reopen form", func() bool { return len(h.fake.OpenedViews()) == 1 })
	resp, _, err = h.fake.PostInteraction(h.ctx, h.srv.URL+"/slack/interactions", secret, submission(h, "sam", h.fake.OpenedViews()[0], map[string]any{
		"text": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": "It still jams on double-sided jobs"}},
	}))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("submit reopen: %v %v", resp, err)
	}
	if inc := h.incidentNow(2); inc.State != mim.Investigating || !strings.Contains(timelineText(inc), "double-sided") {
		t.Errorf("#2 after reopen: %s; timeline %s", inc.State, timelineText(inc))
	}
}

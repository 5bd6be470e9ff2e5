package discord_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"mimbot/bot/discord/discordfake"
	"mimbot/mim"
)

// press is a person pressing a button of a message.
func (h *harness) press(user string, m discordfake.Message, customID string) discordfake.Interaction {
	return discordfake.Interaction{ID: h.newID(), Type: discordfake.InteractionMessageComponent, UserID: id(h, user),
		ChannelID: m.ChannelID, MessageID: m.ID, Data: map[string]any{"custom_id": customID, "component_type": 2}}
}

// fill is a person submitting a form with values by text input id.
func (h *harness) fill(user, channel, customID string, values map[string]string) discordfake.Interaction {
	rows := []any{}
	for k, v := range values {
		rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k, "value": v}}})
	}
	return discordfake.Interaction{ID: h.newID(), Type: discordfake.InteractionModalSubmit, UserID: id(h, user), ChannelID: channel,
		Data: map[string]any{"custom_id": customID, "components": rows}}
}

func TestAcknowledgeButton(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runGateway()
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	dm, _ := h.fake.DMChannel(id(h, "frank"))
	page := containing(h.fake.Messages(dm.ID), "You are paged")
	if len(page) != 1 {
		t.Fatalf("frank's DMs: %q", contents(h.fake.Messages(dm.ID)))
	}
	i := h.press("frank", page[0], "mimbot:ack:1")
	res := h.dispatch(i)
	if !res.Acknowledged || res.CallbackType != discordfake.CallbackChannelMessage {
		t.Fatalf("press answered %+v, want the answer in the response", res)
	}
	h.eventually("the page acknowledged", func() bool {
		p := h.incidentNow(1).Pages
		return len(p) == 1 && p[0].Acked()
	})
	h.eventually("the answer to frank", func() bool {
		a := h.answer(i.ID)
		return a.Ephemeral() && strings.Contains(a.Content, "Page acknowledged on #1")
	})
	h.eventually("the page in frank's DMs edited, without its button", func() bool {
		m, _ := h.fake.Message(page[0].ID)
		return strings.Contains(m.Content, "You are paged") && strings.Contains(m.Content, "You acknowledged the page to #1") && len(buttons(t, m)) == 0
	})
	h.drain()
	room := h.room(inc)
	card, _ := h.fake.Message(room.Card)
	if card.Edits == 0 || !strings.Contains(embedText(card), "acknowledged after") {
		t.Errorf("card not refreshed with the acknowledgement (%d edits): %s", card.Edits, embedText(card))
	}
}

func TestUpdateAndResolveButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	room := h.room(inc)
	card, _ := h.fake.Message(room.Card)
	for _, step := range []struct{ button, text string }{
		{"mimbot:update:1", "Failing over to the replica; next update in 15 minutes"},
		{"mimbot:resolve:1", "Replica promoted, payments flowing"},
	} {
		status, body, _ := h.post(h.press(inc.IM, card, step.button))
		var form struct {
			Type int `json:"type"`
			Data struct {
				CustomID string `json:"custom_id"`
				Title    string `json:"title"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &form); err != nil || status != http.StatusOK || form.Type != discordfake.CallbackModal {
			t.Fatalf("press %s: HTTP %d %s, want a form", step.button, status, body)
		}
		i := h.fill(inc.IM, room.ID, form.Data.CustomID, map[string]string{"text": step.text})
		if status, body, _ := h.post(i); status != http.StatusOK || !strings.Contains(string(body), `"type":4`) {
			t.Fatalf("submit: HTTP %d %s", status, body)
		}
		h.eventually("the "+step.button+" on the timeline", func() bool {
			return strings.Contains(timelineText(h.incidentNow(1)), step.text)
		})
	}
	if st := h.incidentNow(1).State; st != mim.Resolved {
		t.Errorf("state %s, want resolved", st)
	}
	h.drain()
	if len(containing(h.fake.Messages(h.stake), "Failing over to the replica")) != 1 {
		t.Errorf("stakeholders did not get the update: %q", contents(h.fake.Messages(h.stake)))
	}
}

func TestDeclareForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status, body, _ := h.post(h.command("sam", h.general, "declare", opt("impact", "high")))
	var form struct {
		Type int `json:"type"`
		Data struct {
			CustomID   string `json:"custom_id"`
			Components []struct {
				Components []struct {
					CustomID string `json:"custom_id"`
					Value    string `json:"value"`
				} `json:"components"`
			} `json:"components"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &form); err != nil || status != http.StatusOK || form.Type != discordfake.CallbackModal {
		t.Fatalf("declare without a title: HTTP %d %s, want the form", status, body)
	}
	var fields []string
	for _, row := range form.Data.Components {
		for _, c := range row.Components {
			fields = append(fields, c.CustomID+"="+c.Value)
		}
	}
	if want := []string{"title=", "impact=high", "urgency=", "towers=", "model="}; !slices.Equal(fields, want) {
		t.Errorf("form fields %v, want %v (filled in with what the command said)", fields, want)
	}
	cases := []struct {
		name   string
		values map[string]string
		want   []string // what the private answer says; none: declared
	}{
		{"missing title", map[string]string{"title": " ", "impact": "high"}, []string{"Nothing was declared", "title"}},
		{"bad impact and tower", map[string]string{"title": "Payments down", "impact": "catastrophic", "towers": "database, mainframe"},
			[]string{"Impact \"catastrophic\" is not one of high, medium or low", "no tower \"mainframe\"", "application, cloud, database, network"}},
		{"valid", map[string]string{"title": `Payments "down" impact=low`, "impact": "High", "urgency": "high", "towers": "database"}, nil},
	}
	for _, tc := range cases {
		// Discord only takes a submission of a form it showed.
		h.post(h.command("sam", h.general, "declare"))
		i := h.fill("sam", h.general, form.Data.CustomID, tc.values)
		status, body, _ := h.post(i)
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d", tc.name, status)
		}
		var ans struct {
			Type int `json:"type"`
			Data struct {
				Content string `json:"content"`
				Flags   int    `json:"flags"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &ans)
		if tc.want != nil {
			for _, w := range tc.want {
				if ans.Type != discordfake.CallbackChannelMessage || ans.Data.Flags&discordfake.FlagEphemeral == 0 || !strings.Contains(ans.Data.Content, w) {
					t.Errorf("%s: answer %s, want a private message saying %q", tc.name, body, w)
				}
			}
			if incs, _ := h.svc.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
				t.Errorf("%s: an invalid form declared %d incidents", tc.name, len(incs))
			}
			continue
		}
		h.declared(i.ID)
		inc := h.incidentNow(1)
		if inc.Title != `Payments 'down' impact=low` || inc.Priority != mim.P0 || !slices.Equal(inc.Towers, []string{"database"}) {
			t.Errorf("declared %q %s towers %v, want the form's values", inc.Title, inc.Priority, inc.Towers)
		}
	}
}

func TestAutocomplete(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inc := h.declare("Payments down", opt("impact", "high"), opt("urgency", "high"), opt("towers", "database"))
	h.post(h.command(inc.IM, h.general, "model save", opt("name", "db-failover"), opt("incident", 1)))
	h.eventually("the model saved", func() bool {
		ms, _ := h.svc.Store.Models(h.ctx)
		return len(ms) == 1
	})
	focused := func(name, value string) map[string]any {
		return map[string]any{"type": 3, "name": name, "value": value, "focused": true}
	}
	cases := []struct {
		name string
		data map[string]any
		want []string // choice values, in order
	}{
		{"towers", incidentCmd("declare", focused("towers", "")), []string{"application", "cloud", "database", "network"}},
		{"the second tower", incidentCmd("declare", focused("towers", "application, da")), []string{"application,database"}},
		{"models, configured and saved", incidentCmd("declare", focused("model", "")), []string{"network-partition", "payment-outage", "db-failover"}},
		{"people", incidentCmd("assign im", focused("person", "car")), []string{"carol"}},
		{"towers or people to page", incidentCmd("page", focused("text", "gr")), []string{"grace"}},
	}
	for _, tc := range cases {
		status, body, took := h.post(discordfake.Interaction{ID: h.newID(), Type: discordfake.InteractionAutocomplete, UserID: id(h, "sam"), ChannelID: h.general, Data: tc.data})
		var ans struct {
			Type int `json:"type"`
			Data struct {
				Choices []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"choices"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &ans); err != nil || status != http.StatusOK || ans.Type != discordfake.CallbackAutocompleteResult {
			t.Fatalf("%s: HTTP %d %s after %v", tc.name, status, body, took)
		}
		var got []string
		for _, c := range ans.Data.Choices {
			got = append(got, c.Value)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: suggested %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Someone mimbot does not know gets told so, privately; nothing happens.
func TestUnknownPersonIsTold(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withFake(func(o *discordfake.Options) {
		o.Users = append(o.Users, discordfake.User{ID: "1300000000000000555", Username: "mallory"})
	}))
	i := h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"))
	i.UserID = "1300000000000000555"
	h.post(i)
	h.eventually("the answer", func() bool { return strings.Contains(h.answer(i.ID).Content, "I don't know you") })
	if incs, _ := h.svc.Store.Incidents(h.ctx, mim.Filter{}); len(incs) != 0 {
		t.Errorf("%d incidents declared by a stranger", len(incs))
	}
}

// The reporter of a resolved incident answers from the direct message: "It works"
// closes it, "Still broken" asks why in a form and reopens it.
func TestConfirmAndReopenButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for n := 1; n <= 2; n++ {
		// A non-major incident is "Logged", so h.declare (which waits for "Declared") is not used.
		i := h.command("sam", h.general, "declare", opt("title", "Printer jam"), opt("impact", "low"), opt("urgency", "low"), opt("towers", "application"))
		if status, body, _ := h.post(i); status != http.StatusOK || !strings.Contains(string(body), "Logged #") {
			t.Fatalf("declare: HTTP %d %s", status, body)
		}
		if _, err := h.svc.Take(h.ctx, n, "dave"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Resolve(h.ctx, n, "dave", "Roller replaced"); err != nil {
			t.Fatal(err)
		}
	}
	h.drain()
	dm, _ := h.fake.DMChannel(id(h, "sam"))
	asks := containing(h.fake.Messages(dm.ID), "is resolved", "Does it work for you again?")
	if len(asks) != 2 {
		t.Fatalf("sam's DMs: %q", contents(h.fake.Messages(dm.ID)))
	}
	// The two incidents' messages go out side by side: find each by its number.
	if !strings.Contains(asks[0].Content, "confirm incident=1") {
		asks[0], asks[1] = asks[1], asks[0]
	}
	if b := buttons(t, asks[0]); len(b) != 2 {
		t.Fatalf("buttons of the ask: %+v", b)
	}
	if status, body, _ := h.post(h.press("sam", asks[0], "mimbot:confirm:1")); status != http.StatusOK || !strings.Contains(string(body), `"type":4`) {
		t.Fatalf("confirm: HTTP %d %s", status, body)
	}
	if inc := h.incidentNow(1); inc.State != mim.Closed || inc.ConfirmedAt.IsZero() {
		t.Errorf("#1 after confirm: %s (confirmed %v), want closed at once", inc.State, inc.ConfirmedAt)
	}

	status, body, _ := h.post(h.press("sam", asks[1], "mimbot:reopen:2"))
	var form struct {
		Type int `json:"type"`
		Data struct {
			CustomID string `json:"custom_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &form); err != nil || status != http.StatusOK || form.Type != discordfake.CallbackModal {
		t.Fatalf("press reopen: HTTP %d %s, want a form", status, body)
	}
	if status, body, _ := h.post(h.fill("sam", dm.ID, form.Data.CustomID, map[string]string{"text": "It still jams on double-sided jobs"})); status != http.StatusOK {
		t.Fatalf("submit reopen: HTTP %d %s", status, body)
	}
	if inc := h.incidentNow(2); inc.State != mim.Investigating || !strings.Contains(timelineText(inc), "double-sided") {
		t.Errorf("#2 after reopen: %s; timeline %s", inc.State, timelineText(inc))
	}
}

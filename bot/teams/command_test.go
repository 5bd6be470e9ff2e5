package teams_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"mimbot/bot/teams/teamsfake"
	"mimbot/mim"
)

// TestDeclareForm: `incident declare` without a title answers with the declare form;
// submitting it declares.
func TestDeclareForm(t *testing.T) {
	h := newHarness(t)
	a := h.say("sam", h.general, "incident declare urgency=high")
	var form []teamsfake.Activity
	h.eventually("the form", func() bool {
		form = containing(h.replies(h.general, a.ID), "Declare an incident")
		return len(form) == 1
	})
	if !strings.Contains(string(form[0].Attachments[0].Content), `"id":"urgency"`) || !strings.Contains(string(form[0].Attachments[0].Content), `"value":"high"`) {
		t.Errorf("the form does not keep urgency=high: %s", form[0].Attachments[0].Content)
	}
	sub := h.fake.Submit(h.general, aad("sam"), form[0].ID, map[string]any{
		"mimbot": "declare", "title": "Checkout slow", "impact": "high", "urgency": "high", "towers": "database",
	})
	if status, body, _ := h.deliver(sub); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, body)
	}
	h.eventually("the declaration", func() bool {
		inc, err := h.svc.Store.Incident(h.ctx, 1)
		return err == nil && inc.Title == "Checkout slow" && slices.Equal(inc.Towers, []string{"database"})
	})
}

// TestUpdateButton: Post update on the card, with its text, posts the update in the
// war room and to the stakeholders.
func TestUpdateButton(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	sub := h.fake.Submit(room.ID, aad(inc.IM), room.Card, map[string]any{"mimbot": "update", "incident": 1, "text": "DB failed over; retry=3 did not help"})
	if status, body, _ := h.deliver(sub); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, body)
	}
	h.eventually("the update", func() bool {
		return strings.Contains(timelineText(h.incident(1)), "DB failed over; retry=3 did not help")
	})
	h.drain()
	if len(containing(h.fake.Posts(room.ID), "Status update from", "DB failed over; retry=3 did not help")) != 1 {
		t.Errorf("the war room did not get the update: %v", h.fake.Posts(room.ID))
	}
	if len(containing(h.fake.Posts(stakeholders), "DB failed over")) != 1 {
		t.Errorf("the stakeholders did not get the update")
	}
}

// TestUsage: a message to the bot that is not `incident ...` gets the usage.
func TestUsage(t *testing.T) {
	h := newHarness(t)
	a := h.say("sam", h.general, "hello there")
	h.eventually("the usage", func() bool { return len(containing(h.replies(h.general, a.ID), "incident declare Payments down")) == 1 })
}

// TestMentionLookedUp: a person mentioned by Teams id is looked up once (their Entra
// object id) and named in the command: `incident page @Frank` pages frank.
func TestMentionLookedUp(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	page := func() {
		a := h.fake.Message(room.ID, aad(inc.IM), "incident page <at>Frank Mueller</at>")
		a.Text = strings.Replace(a.Text, "page", "page&nbsp;", 1)
		a.Entities = append(a.Entities, teamsfake.Entity{Type: "mention", Text: "<at>Frank Mueller</at>", Mentioned: &teamsfake.Account{ID: "29:1" + aad("frank"), Name: "Frank Mueller"}})
		if status, body, _ := h.deliver(a); status != http.StatusOK {
			t.Fatalf("HTTP %d %s", status, body)
		}
	}
	page()
	h.eventually("frank paged", func() bool {
		return slices.ContainsFunc(h.incident(1).Pages, func(p mim.Page) bool { return p.Person == "frank" })
	})
	page()
	lookups := 0
	for _, c := range h.fake.Calls() {
		if strings.Contains(c.Path, "/members/") {
			lookups++
		}
	}
	if lookups != 1 {
		t.Errorf("%d member lookups for two mentions of frank, want 1", lookups)
	}
}

// TestActionExecute: an Action.Execute invoke is answered in the invoke's response.
func TestActionExecute(t *testing.T) {
	h := newHarness(t)
	h.declare(payments)
	conv, _ := h.fake.Personal(aad("dave"))
	page := containing(h.fake.Posts(conv), "You are paged to")
	a := h.fake.Submit(conv, aad("dave"), page[0].ID, nil)
	a.Type, a.Name = "invoke", "adaptiveCard/action"
	a.Value = json.RawMessage(`{"action":{"type":"Action.Execute","verb":"ack","data":{"incident":1}}}`)
	status, body, _ := h.deliver(a)
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Type       string `json:"type"`
		Value      string `json:"value"`
	}
	if err := json.Unmarshal(body, &resp); status != http.StatusOK || err != nil {
		t.Fatalf("HTTP %d %s: %v", status, body, err)
	}
	if resp.StatusCode != 200 || resp.Type != "application/vnd.microsoft.activity.message" || !strings.Contains(resp.Value, "cknowledged") {
		t.Errorf("invoke response %+v", resp)
	}
	if !slices.ContainsFunc(h.incident(1).Pages, func(p mim.Page) bool { return p.Person == "dave" && p.Acked() }) {
		t.Error("dave's page is not acknowledged")
	}
}

// TestPersonalChat: the grammar works in a 1:1 chat with the bot, which is no war
// room.
func TestPersonalChat(t *testing.T) {
	h := newHarness(t)
	h.declare(payments)
	a := h.fake.PersonalMessage(aad("sam"), "incident status incident=1")
	if status, body, _ := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, body)
	}
	conv, _ := h.fake.Personal(aad("sam"))
	h.eventually("the status", func() bool { return len(containing(h.fake.Posts(conv), "#1 Payments down")) == 1 })
}

// TestMentionNotFound: a mention the Connector cannot look up does nothing, and the
// reply says whom it could not find.
func TestMentionNotFound(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	a := h.fake.Message(room.ID, aad(inc.IM), "incident page <at>Zed</at>")
	a.Entities = append(a.Entities, teamsfake.Entity{Type: "mention", Text: "<at>Zed</at>", Mentioned: &teamsfake.Account{ID: "29:1nobody", Name: "Zed"}})
	if status, body, _ := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d %s", status, body)
	}
	h.eventually("the reply", func() bool { return len(containing(h.replies(room.ID, a.ID), "who Zed is in Teams")) == 1 })
	if n := len(h.incident(1).Pages); n != 1 {
		t.Errorf("%d pages, want only the first", n)
	}
}

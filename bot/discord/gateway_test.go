package discord_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mimbot/bot/discord/discordfake"
)

func TestDeclareOverGateway(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runGateway()
	i := h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high"), opt("towers", "application,database"))
	res := h.dispatch(i)
	if !res.Acknowledged || res.CallbackType != discordfake.CallbackChannelMessage || res.Latency > time.Second || res.Transport != "gateway" {
		t.Fatalf("interaction %+v, want the answer over the gateway well within 3s", res)
	}
	h.declared(i.ID)
	h.drain()
	inc := h.incidentNow(1)
	checkWarRoom(t, h, inc)
	h.eventually("the war room ready in the answer", func() bool {
		return strings.Contains(h.answer(i.ID).Content, "Opening war room... done")
	})
}

// Discord wants an answer within three seconds, however slow its own API is today:
// the answer never waits for the work, nor for calls to other buckets.
func TestAnswersStayFastWhileDiscordIsSlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runGateway()
	// Every REST call but the interaction callbacks takes two seconds.
	for _, prefix := range []string{"/channels/", "/guilds/", "/users/", "/webhooks/", "/applications/"} {
		h.fake.SetLatency(prefix, 2*time.Second)
	}
	interactions := []discordfake.Interaction{
		h.command("sam", h.general, "declare", opt("title", "Payments down"), opt("impact", "high"), opt("urgency", "high")),
		h.command("sam", h.general, "declare"), // the form
		h.command("dave", h.general, "status", opt("incident", 1)),
		h.command("dave", h.general, "list"),
		{ID: h.newID(), Type: discordfake.InteractionAutocomplete, UserID: id(h, "sam"), ChannelID: h.general,
			Data: incidentCmd("declare", map[string]any{"type": 3, "name": "model", "value": "pay", "focused": true})},
	}
	var wg sync.WaitGroup
	results := make([]discordfake.InteractionResult, len(interactions))
	for n, i := range interactions {
		wg.Go(func() { results[n] = h.dispatch(i) })
	}
	wg.Wait()
	for n, res := range results {
		if !res.Acknowledged || res.Latency > 500*time.Millisecond {
			t.Errorf("interaction %d: %+v, want answered far below 3s while Discord takes 2s a call", n, res)
		}
	}
	if res := results[1]; res.CallbackType != discordfake.CallbackModal {
		t.Errorf("declare without options answered %d, want the form", res.CallbackType)
	}
	// The same over HTTP, with every call slow.
	h.fake.SetLatency("", 2*time.Second)
	status, _, took := h.post(h.command("dave", h.general, "status", opt("incident", 1)))
	if status != http.StatusOK || took > 500*time.Millisecond {
		t.Errorf("HTTP %d after %v, want far below 3s", status, took)
	}
	// The work is done after the answers, at Discord's pace.
	h.declared(interactions[0].ID)
	h.eventually("the list answer", func() bool {
		return strings.Contains(h.answer(interactions[3].ID).Content, "ctive") // "Active incidents" or "No active incidents"
	})
}

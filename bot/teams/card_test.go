package teams_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/bot/teams/teamsfake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares what a person reads (a card, a page) with testdata/name, which
// -update rewrites.
func golden(t *testing.T, name string, a teamsfake.Activity) {
	t.Helper()
	var content any
	if len(a.Attachments) > 0 {
		if err := json.Unmarshal(a.Attachments[0].Content, &content); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"text": a.Text, "entities": a.Entities, "summary": a.Summary, "card": content}); err != nil {
		t.Fatal(err)
	}
	got := b.Bytes()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// TestCardGolden: the incident card as it opens the war room and once closed, and
// the page a lead gets, as people read them.
func TestCardGolden(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(payments)
	room := h.room(inc)
	card, _ := h.fake.Post(room.ID, room.Card)
	golden(t, "card-open.json", card)
	conv, _ := h.fake.Personal(aad("dave"))
	golden(t, "page.json", containing(h.fake.Posts(conv), "You are paged to")[0])
	h.say(inc.IM, room.ID, "incident resolve rolled back the release")
	h.eventually("resolved", func() bool { return !h.incident(1).ResolvedAt.IsZero() })
	h.say(inc.IM, room.ID, "incident close")
	h.eventually("closed", func() bool { return !h.incident(1).ClosedAt.IsZero() })
	h.drain()
	card, _ = h.fake.Post(room.ID, room.Card)
	golden(t, "card-closed.json", card)
}

package teamsapp

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"mimbot/bot"
)

const testAppID = "0f3a6c1e-2b4d-4e8f-9a01-23456789abcd"

// manifest is the part of the Teams app manifest schema (v1.17) that has limits.
type manifest struct {
	ManifestVersion string `json:"manifestVersion"`
	Version         string `json:"version"`
	ID              string `json:"id"`
	Developer       struct {
		Name, WebsiteURL, PrivacyURL, TermsOfUseURL string
	} `json:"developer"`
	Name        struct{ Short, Full string }    `json:"name"`
	Description struct{ Short, Full string }    `json:"description"`
	Icons       struct{ Color, Outline string } `json:"icons"`
	AccentColor string                          `json:"accentColor"`
	Bots        []struct {
		BotID        string   `json:"botId"`
		Scopes       []string `json:"scopes"`
		CommandLists []struct {
			Scopes   []string                              `json:"scopes"`
			Commands []struct{ Title, Description string } `json:"commands"`
		} `json:"commandLists"`
	} `json:"bots"`
}

// TestZipIsAValidTeamsApp checks the package against the limits Teams enforces on
// upload: a package that breaks one is refused with a vague "manifest parsing has
// failed", so they are checked here instead.
func TestZipIsAValidTeamsApp(t *testing.T) {
	var buf bytes.Buffer
	if err := Zip(&buf, testAppID); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	var names []string
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		got[f.Name] = b
		names = append(names, f.Name)
	}
	if !slices.Equal(names, Files) {
		t.Fatalf("zip holds %v, want %v at its root", names, Files)
	}

	var m manifest
	if err := json.Unmarshal(got["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if strings.Contains(string(got["manifest.json"]), appIDPlaceholder) {
		t.Error("the app id placeholder is left in the manifest")
	}
	if m.ID != testAppID || len(m.Bots) != 1 || m.Bots[0].BotID != testAppID {
		t.Errorf("id %q, bots %+v: want the app id %s in both", m.ID, m.Bots, testAppID)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(m.Version) {
		t.Errorf("version %q is not major.minor.patch", m.Version)
	}
	limits := []struct {
		field string
		value string
		max   int
	}{
		{"name.short", m.Name.Short, 30},
		{"name.full", m.Name.Full, 100},
		{"description.short", m.Description.Short, 80},
		{"description.full", m.Description.Full, 4000},
		{"developer.name", m.Developer.Name, 32},
	}
	for _, l := range limits {
		if n := utf8.RuneCountInString(l.value); n == 0 || n > l.max {
			t.Errorf("%s has %d characters, want 1..%d", l.field, n, l.max)
		}
	}
	for _, u := range []string{m.Developer.WebsiteURL, m.Developer.PrivacyURL, m.Developer.TermsOfUseURL} {
		if !strings.HasPrefix(u, "https://") {
			t.Errorf("developer URL %q: Teams wants https", u)
		}
	}
	if !regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`).MatchString(m.AccentColor) {
		t.Errorf("accentColor %q is not #RRGGBB", m.AccentColor)
	}
	bt := m.Bots[0]
	if !slices.Equal(bt.Scopes, []string{"team", "personal"}) {
		t.Errorf("bot scopes %v, want team and personal (war rooms and direct messages)", bt.Scopes)
	}
	for _, cl := range bt.CommandLists {
		if len(cl.Commands) == 0 || len(cl.Commands) > 10 {
			t.Errorf("a command list has %d commands, want 1..10", len(cl.Commands))
		}
		for _, c := range cl.Commands {
			if n := utf8.RuneCountInString(c.Title); n > 32 {
				t.Errorf("command %q: title over 32 characters", c.Title)
			}
			if n := utf8.RuneCountInString(c.Description); n > 128 {
				t.Errorf("command %q: description has %d characters, over 128", c.Title, n)
			}
			// Each suggested command is one the grammar knows.
			verb := strings.TrimPrefix(c.Title, "incident ")
			if _, err := bot.Parse(verb); err != nil {
				t.Errorf("command %q is not in the grammar: %v", c.Title, err)
			}
		}
	}

	icons := []struct {
		name    string
		size    int
		outline bool
	}{{m.Icons.Color, 192, false}, {m.Icons.Outline, 32, true}}
	for _, ic := range icons {
		img, err := png.Decode(bytes.NewReader(got[ic.name]))
		if err != nil {
			t.Fatalf("%s: %v", ic.name, err)
		}
		if b := img.Bounds(); b != image.Rect(0, 0, ic.size, ic.size) {
			t.Errorf("%s is %v, want %dx%d", ic.name, b.Size(), ic.size, ic.size)
		}
		if ic.outline && !whiteOnTransparent(img) {
			t.Errorf("%s: an outline icon is white on a transparent background only", ic.name)
		}
	}
}

func whiteOnTransparent(img image.Image) bool {
	b := img.Bounds()
	opaque := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a == 0 {
				continue
			}
			opaque++
			if r != a || g != a || bl != a { // premultiplied: white is r=g=b=a
				return false
			}
		}
	}
	return opaque > 0
}

func TestManifestRefusesAnAppIDThatIsNoGUID(t *testing.T) {
	for _, id := range []string{"", "mimbot", testAppID + "x", "28:" + testAppID} {
		if _, err := Manifest(id); err == nil || !strings.Contains(err.Error(), "TEAMS_APP_ID") {
			t.Errorf("Manifest(%q) = %v, want an error naming TEAMS_APP_ID", id, err)
		}
	}
}

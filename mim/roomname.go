package mim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// Room names: the template channels.war_room renders a name for an incident
// (RenderWarRoom); each platform then keeps it within its own longest channel name and
// numbers it when it is taken (WarRoomName). Both follow the rules every platform
// shares: lowercase, only a-z 0-9 - and _.

// MaxRoomSuffix is how many numbered names a war room tries (name, name-2 ...
// name-50) when its name is taken, before giving up.
const MaxRoomSuffix = 50

// maxRoomName is the longest name RenderWarRoom makes: Slack's limit, the shortest of
// the platforms'.
const maxRoomName = 80

// RenderWarRoom renders the war-room template for an incident and keeps what every
// platform accepts; "" when nothing is left.
func RenderWarRoom(t *template.Template, number int, title string, p Priority) (string, error) {
	var b bytes.Buffer
	data := map[string]any{"Number": number, "Slug": Slug(title), "Title": title, "Priority": p.String()}
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render war room name: %w", err)
	}
	return WarRoomName(b.String(), 1, maxRoomName), nil
}

// WarRoomName is name under one platform's rules: lowercase, only a-z 0-9 - and _ (a
// space or a dot becomes -), at most limit characters, and numbered "-n" within the
// limit when n > 1 (the name is taken).
func WarRoomName(name string, n, limit int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteByte('-')
		}
	}
	out := b.String()
	sfx := ""
	if n > 1 {
		sfx = "-" + strconv.Itoa(n)
	}
	if len(out)+len(sfx) > limit {
		out = strings.TrimRight(out[:limit-len(sfx)], "-_")
	}
	return out + sfx
}

// IsWarRoomName tells whether channel is name, or one of its numbered names, under a
// platform's limit.
func IsWarRoomName(channel, name string, limit int) bool {
	for n := 1; n <= MaxRoomSuffix; n++ {
		if channel == WarRoomName(name, n, limit) {
			return true
		}
	}
	return false
}

package bot

import (
	"strconv"
	"strings"
)

// MaxSuffix is how many numbered names a war room tries (name, name-2 ... name-50)
// when the name is taken, before giving up.
const MaxSuffix = 50

// Suffixed returns name with "-n" (n > 1), shortened to stay within limit characters
// (the platform's longest channel name).
func Suffixed(name string, n, limit int) string {
	if n <= 1 {
		return name
	}
	sfx := "-" + strconv.Itoa(n)
	if len(name)+len(sfx) > limit {
		name = strings.TrimRight(name[:limit-len(sfx)], "-_")
	}
	return name + sfx
}

// RoomNamed tells whether channel is name or one of its numbered names (Suffixed
// within limit).
func RoomNamed(channel, name string, limit int) bool {
	for n := 1; n <= MaxSuffix; n++ {
		if channel == Suffixed(name, n, limit) {
			return true
		}
	}
	return false
}

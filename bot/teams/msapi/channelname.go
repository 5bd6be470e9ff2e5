package msapi

import (
	"strings"

	"mimbot/mim"
)

// maxChannelName is the longest channel name Teams accepts.
const maxChannelName = 50

// ChannelName is name under Teams' rules: at most 50 characters, without the forbidden
// characters, not starting with _ or ., not ending with .; numbered "-n" when n > 1.
// It keeps the rules every platform shares (mim.WarRoomName: lowercase, a-z 0-9 - _,
// a space or a dot becomes -), which leave out every character Teams forbids, ".."
// and a trailing dot; "" when nothing is left.
func ChannelName(name string, n int) string {
	base := strings.TrimLeft(mim.WarRoomName(name, 1, maxChannelName), "_")
	if base == "" {
		return ""
	}
	return mim.WarRoomName(base, n, maxChannelName)
}

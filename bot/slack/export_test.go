package slack

// InLine is how many sends hold or wait for channel's turn (bot.Lanes.Len), for the
// tests of order: each send starts once the one before has its place in line.
func (a *Adapter) InLine(channel string) int { return a.lanes.Len(channel) }

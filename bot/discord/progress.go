package discord

import "time"

// progressTTL is how long a declaration's progress is kept: the interaction token
// that shows it works for fifteen minutes.
const progressTTL = 14 * time.Minute

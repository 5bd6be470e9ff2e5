package slack

import (
	"context"
	"time"
)

// replier answers the person behind one request: through the command's
// response_url, or ephemerally in a channel. replace asks to replace the previous
// answer where the transport can (a response_url).
type replier func(ctx context.Context, text string, replace bool) error

// progressTTL is how long a declaration's progress is kept: a response_url works
// for thirty minutes.
const progressTTL = 30 * time.Minute

package pagerdutyfake

import "time"

// Fault scripts a failure for one request to /v2/enqueue. A fault is applied
// before the request is read or validated, so a faulted event is never
// accepted, unless Status is zero.
type Fault struct {
	// Delay before answering. The wait ends early, without an answer, when
	// the client goes away or the server is closed.
	Delay time.Duration
	// Status, when non-zero, is sent with a text/plain body instead of
	// processing the event, e.g. 500 or 502. With Status zero the event is
	// processed normally after Delay.
	Status int
}

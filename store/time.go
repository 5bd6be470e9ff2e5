package store

import "time"

// Precision is the resolution of every time a backend stores: timers, timelines and
// the incident's clocks. SQLite keeps Unix milliseconds so that due times compare in
// SQL; PostgreSQL, which could keep microseconds, is held to the same so that both
// backends return the same values.
const Precision = time.Millisecond

// Truncate returns t as a backend gives it back: in UTC, truncated to Precision. The
// zero time stays zero (backends store it as "not set").
func Truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(Precision)
}

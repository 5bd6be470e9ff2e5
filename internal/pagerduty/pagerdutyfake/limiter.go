package pagerdutyfake

import "time"

// limiter allows at most perMinute events per key in any sliding 60-second
// window. It is not safe for concurrent use; Server guards it.
type limiter struct {
	perMinute int
	hits      map[string][]time.Time
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perMinute: perMinute, hits: map[string][]time.Time{}}
}

// allow records an event for key at now and reports whether it is within
// the limit. Refused events are not recorded. A limit of zero or less allows
// everything.
func (l *limiter) allow(key string, now time.Time) bool {
	if l.perMinute <= 0 {
		return true
	}
	cutoff := now.Add(-time.Minute)
	recent := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if t.After(cutoff) {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.perMinute {
		l.hits[key] = recent
		return false
	}
	l.hits[key] = append(recent, now)
	return true
}

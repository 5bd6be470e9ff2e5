package mim

import (
	"strings"
	"time"
)

// Timer keys. A timer is unique per (incident, key); scheduling a key again moves it.
const (
	TimerReminder       = "reminder"         // an update falls due: remind the IM
	TimerUpdateOverdue  = "update_overdue"   // half a cadence late: escalate to the head
	TimerRespondWarning = "sla_respond_warn" // 75% of the respond target
	TimerRespondBreach  = "sla_respond_breach"
	TimerResolveWarning = "sla_resolve_warn" // 75% of the resolve target
	TimerResolveBreach  = "sla_resolve_breach"
	TimerPageAckPrefix  = "page_ack:" // + tower: the page was not acknowledged in time
	TimerDigest         = "digest"    // global (incident 0): stakeholder roll-up
	TimerConfirm        = "confirm"   // the reporter did not confirm in time: close
)

// Timer is work due at a time, kept in the store so that it survives restarts. A worker
// claims it with a lease; if the worker dies, the lease runs out and another claims it.
// Version changes every time the timer is rescheduled, so a stale claim is detected.
type Timer struct {
	ID       int64
	Incident int // 0 for global timers
	Key      string
	Due      time.Time
	Version  int64
}

// PageAckKey is the timer key of a tower's page acknowledgement.
func PageAckKey(tower string) string { return TimerPageAckPrefix + tower }

// IsPageAck tells whether key is a page acknowledgement timer and for which tower.
func IsPageAck(key string) (string, bool) {
	return strings.CutPrefix(key, TimerPageAckPrefix)
}

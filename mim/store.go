package mim

import (
	"context"
	"time"
)

// Change is what a use case does besides editing the incident: the store applies it in
// the same transaction as the incident's new state.
type Change struct {
	Entries   []Entry    // appended to the timeline
	Schedule  []Timer    // inserted, or moved when (incident, key) exists
	Cancel    []string   // timer keys to cancel
	CancelAll bool       // cancel every timer of the incident
	Messages  []Outgoing // queued in the outbox
	Fired     *Timer     // the claimed timer this change completes; stale -> ErrStale
	// Request is the platform request the change carries out (see WithRequest): a
	// request recorded before -> ErrSeen, and nothing is saved.
	Request string
}

// Log appends a timeline entry.
func (c *Change) Log(at time.Time, kind Kind, actor, text string) {
	c.Entries = append(c.Entries, Entry{At: at, Kind: kind, Actor: actor, Text: text})
}

// Filter selects incidents to list.
type Filter struct {
	Open      bool // only states before resolved
	MajorOnly bool
	Limit     int // 0: no limit
}

// IncidentStore changes incidents, with their timelines, timers and outgoing
// messages. Every write is one transaction.
type IncidentStore interface {
	// CreateIncident runs build on a new incident that already has its number, with
	// the open major incidents each incident manager holds (as Held counts them, in
	// the same transaction), then saves it with ch and returns what it saved. If an
	// incident was declared by the same requestKey before, it returns that one and
	// created=false without calling build.
	CreateIncident(ctx context.Context, requestKey string, build func(inc *Incident, held map[string]int, ch *Change) error) (inc *Incident, created bool, err error)
	// UpdateIncident loads the incident (locked against concurrent updates), runs fn and
	// saves the result with ch, returning what it saved; when fn fails nothing is
	// saved.
	UpdateIncident(ctx context.Context, number int, fn func(*Incident, *Change) error) (*Incident, error)
}

// IncidentReader reads incidents without changing them.
type IncidentReader interface {
	// Incident returns one incident with its timeline.
	Incident(ctx context.Context, number int) (*Incident, error)
	// Incidents lists incidents, newest first, without their timelines.
	Incidents(ctx context.Context, f Filter) ([]*Incident, error)
	// Held counts the open major incidents of each incident manager.
	Held(ctx context.Context) (map[string]int, error)
	// IncidentByRequestKey returns the incident a request (CreateIncident's
	// requestKey) declared, with its timeline; ENOTFOUND when none did.
	IncidentByRequestKey(ctx context.Context, key string) (*Incident, error)
	// Queue returns the open incidents f selects, without timelines, in queue order
	// (priority, resolve deadline with none last, number), at most f.Limit of them,
	// and how many f selects in all.
	Queue(ctx context.Context, f QueueFilter) ([]*Incident, int, error)
}

// RoomIndex finds the incident a war room belongs to.
type RoomIndex interface {
	IncidentByRoom(ctx context.Context, platform, roomID string) (*Incident, error)
}

// TimerStore hands out due timers.
type TimerStore interface {
	// ClaimTimers leases up to limit timers due at now that nobody holds a live lease
	// on; each is then fired with UpdateIncident (Change.Fired) or CompleteTimer.
	ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, owner string, limit int) ([]Timer, error)
	// NextDue is when a pending timer can next be claimed: its due time, or the end of
	// the live lease another worker holds on it; zero when there is none. (A worker
	// that slept only until a leased timer's due time would wake for nothing until the
	// lease ran out.)
	NextDue(ctx context.Context) (time.Time, error)
	// CompleteTimer completes a global timer, schedules its successor (next, when not
	// nil) and queues msgs, in one transaction.
	CompleteTimer(ctx context.Context, t Timer, next *Timer, msgs []Outgoing) error
	// EnsureTimer creates the timer when (incident, key) has no pending timer.
	EnsureTimer(ctx context.Context, t Timer) error
}

// Outbox hands out messages to deliver, oldest first per (platform, incident, queue):
// a message is handed out only when every earlier message of its queue is done.
type Outbox interface {
	// ClaimMessages leases up to limit messages for the given platforms (none: no
	// message), each with what its delivery needs: the incident without its timeline
	// (nil for a message about no incident) and its war room on the platform.
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, owner string, platforms []string, limit int) ([]Delivery, error)
	// PendingMessages counts the messages not yet done, by platform.
	PendingMessages(ctx context.Context) (map[string]int, error)
	// MessageDone marks a claimed message delivered, or given up on with failure set.
	MessageDone(ctx context.Context, id int64, failure string) error
	// MessageRetry releases a claimed message to be tried again at retryAt.
	MessageRetry(ctx context.Context, id int64, retryAt time.Time, failure string) error
	// ExtendLease keeps a message owner claimed until until, while its delivery
	// still runs; ErrStale when owner holds it no more (done, or claimed by another
	// after the lease ran out).
	ExtendLease(ctx context.Context, id int64, owner string, until time.Time) error
}

// LeaseReleaser gives back what a worker holds when it stops cleanly.
type LeaseReleaser interface {
	// ReleaseLeases drops owner's leases on the timers not yet done and the messages
	// not yet delivered, so that another worker claims them at once instead of when
	// the leases run out; it returns how many of each it released.
	ReleaseLeases(ctx context.Context, owner string) (timers, messages int, err error)
}

// Store is everything the service needs from persistence.
type Store interface {
	IncidentStore
	IncidentReader
	RoomIndex
	TimerStore
	Outbox
	ModelStore
	LeaseReleaser
}

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
	// Problems are problem records to open, each linked to the incident changed.
	Problems []Problem
	// Global are timers of no incident (0) to schedule or move: the follow-ups of
	// problems and actions, which outlive the incident's own timers (CancelAll).
	Global []Timer
	// RoomReady names the platform whose war room this change finds ready (every
	// set-up step done, the card posted), for observers that time it; the store has
	// it on the room already.
	RoomReady string
	// Elsewhere are entries for the timelines of other incidents: a problem opened
	// for recurring incidents is logged on each of them, in the same transaction.
	Elsewhere []IncidentEntry
}

// IncidentEntry is a timeline entry of incident Incident.
type IncidentEntry struct {
	Incident int
	Entry
}

// Log appends a timeline entry and returns it, for the caller to label.
func (c *Change) Log(at time.Time, kind Kind, actor, text string) *Entry {
	c.Entries = append(c.Entries, Entry{At: at, Kind: kind, Actor: actor, Text: text})
	return &c.Entries[len(c.Entries)-1]
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
	// DueTimers counts the timers due at now that no live lease holds: work waiting
	// for a worker, which grows when no worker keeps up (or none runs).
	DueTimers(ctx context.Context, now time.Time) (int, error)
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

// ProblemEdit is what a use case working a problem record gets from the store's
// transaction, and fills in.
type ProblemEdit struct {
	Problem *Problem
	// Incidents are the linked incidents, without their timelines, oldest first:
	// their titles and platforms, for messages.
	Incidents []*Incident
	// NextKnownError is the number a known error published by this edit takes.
	NextKnownError int
	// Publish, when set by the use case, is inserted as a known error.
	Publish *KnownError
	// Change is applied with the problem: its entries go on the timeline of every
	// linked incident, its timers of incident 0 stay global, and its messages that
	// name no incident belong to the first one.
	Change Change
}

// ActionEdit is what a use case adding or working a follow-up action gets from the
// store's transaction, and fills in.
type ActionEdit struct {
	// Incident is the action's incident, without its timeline.
	Incident *Incident
	// Action is the action; a new one already carries the number it will take.
	Action *Action
	// Change is applied with the action, as ProblemEdit.Change on one incident.
	Change Change
}

// ProblemStore keeps problem records and the known errors they publish. Every write
// is one transaction.
type ProblemStore interface {
	// Problem returns one problem record by its ref; ENOTFOUND when there is none.
	Problem(ctx context.Context, ref string) (*Problem, error)
	// Problems lists problem records, newest first.
	Problems(ctx context.Context) ([]*Problem, error)
	// UpdateProblem loads the problem (locked against concurrent updates), runs fn
	// and saves the result with fn's edit; when fn fails nothing is saved.
	UpdateProblem(ctx context.Context, ref string, fn func(*ProblemEdit) error) (*Problem, error)
	// KnownErrors lists known errors, newest first; with search set, only those
	// whose title, root cause or workaround contain it (case-insensitive).
	KnownErrors(ctx context.Context, search string) ([]KnownError, error)
}

// ActionStore keeps follow-up actions. Every write is one transaction.
type ActionStore interface {
	// AddAction numbers a new action of incident n, runs fn and saves the action
	// with fn's change; when fn fails nothing is saved.
	AddAction(ctx context.Context, n int, fn func(*ActionEdit) error) (*Action, error)
	// UpdateAction loads action number (and its incident), runs fn and saves both
	// the action and fn's change; ENOTFOUND when there is no such action.
	UpdateAction(ctx context.Context, number int, fn func(*ActionEdit) error) (*Action, error)
	// Actions lists the actions f selects, by number.
	Actions(ctx context.Context, f ActionFilter) ([]Action, error)
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
	ProblemStore
	ActionStore
	LeaseReleaser
	SimilarStore
}

package mim

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// State is where an incident is in its lifecycle.
type State string

// The lifecycle: declared -> investigating -> identified -> mitigated -> resolved ->
// closed, or cancelled from any open state.
const (
	Declared      State = "declared"
	Investigating State = "investigating"
	Identified    State = "identified"
	Mitigated     State = "mitigated"
	Resolved      State = "resolved"
	Closed        State = "closed"
	Cancelled     State = "cancelled"
)

// rank orders the forward-only states.
var rank = map[State]int{Declared: 0, Investigating: 1, Identified: 2, Mitigated: 3, Resolved: 4, Closed: 5, Cancelled: 5}

// Open tells whether work on the incident is still going on.
func (s State) Open() bool { return rank[s] < rank[Resolved] }

// Page is a tower lead (or anyone) paged to an incident.
type Page struct {
	Person   string
	Tower    string // "" for a person paged by name
	Level    int    // index in the tower's leads
	PagedAt  time.Time
	AckedAt  time.Time // zero until acknowledged
	Replaced bool      // the page timed out and the next lead was paged
}

// Acked tells whether the page was acknowledged.
func (p Page) Acked() bool { return !p.AckedAt.IsZero() }

// WarRoom is an incident's channel on one platform.
type WarRoom struct {
	Platform string
	ID       string
	Name     string
	Ready    bool   // every set-up step after creation (invites, topic, card...) is done
	Card     string // the platform's id of the pinned incident card message, if any
	Voice    string // the platform's id of the voice channel used as bridge (Discord)
}

// Task is a checklist item of an incident.
type Task struct {
	N       int
	Text    string
	Owner   string
	Done    bool
	AddedBy string
	DoneBy  string
	DoneAt  time.Time
}

// Incident is an unplanned interruption or degradation of a service, and everything
// mimbot knows about how it is being handled.
type Incident struct {
	Number     int
	RequestKey string // the platform request that declared it; a retry finds it
	Title      string
	Impact     Level
	Urgency    Level
	Priority   Priority
	Major      bool
	State      State
	Towers     []string
	Model      string
	DeclaredBy string
	Source     string // platform the declaration came from: shell, slack, discord, alertmanager, api, email
	// Description is what the reporter wrote besides the title (an e-mail's body, the
	// API's description).
	Description string
	Platforms   []string // platforms that carry its war room and posts
	IM          string
	Comms       string
	// Owner works a non-major incident (ITIL step 4): who took it or was assigned it.
	Owner      string
	Pages      []Page
	WarRooms   []WarRoom
	RoomName   string // the war room's name on every platform, before any suffix
	Bridge     string
	Diagnosis  string
	Workaround string
	Resolution string
	Tasks      []Task
	Problem    *Problem // set on close
	// Actions are the incident's follow-up actions. The store keeps them in a table
	// of their own and reads them with Incident, not for an update.
	Actions []Action
	Summary *SummaryDoc // the latest post-incident summary
	// Similar are the best known errors and past incidents found for it after its
	// declaration, best first; nil until the search ran.
	Similar []Similar

	DeclaredAt    time.Time
	IMAssignedAt  time.Time
	RespondedAt   time.Time // first human response: a page acknowledged or the IM's first update
	FirstUpdateAt time.Time
	LastUpdateAt  time.Time
	MitigatedAt   time.Time
	ResolvedAt    time.Time
	ClosedAt      time.Time
	ConfirmedAt   time.Time // the reporter (or IM, SMO) confirmed the fix
	// ResolveDue is when the resolve SLA runs out (declaration + the priority's
	// resolve target); zero when the priority has none. The queue sorts on it.
	ResolveDue time.Time
	// NextUpdateDue is when the next status update is due; zero when no cadence runs.
	NextUpdateDue time.Time
	SnoozedUntil  time.Time
	// Updates tallies how the cadence's slots ended, for the trend report.
	Updates UpdateTally

	Timeline []Entry
}

// UpdateTally counts how each slot of the status-update cadence ended: an update by
// its due time, an update after it, or the overdue escalation (the slot was missed and
// the cadence rolled on). An update posted while no slot is due (no cadence runs) is
// not a slot.
type UpdateTally struct {
	OnTime int
	Late   int
	Missed int
}

// Slots is how many slots ended.
func (t UpdateTally) Slots() int { return t.OnTime + t.Late + t.Missed }

// The ways an incident comes in, as Incident.Intake names them.
const (
	SourceChat         = "chat"
	SourceAPI          = "api"
	SourceEmail        = "email"
	SourceAlertmanager = "alertmanager"
)

// Intake is the way the incident came in: chat for every chat platform (Source
// keeps which one), else the source itself (api, email, alertmanager).
func (inc *Incident) Intake() string {
	switch inc.Source {
	case SourceAPI, SourceEmail, SourceAlertmanager:
		return inc.Source
	}
	return SourceChat
}

// Ref is how people refer to the incident: "#12".
func (inc *Incident) Ref() string { return fmt.Sprintf("#%d", inc.Number) }

// Room returns the incident's war room on platform.
func (inc *Incident) Room(platform string) (WarRoom, bool) {
	for _, r := range inc.WarRooms {
		if r.Platform == platform {
			return r, true
		}
	}
	return WarRoom{}, false
}

// SetRoom records (or replaces) the war room of r.Platform.
func (inc *Incident) SetRoom(r WarRoom) {
	for i := range inc.WarRooms {
		if inc.WarRooms[i].Platform == r.Platform {
			inc.WarRooms[i] = r
			return
		}
	}
	inc.WarRooms = append(inc.WarRooms, r)
}

// ActivePages returns the pages that are still current (not replaced by the next lead).
func (inc *Incident) ActivePages() []Page {
	var out []Page
	for _, p := range inc.Pages {
		if !p.Replaced {
			out = append(out, p)
		}
	}
	return out
}

// IsPaged tells whether key has a current page on the incident.
func (inc *Incident) IsPaged(key string) bool {
	return slices.ContainsFunc(inc.Pages, func(p Page) bool { return p.Person == key })
}

// InMIT tells whether key is in the incident's team: IM, comms, a paged lead, or the
// owner (who stays a participant when a non-major incident is raised to major).
func (inc *Incident) InMIT(key string) bool {
	return key != "" && (key == inc.IM || key == inc.Comms || key == inc.Owner || inc.IsPaged(key))
}

// Participants returns everyone involved, in first-seen order.
func (inc *Incident) Participants() []string {
	var out []string
	add := func(k string) {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	add(inc.DeclaredBy)
	add(inc.IM)
	add(inc.Comms)
	add(inc.Owner)
	for _, p := range inc.Pages {
		add(p.Person)
	}
	return out
}

// Slug turns a title into a channel-friendly word list: "Payments down!" ->
// "payments-down".
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s
}

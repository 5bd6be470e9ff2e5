package mim

import "time"

// Kind types a timeline entry.
type Kind string

// Timeline kinds. Scripts and the post-incident summary rely on these names.
const (
	KindDeclared     Kind = "declared"
	KindIMAssigned   Kind = "im_assigned"
	KindIMSkipped    Kind = "im_skipped"
	KindCommsAssign  Kind = "comms_assigned"
	KindPaged        Kind = "paged"
	KindPageAcked    Kind = "page_acked"
	KindUpdate       Kind = "update"
	KindReminder     Kind = "reminder"
	KindEscalated    Kind = "escalated"
	KindSLAWarning   Kind = "sla_warning"
	KindSLABreach    Kind = "sla_breach"
	KindStateChanged Kind = "state_changed"
	KindPriority     Kind = "priority_changed"
	KindTaskAdded    Kind = "task_added"
	KindTaskDone     Kind = "task_done"
	KindNote         Kind = "note"
	KindSnoozed      Kind = "snoozed"
	KindDiagnosis    Kind = "diagnosis"
	KindWorkaround   Kind = "workaround"
	KindResolved     Kind = "resolved"
	KindClosed       Kind = "closed"
	KindCancelled    Kind = "cancelled"
	KindReopened     Kind = "reopened"
	KindWarRoom      Kind = "war_room"
	KindSummary      Kind = "summary"
	KindProblem      Kind = "problem"
	// KindProblemOpened: similar incidents recurred and a problem record links them.
	KindProblemOpened Kind = "problem_opened"
	KindModelSaved    Kind = "model_saved"
	KindAssigned      Kind = "assigned"     // a non-major incident got its owner
	KindConfirmed     Kind = "confirmed"    // the reporter confirmed the fix
	KindActionAdded   Kind = "action_added" // a follow-up action was agreed
	KindActionDone    Kind = "action_done"
)

// Entry is one line of an incident's timeline. Actor is a person key, or "mimbot"
// for what the bot did by itself.
type Entry struct {
	ID    int64
	At    time.Time
	Kind  Kind
	Actor string
	Text  string
	// Label and Took say as data what Text says in words, so that nobody parses Text
	// (metrics, logs, reports); "" and 0 for the kinds without them. Label is the
	// escalation kind (EscalationFunctional, EscalationHierarchical) of escalated, the
	// SLA clock (ClockRespond, ClockResolve) of sla_warning and sla_breach, and the
	// tower of page_acked ("" for a page by name). Took is how long an acknowledged
	// page waited.
	Label string
	Took  time.Duration
}

// Bot is the actor of entries the bot writes by itself.
const Bot = "mimbot"

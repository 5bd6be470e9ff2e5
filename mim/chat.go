package mim

import "context"

// RoomRequest asks a chat platform to open (or finish opening) an incident's war room.
type RoomRequest struct {
	Incident *Incident
	Name     string
	// Existing is the room already recorded for this incident on this platform: the
	// adapter continues with the remaining steps and never creates a second room.
	Existing *WarRoom
	// Attempt counts the tries, this one included, in any replica: 1 is surely the
	// first; a later one may find a room an earlier try created but could not record.
	// 0: unknown.
	Attempt int
}

// Delivery is one outbox message with what an adapter needs to send it.
type Delivery struct {
	Message  Outgoing
	Incident *Incident // nil for messages about no single incident
	Room     *WarRoom  // the war room on the message's platform, when it is open
}

// Pager is a paging service (PagerDuty), as the service sees it: it is told that a
// tower was paged, that the page was acknowledged or resolved (ToPager messages). It
// has no rooms and answers nobody, so it is no Chat.
type Pager interface {
	// Page delivers one ToPager message. An error whose code is EUNAVAILABLE is
	// retried later.
	Page(ctx context.Context, d Delivery) error
}

// Chat is one chat platform, as the service sees it.
type Chat interface {
	// OpenRoom opens the war room in two steps, so that what it creates is recorded
	// before it goes on and a crash resumes instead of creating a second room. Without
	// req.Existing it only creates the room (or adopts one an earlier attempt created
	// but could not record) and returns it. With req.Existing it does the remaining
	// steps (invites, topic, bridge, card) and returns the room with what they added;
	// when a step fails it returns the error and the room as it stands, with what the
	// other steps created, for the relay to record before trying again. It must be safe
	// to call again after a failure, and it never writes to the domain itself.
	OpenRoom(ctx context.Context, req RoomRequest) (WarRoom, error)
	// Send delivers one message. It returns the war room when delivering changed it (a
	// card posted again, a bridge deleted), for the relay to record, and nil
	// otherwise. An error whose code is EUNAVAILABLE is retried later.
	Send(ctx context.Context, d Delivery) (*WarRoom, error)
}

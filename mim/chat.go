package mim

import "context"

// RoomRequest asks a chat platform to open (or finish opening) an incident's war room.
type RoomRequest struct {
	Incident *Incident
	Name     string
	// Existing is the room already recorded for this incident on this platform, when a
	// previous attempt created it: the adapter continues with the remaining steps and
	// never creates a second room.
	Existing *WarRoom
	// Record saves the room as soon as it exists, before the remaining steps, so that a
	// crash after creation resumes instead of creating another.
	Record func(ctx context.Context, room WarRoom) error
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

// Chat is one chat platform, as the service sees it.
type Chat interface {
	// OpenRoom creates the war room (and bridge, where the platform has one), invites
	// the team and returns the room; it must be safe to call again after a failure.
	OpenRoom(ctx context.Context, req RoomRequest) (WarRoom, error)
	// Send delivers one message. An error whose code is EUNAVAILABLE is retried later.
	Send(ctx context.Context, d Delivery) error
}

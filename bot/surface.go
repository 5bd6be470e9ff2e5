package bot

import (
	"context"
	"time"

	"mimbot/mim"
)

// Surface is all a chat adapter may ask of mimbot: run a person's command, find the
// incident of a war room, capture a message on a timeline, and read the configuration,
// the saved incident models and the time. Adapters hold a Surface, never the service
// or its store; *Router is the Surface of a running process.
type Surface interface {
	// Commit runs a command before it is acknowledged, within CommitBudget.
	Commit(ctx context.Context, req Request) Reply
	// Handle runs a command without a budget (a Slow one, after its acknowledgement).
	Handle(ctx context.Context, req Request) Reply
	// Slow tells whether a command cannot be committed within CommitBudget.
	Slow(text string) bool
	// Person maps a platform user to a person key.
	Person(platform, user string) (string, error)
	// IncidentByRoom returns the incident whose war room on platform is room.
	IncidentByRoom(ctx context.Context, platform, room string) (*mim.Incident, error)
	// Capture puts a message of a war room on the incident's timeline.
	Capture(ctx context.Context, number int, actor, author, text string) (*mim.Incident, error)
	// Models returns the saved incident models.
	Models(ctx context.Context) ([]mim.Model, error)
	// Config is the configuration in force.
	Config() *mim.Config
	// Now is the service's clock.
	Now() time.Time
}

var _ Surface = (*Router)(nil)

// IncidentByRoom returns the incident whose war room on platform is room.
func (r *Router) IncidentByRoom(ctx context.Context, platform, room string) (*mim.Incident, error) {
	return r.Service.Store.IncidentByRoom(ctx, platform, room)
}

// Capture puts a message of a war room on the incident's timeline.
func (r *Router) Capture(ctx context.Context, number int, actor, author, text string) (*mim.Incident, error) {
	return r.Service.Capture(ctx, number, actor, author, text)
}

// Models returns the saved incident models.
func (r *Router) Models(ctx context.Context) ([]mim.Model, error) {
	return r.Service.Store.Models(ctx)
}

// Config is the configuration in force.
func (r *Router) Config() *mim.Config { return r.Service.Config }

// Now is the service's clock.
func (r *Router) Now() time.Time { return r.Service.Clock.Now() }

package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"mimbot/mim"
)

// CommitBudget bounds the work done on a command before it is acknowledged. An
// acknowledgement promises the person that the command will not be lost (Slack and
// Discord never send again a request they got an answer to), so a command is
// committed first: the incident, its timers and its outbox messages in one
// transaction, which takes milliseconds. The budget leaves a second of Slack's and
// Discord's three for the acknowledgement to travel.
const CommitBudget = 2 * time.Second

// NotDoneText is the answer to a command that could not be committed within
// CommitBudget (the database down or too slow).
const NotDoneText = "Not done: I could not save this in time, so nothing was changed. Please try again in a moment."

// Commit runs req before its acknowledgement, within CommitBudget. When the budget
// ran out, the reply says that nothing was done.
func (r *Router) Commit(ctx context.Context, req Request) Reply {
	ctx, cancel := context.WithTimeout(ctx, CommitBudget)
	defer cancel()
	rep := r.Handle(ctx, req)
	if rep.Err != nil && ctx.Err() != nil {
		rep.Text = NotDoneText
	}
	return rep
}

// Unsaved reports whether the command failed on mimbot's side (the database down,
// out of time): nothing was done and the person must be told to try again.
func (rep Reply) Unsaved() bool {
	return rep.Err != nil && mim.ErrorCode(rep.Err) == mim.EINTERNAL
}

// Slow reports whether a command waits on another service before it can commit (the
// LLM drafting a post-incident summary, for up to a minute), so that it cannot be
// committed within CommitBudget. Such a command is acknowledged with SlowText and
// answered when it is done; losing it loses nothing but the wait, since running it
// again writes the same summary.
func (r *Router) Slow(text string) bool {
	cmd, err := Parse(text)
	return err == nil && cmd.Verb == "summary" && cmd.Sub != "approve" && r.Service.Summarizer != nil
}

// SlowText acknowledges a Slow command.
const SlowText = "Writing the post-incident summary with the LLM; this takes up to a minute. If no answer follows here, run it again."

// Answer is what the person who typed req is told: the reply's text and, for a
// declaration, its war room on platform. When the war room is still opening, shown
// ends with "Opening war room..." and follow is set: the adapter keeps
// Progress[...].Shown(req.RequestID, text) so that the answer is completed in place
// once the room is ready.
func Answer(req Request, rep Reply, platform string) (shown, text string, follow bool) {
	text = rep.Text
	inc := rep.Incident
	if !strings.EqualFold(firstWord(req.Text), "declare") || rep.Err != nil || inc == nil || inc.RoomName == "" ||
		req.RequestID == "" || !slices.Contains(inc.Platforms, platform) {
		return text, text, false
	}
	if room, ok := inc.Room(platform); ok && room.Ready {
		text += fmt.Sprintf("\nWar room <#%s> is open.", room.ID)
		return text, text, false
	}
	return text + "\nOpening war room...", text, true
}

// IsDeclare reports whether a command's text is a declaration, whose answer may
// follow its war room.
func IsDeclare(text string) bool {
	return strings.EqualFold(firstWord(text), "declare")
}

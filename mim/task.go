package mim

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// addTask appends a task numbered after the last one.
func addTask(inc *Incident, ch *Change, now time.Time, by, text, owner string) Task {
	n := 1
	if len(inc.Tasks) > 0 {
		n = inc.Tasks[len(inc.Tasks)-1].N + 1
	}
	t := Task{N: n, Text: text, Owner: owner, AddedBy: by}
	inc.Tasks = append(inc.Tasks, t)
	own := ""
	if owner != "" {
		own = " (owner " + owner + ")"
	}
	ch.Log(now, KindTaskAdded, by, fmt.Sprintf("Task %d: %s%s", n, text, own))
	return t
}

// TaskAdd adds a task to the incident's checklist.
func (s *Service) TaskAdd(ctx context.Context, number int, actor, text, owner string) (*Incident, error) {
	if owner != "" {
		if err := s.person(owner); err != nil {
			return nil, err
		}
	}
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := mustOpen(inc, "add tasks"); err != nil {
			return err
		}
		if err := s.allow(inc, actor, "manage tasks", roleMIT, roleSMO, roleOwner); err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			return Errorf(EINVALID, "task add needs the task: task add Check the payment provider's status page owner=dave")
		}
		now := s.Clock.Now()
		t := addTask(inc, ch, now, actor, text, owner)
		if owner != "" {
			s.tell(inc, ch, owner, KindTaskAdded, fmt.Sprintf("%s gave you task %d on %s: %s", actor, t.N, s.headline(inc), text))
		}
		ch.Messages = append(ch.Messages, s.cards(inc, now)...)
		return nil
	})
}

// TaskDone marks task n done.
func (s *Service) TaskDone(ctx context.Context, number int, actor string, n int) (*Incident, error) {
	return s.update(ctx, number, func(inc *Incident, ch *Change) error {
		if err := s.allow(inc, actor, "manage tasks", roleMIT, roleSMO, roleOwner); err != nil {
			return err
		}
		for i := range inc.Tasks {
			t := &inc.Tasks[i]
			if t.N != n {
				continue
			}
			if t.Done {
				return Errorf(ECONFLICT, "Task %d is already done (by %s).", n, t.DoneBy)
			}
			now := s.Clock.Now()
			t.Done, t.DoneBy, t.DoneAt = true, actor, now
			ch.Log(now, KindTaskDone, actor, fmt.Sprintf("Task %d done: %s", n, t.Text))
			ch.Messages = append(ch.Messages, s.cards(inc, now)...)
			return nil
		}
		return Errorf(ENOTFOUND, "%s has no task %d; `task list` shows them.", inc.Ref(), n)
	})
}

// TaskList renders the checklist.
func (s *Service) TaskList(inc *Incident) string {
	if len(inc.Tasks) == 0 {
		return fmt.Sprintf("%s has no tasks. Add one: task add <text> [owner=<person>]", inc.Ref())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tasks of %s:", inc.Ref())
	for _, t := range inc.Tasks {
		mark := "[ ]"
		if t.Done {
			mark = "[x]"
		}
		fmt.Fprintf(&b, "\n%s %d. %s", mark, t.N, t.Text)
		if t.Owner != "" {
			fmt.Fprintf(&b, " (owner %s)", t.Owner)
		}
		if t.Done {
			fmt.Fprintf(&b, " done by %s at %s", t.DoneBy, s.fmtTime(t.DoneAt))
		}
	}
	return b.String()
}

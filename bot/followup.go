package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"mimbot/mim"
)

// problem runs `problem show|rca|workaround|known|close <PRB-n> ...`: problem
// records are named, never found by the war room (a problem may link several
// incidents).
func (r *Router) problem(ctx context.Context, actor string, cmd Command) (Reply, error) {
	word, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	if word == "" {
		return Reply{}, mim.Errorf(mim.EINVALID, "problem %s needs the problem record: %s", cmd.Sub, examples["problem"])
	}
	ref, err := mim.ParseProblemRef(word)
	if err != nil {
		return Reply{}, err
	}
	if _, ok := cmd.Args["change"]; ok && cmd.Sub != "close" {
		return Reply{}, mim.Errorf(mim.EINVALID, "change= goes with problem close: problem close %s change=CHG-42", ref)
	}
	s := r.Service
	var p *mim.Problem
	switch cmd.Sub {
	case "show":
		p, err = s.Problem(ctx, ref)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: s.ProblemText(ctx, p)}, nil
	case "rca":
		p, err = s.ProblemRCA(ctx, ref, actor, rest)
		if err == nil {
			return Reply{Text: fmt.Sprintf("Root cause of %s recorded.%s", ref, next(p))}, nil
		}
	case "workaround":
		p, err = s.ProblemWorkaround(ctx, ref, actor, rest)
		if err == nil {
			return Reply{Text: fmt.Sprintf("Workaround of %s recorded.%s", ref, next(p))}, nil
		}
	case "known":
		p, err = s.ProblemKnown(ctx, ref, actor)
		if err == nil {
			return Reply{Text: fmt.Sprintf("%s is published as known error %s; `known search <text>` finds it.", ref, p.KnownError)}, nil
		}
	case "close":
		p, err = s.ProblemClose(ctx, ref, actor, cmd.Args["change"])
		if err == nil {
			return Reply{Text: fmt.Sprintf("%s is closed.", ref)}, nil
		}
	}
	return Reply{}, err
}

// next says what the problem still needs before `problem known`.
func next(p *mim.Problem) string {
	switch {
	case p.RootCause == "":
		return fmt.Sprintf(" Next: `problem rca %s <root cause>`.", p.Ref)
	case p.Workaround == "":
		return fmt.Sprintf(" Next: `problem workaround %s <text>`.", p.Ref)
	}
	return fmt.Sprintf(" `problem known %s` publishes it as a known error.", p.Ref)
}

// known runs `known list` and `known search <text>`.
func (r *Router) known(ctx context.Context, cmd Command) (Reply, error) {
	search := strings.TrimSpace(cmd.Text)
	if cmd.Sub == "search" && search == "" {
		return Reply{}, mim.Errorf(mim.EINVALID, "known search needs words to look for: known search certificate")
	}
	if cmd.Sub == "list" {
		search = ""
	}
	text, err := r.Service.KnownErrorsText(ctx, search)
	return Reply{Text: text}, err
}

// action runs `action add|done|list`. add needs an incident (its war room or
// incident=); done names the action; list without an incident lists the open actions
// of every incident.
func (r *Router) action(ctx context.Context, req Request, actor string, cmd Command) (Reply, error) {
	s := r.Service
	switch cmd.Sub {
	case "add":
		n, err := r.incident(ctx, req, cmd)
		if err != nil {
			return Reply{}, err
		}
		owner := cmd.Args["owner"]
		if owner != "" {
			owner = r.personArg(req.Platform, owner)
		}
		a, err := s.ActionAdd(ctx, n, actor, cmd.Text, owner, cmd.Args["due"])
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: fmt.Sprintf("Action %d added to #%d: owner %s, due %s.", a.Number, a.Incident, a.Owner, s.DueText(a.Due))}, nil
	case "done":
		k, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(cmd.Text), "#"))
		if err != nil || k <= 0 {
			return Reply{}, mim.Errorf(mim.EINVALID, "action done needs the action's number: action done 3 (`action list` shows them)")
		}
		a, err := s.ActionDone(ctx, k, actor)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: fmt.Sprintf("Action %d on #%d is done.", a.Number, a.Incident)}, nil
	}
	for _, k := range []string{"owner", "due"} {
		if _, ok := cmd.Args[k]; ok {
			return Reply{}, mim.Errorf(mim.EINVALID, "%s= goes with action add; action list takes mine: action list mine", k)
		}
	}
	owner := ""
	switch strings.ToLower(strings.TrimSpace(cmd.Text)) {
	case "":
	case "mine":
		owner = actor
	default:
		return Reply{}, mim.Errorf(mim.EINVALID, "action list takes mine or nothing: action list, action list mine")
	}
	n := 0
	if _, ok := cmd.Args["incident"]; ok || req.Room != "" {
		if k, err := r.incident(ctx, req, cmd); err == nil {
			n = k
		} else if _, named := cmd.Args["incident"]; named {
			return Reply{}, err
		}
	}
	text, err := s.ActionsText(ctx, n, owner)
	return Reply{Text: text}, err
}

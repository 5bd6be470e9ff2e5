package bot

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mimbot/mim"
)

// Request is one command typed on a platform.
type Request struct {
	Platform  string // shell, slack, discord, teams
	User      string // the platform's user id (the person key on the shell)
	Room      string // the platform's channel id where it was typed; "" in a DM
	Text      string // after `/incident`
	RequestID string // the platform's identity of the request: delivered twice, it takes effect once
}

// Reply is the answer to the person who typed the command. What the room and the
// stakeholders see goes through the outbox instead.
type Reply struct {
	Text     string
	Incident *mim.Incident // the incident acted on, when there is one
	Err      error         // the refusal, when the command changed nothing
}

// Router runs commands against the service.
type Router struct {
	Service *mim.Service
}

// Handle parses and runs one command. It never panics on user input and always
// answers: a refusal says what is wrong and what would work.
func (r *Router) Handle(ctx context.Context, req Request) Reply {
	// A request delivered twice takes effect once (declarations by their own key).
	ctx = mim.WithRequest(ctx, req.RequestID)
	rep, err := r.handle(ctx, req)
	if err != nil {
		if mim.ErrorCode(err) == mim.EINTERNAL {
			r.Service.Log.Error("command failed", "platform", req.Platform, "verb", firstWord(req.Text), "err", err)
		}
		return Reply{Text: mim.ErrorMessage(err), Err: err}
	}
	return rep
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

func (r *Router) handle(ctx context.Context, req Request) (Reply, error) {
	cmd, err := Parse(req.Text)
	if err != nil {
		return Reply{}, err
	}
	actor, err := r.Person(req.Platform, req.User)
	if err != nil {
		return Reply{}, err
	}
	s := r.Service
	switch cmd.Verb {
	case "help":
		return Reply{Text: Usage}, nil
	case "oncall":
		return Reply{Text: s.OnCallText()}, nil
	case "list":
		text, err := s.ListText(ctx)
		return Reply{Text: text}, err
	case "declare":
		return r.declare(ctx, req, actor, cmd)
	case "queue":
		f := mim.QueueFilter{Tower: cmd.Args["tower"]}
		switch strings.ToLower(cmd.Text) {
		case "":
		case "mine":
			f.Person = actor
		default:
			return Reply{}, mim.Errorf(mim.EINVALID, "queue takes mine and tower=<t>: queue, queue mine, queue tower=database")
		}
		text, err := s.QueueText(ctx, f)
		return Reply{Text: text}, err
	case "problem":
		return r.problem(ctx, actor, cmd)
	case "known":
		return r.known(ctx, cmd)
	case "action":
		return r.action(ctx, req, actor, cmd)
	}
	n, err := r.incident(ctx, req, cmd)
	if err != nil {
		return Reply{}, err
	}
	var inc *mim.Incident
	switch cmd.Verb {
	case "status":
		inc, err = s.Incident(ctx, n)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: s.StatusText(inc), Incident: inc}, nil
	case "update":
		inc, err = s.Update(ctx, n, actor, cmd.Text)
		if err == nil {
			return done(inc, "Update posted to the war room and the stakeholders."+nextDue(s, inc))
		}
	case "priority":
		inc, err = r.priority(ctx, n, actor, cmd)
		if err == nil {
			return done(inc, fmt.Sprintf("%s is now %s%s.", inc.Ref(), inc.Priority, majorNote(inc)))
		}
	case "page":
		if cmd.Text == "" {
			return Reply{}, mim.Errorf(mim.EINVALID, "page needs a tower or a person: %s", examples["page"])
		}
		inc, err = s.Page(ctx, n, actor, r.personArg(req.Platform, cmd.Text))
		if err == nil {
			return done(inc, "Paged "+cmd.Text+".")
		}
	case "ack":
		inc, err = s.Ack(ctx, n, actor)
		if err == nil {
			return done(inc, "Page acknowledged on "+inc.Ref()+". Thank you.")
		}
	case "assign":
		if cmd.Text == "" {
			return Reply{}, mim.Errorf(mim.EINVALID, "assign %s needs a person: assign %s carol", cmd.Sub, cmd.Sub)
		}
		who := r.personArg(req.Platform, cmd.Text)
		if cmd.Sub == "owner" {
			inc, err = s.AssignOwner(ctx, n, actor, who)
			if err == nil {
				return done(inc, fmt.Sprintf("%s now owns %s.", who, inc.Ref()))
			}
			break
		}
		inc, err = s.Assign(ctx, n, actor, cmd.Sub, who)
		if err == nil {
			return done(inc, fmt.Sprintf("%s is now %s of %s.", who, map[string]string{"im": "incident manager", "comms": "comms"}[cmd.Sub], inc.Ref()))
		}
	case "escalate":
		inc, err = s.Escalate(ctx, n, actor, cmd.Sub, cmd.Text)
		if err == nil {
			return done(inc, "Escalated ("+cmd.Sub+").")
		}
	case "task":
		return r.task(ctx, req, n, actor, cmd)
	case "summary":
		if cmd.Sub == "approve" {
			inc, err = s.ApproveSummary(ctx, n, actor)
			if err == nil {
				return done(inc, "Summary approved and posted again in the war room.")
			}
			break
		}
		inc, err = s.WriteSummary(ctx, n, nil)
		if err == nil {
			if inc.RoomName == "" {
				return done(inc, inc.Summary.Markdown)
			}
			return done(inc, "Post-incident summary posted in #"+inc.RoomName+".")
		}
	case "model":
		inc, err = s.SaveModel(ctx, n, actor, cmd.Text)
		if err == nil {
			return done(inc, fmt.Sprintf("Saved incident model %q: declare model=%s seeds it.", strings.ToLower(cmd.Text), strings.ToLower(cmd.Text)))
		}
	case "note":
		inc, err = s.Note(ctx, n, actor, cmd.Text)
		if err == nil {
			return done(inc, "Noted on the timeline of "+inc.Ref()+".")
		}
	case "snooze":
		d, perr := time.ParseDuration(cmd.Text)
		if perr != nil {
			return Reply{}, mim.Errorf(mim.EINVALID, "snooze needs a duration such as 10m or 1h30m: %s", examples["snooze"])
		}
		inc, err = s.Snooze(ctx, n, actor, d, cmd.Args["reason"])
		if err == nil {
			return done(inc, "Snoozed."+nextDue(s, inc))
		}
	case "diagnose":
		inc, err = s.Diagnose(ctx, n, actor, cmd.Text)
		if err == nil {
			return done(inc, inc.Ref()+" is identified.")
		}
	case "workaround":
		inc, err = s.Workaround(ctx, n, actor, cmd.Text)
		if err == nil {
			return done(inc, inc.Ref()+" is mitigated; stakeholders were told.")
		}
	case "resolve":
		inc, err = s.Resolve(ctx, n, actor, cmd.Text)
		if err == nil {
			if inc.RoomName == "" {
				return done(inc, inc.Ref()+" is resolved; the reporter is asked to confirm.")
			}
			return done(inc, inc.Ref()+" is resolved; reminders stopped and stakeholders told.")
		}
	case "take":
		inc, err = s.Take(ctx, n, actor)
		if err == nil {
			return done(inc, "You own "+inc.Ref()+" now; the respond clock stopped. `queue mine` lists what you own.")
		}
	case "confirm":
		inc, err = s.Confirm(ctx, n, actor)
		if err == nil {
			return done(inc, "Thank you: "+inc.Ref()+" is closed.")
		}
	case "close":
		inc, err = s.Close(ctx, n, actor)
		if err == nil {
			return done(inc, inc.Ref()+" is closed.")
		}
	case "cancel":
		inc, err = s.Cancel(ctx, n, actor, reason(cmd))
		if err == nil {
			return done(inc, inc.Ref()+" is cancelled.")
		}
	case "reopen":
		inc, err = s.Reopen(ctx, n, actor, reason(cmd))
		if err == nil {
			return done(inc, inc.Ref()+" is reopened."+nextDue(s, inc))
		}
	}
	return Reply{}, err
}

func done(inc *mim.Incident, text string) (Reply, error) {
	return Reply{Text: text, Incident: inc}, nil
}

// reason takes reason= or, failing that, the free text.
func reason(cmd Command) string {
	if r := cmd.Args["reason"]; r != "" {
		return r
	}
	return cmd.Text
}

func nextDue(s *mim.Service, inc *mim.Incident) string {
	if inc.NextUpdateDue.IsZero() {
		return ""
	}
	return " Next update due " + inc.NextUpdateDue.In(s.Config.Location).Format("15:04:05 MST") + "."
}

func majorNote(inc *mim.Incident) string {
	if inc.Major {
		return ", a major incident"
	}
	return ", not a major incident (no cadence)"
}

func (r *Router) declare(ctx context.Context, req Request, actor string, cmd Command) (Reply, error) {
	in := mim.DeclareInput{Title: cmd.Text, Model: cmd.Args["model"], By: actor, Platform: req.Platform, RequestKey: req.RequestID}
	var err error
	if v, ok := cmd.Args["impact"]; ok {
		if in.Impact, err = mim.ParseLevel("impact", v); err != nil {
			return Reply{}, err
		}
	}
	if v, ok := cmd.Args["urgency"]; ok {
		if in.Urgency, err = mim.ParseLevel("urgency", v); err != nil {
			return Reply{}, err
		}
	}
	if v := cmd.Args["towers"]; v != "" {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(strings.ToLower(t)); t != "" {
				in.Towers = append(in.Towers, t)
			}
		}
	}
	inc, created, err := r.Service.Declare(ctx, in)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: DeclaredText(r.Service, inc, created), Incident: inc}, nil
}

// DeclaredText is the answer to a declaration.
func DeclaredText(s *mim.Service, inc *mim.Incident, created bool) string {
	var b strings.Builder
	if !created {
		fmt.Fprintf(&b, "Already declared (a retry of the same request): ")
	}
	if !inc.Major {
		fmt.Fprintf(&b, "Logged %s %q as %s: not a major incident, so no war room, IM or pages; the towers' leads were told. Raise it with `priority P1 reason=...` to start the major-incident procedure.", inc.Ref(), inc.Title, inc.Priority)
		return b.String()
	}
	fmt.Fprintf(&b, "Declared %s %q: %s major incident.", inc.Ref(), inc.Title, inc.Priority)
	fmt.Fprintf(&b, "\nWar room: #%s · Bridge: %s", inc.RoomName, inc.Bridge)
	if inc.IM != "" {
		fmt.Fprintf(&b, "\nIncident manager: %s", inc.IM)
	} else {
		fmt.Fprintf(&b, "\nIncident manager: none eligible; escalated to %s", strings.Join(s.Config.Head, ", "))
	}
	for _, e := range inc.Timeline {
		if e.Kind == mim.KindIMSkipped {
			fmt.Fprintf(&b, "\n  %s", e.Text)
		}
	}
	var paged []string
	for _, p := range inc.Pages {
		paged = append(paged, p.Person+" ("+p.Tower+")")
	}
	if len(paged) > 0 {
		fmt.Fprintf(&b, "\nPaged: %s", strings.Join(paged, ", "))
	}
	if !inc.NextUpdateDue.IsZero() {
		fmt.Fprintf(&b, "\nFirst update due %s.", inc.NextUpdateDue.In(s.Config.Location).Format("15:04:05 MST"))
	}
	return b.String()
}

func (r *Router) priority(ctx context.Context, n int, actor string, cmd Command) (*mim.Incident, error) {
	in := mim.Reprioritize{Reason: cmd.Args["reason"]}
	if cmd.Text != "" {
		p, err := mim.ParsePriority(cmd.Text)
		if err != nil {
			return nil, err
		}
		in.Priority = &p
	}
	var err error
	if v, ok := cmd.Args["impact"]; ok {
		if in.Impact, err = mim.ParseLevel("impact", v); err != nil {
			return nil, err
		}
	}
	if v, ok := cmd.Args["urgency"]; ok {
		if in.Urgency, err = mim.ParseLevel("urgency", v); err != nil {
			return nil, err
		}
	}
	if in.Priority == nil && in.Impact == "" && in.Urgency == "" {
		return nil, mim.Errorf(mim.EINVALID, "priority needs a priority or impact=/urgency=: %s", examples["priority"])
	}
	return r.Service.SetPriority(ctx, n, actor, in)
}

func (r *Router) task(ctx context.Context, req Request, n int, actor string, cmd Command) (Reply, error) {
	s := r.Service
	switch cmd.Sub {
	case "add":
		owner := cmd.Args["owner"]
		if owner != "" {
			owner = r.personArg(req.Platform, owner)
		}
		inc, err := s.TaskAdd(ctx, n, actor, cmd.Text, owner)
		if err != nil {
			return Reply{}, err
		}
		return done(inc, fmt.Sprintf("Task %d added to %s.", inc.Tasks[len(inc.Tasks)-1].N, inc.Ref()))
	case "done":
		k, err := strconv.Atoi(strings.TrimPrefix(cmd.Text, "#"))
		if err != nil {
			return Reply{}, mim.Errorf(mim.EINVALID, "task done needs the task number: task done 2")
		}
		inc, err := s.TaskDone(ctx, n, actor, k)
		if err != nil {
			return Reply{}, err
		}
		return done(inc, fmt.Sprintf("Task %d is done.", k))
	}
	inc, err := s.Incident(ctx, n)
	if err != nil {
		return Reply{}, err
	}
	return done(inc, s.TaskList(inc))
}

// incident finds the incident a command is about: incident=<n>, else the war room it
// was typed in.
func (r *Router) incident(ctx context.Context, req Request, cmd Command) (int, error) {
	if v, ok := cmd.Args["incident"]; ok {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "#"))
		if err != nil || n <= 0 {
			return 0, mim.Errorf(mim.EINVALID, "incident=%s is not an incident number; use incident=12", v)
		}
		if _, err := r.Service.Store.Incident(ctx, n); err != nil {
			if mim.ErrorCode(err) == mim.ENOTFOUND {
				return 0, mim.Errorf(mim.ENOTFOUND, "There is no incident #%d. `list` shows the active ones.", n)
			}
			return 0, err
		}
		return n, nil
	}
	if req.Room != "" {
		inc, err := r.Service.Store.IncidentByRoom(ctx, req.Platform, req.Room)
		if err == nil {
			return inc.Number, nil
		}
		if mim.ErrorCode(err) != mim.ENOTFOUND {
			return 0, err
		}
	}
	hint := ""
	if text, err := r.Service.ListText(ctx); err == nil {
		hint = "\n" + text
	}
	return 0, mim.Errorf(mim.EINVALID, "Which incident? Type %s in its war room, or add incident=<number>.%s", cmd.Verb, hint)
}

var mentionRE = regexp.MustCompile(`^<@!?([A-Za-z0-9-]+)(\|[^>]*)?>$`)

// Person maps a platform user to a person key.
func (r *Router) Person(platform, user string) (string, error) {
	cfg := r.Service.Config
	if platform == "shell" {
		if _, ok := cfg.People[user]; ok {
			return user, nil
		}
		return "", mim.Errorf(mim.ENOTFOUND, "Unknown person %q. Known people: %s.", user, strings.Join(cfg.PersonKeys(), ", "))
	}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		if id := UserID(p, platform); id != "" && strings.EqualFold(id, user) {
			return k, nil
		}
	}
	return "", mim.Errorf(mim.EFORBIDDEN, "I don't know you (%s user %s). Ask an administrator to add you under people: in the mimbot configuration.", platform, user)
}

// personArg turns a mention (<@U123>) into a person key; anything else is taken as a
// key (and checked by the service).
func (r *Router) personArg(platform, s string) string {
	s = strings.TrimSpace(s)
	if m := mentionRE.FindStringSubmatch(s); m != nil {
		if k, err := r.Person(platform, m[1]); err == nil {
			return k
		}
		return m[1]
	}
	return strings.ToLower(strings.TrimPrefix(s, "@"))
}

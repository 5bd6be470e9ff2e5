package shell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"mimbot/bot"
	"mimbot/mim"
)

// Platform is the shell's platform name in requests, rooms and the outbox.
const Platform = "shell"

// Shell is the terminal chat. It is also the mim.Chat of the shell platform.
type Shell struct {
	Router *bot.Router
	Relay  *mim.Relay
	// Gate serialises a typed command with the background engine, so that a command's
	// reply is printed before what it caused in the rooms. The engine holds it too.
	Gate        sync.Mutex
	Interactive bool // print prompts instead of echoing input lines
	// Sleep waits for /sleep; nil sleeps for real. Tests pass one that moves their
	// clock and fires what fell due.
	Sleep func(ctx context.Context, d time.Duration)

	out      io.Writer
	omu      sync.Mutex // one line at a time, from any goroutine
	atPrompt bool       // a prompt waits for input (interactive): background posts redraw it
	user     string
	room     string // the room the typist is in: a war room name, or "" (the lobby)
	seq      string // request-id prefix of this session
	line     int
}

var _ mim.Chat = (*Shell)(nil)

// New returns a shell that prints to out and starts with user typing.
func New(router *bot.Router, out io.Writer, user string) *Shell {
	return &Shell{Router: router, out: out, user: user, seq: fmt.Sprintf("shell:%d", time.Now().UnixNano())}
}

// Run reads commands from in until EOF, /quit or ctx ends.
func (sh *Shell) Run(ctx context.Context, in io.Reader) error {
	cfg := sh.Router.Service.Config
	sh.printf("mimbot terminal chat. You are %s (%s). Type help for commands, /help for the shell's own.\n", sh.user, cfg.Display(sh.user))
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		sh.prompt()
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			sh.flush(ctx)
			return err
		case line := <-lines:
			sh.omu.Lock()
			sh.atPrompt = false
			sh.omu.Unlock()
			if quit := sh.Line(ctx, line); quit {
				sh.flush(ctx)
				return nil
			}
		}
	}
}

func (sh *Shell) prompt() {
	if sh.Interactive {
		sh.printf("%s%s> ", sh.user, sh.where())
		sh.omu.Lock()
		sh.atPrompt = true
		sh.omu.Unlock()
	}
}

func (sh *Shell) where() string {
	if sh.room == "" {
		return ""
	}
	return "@#" + sh.room
}

// Line runs one input line; it reports whether the shell should stop.
func (sh *Shell) Line(ctx context.Context, line string) (quit bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return false
	}
	if !sh.Interactive {
		sh.printf("%s%s> %s\n", sh.user, sh.where(), line)
	}
	if rest, ok := strings.CutPrefix(line, "/incident"); ok && (rest == "" || rest[0] == ' ') {
		sh.command(ctx, strings.TrimSpace(rest))
		return false
	}
	if strings.HasPrefix(line, "/") {
		return sh.builtin(ctx, line)
	}
	sh.command(ctx, line)
	return false
}

// command runs an /incident command and prints what it caused.
func (sh *Shell) command(ctx context.Context, text string) {
	sh.Gate.Lock()
	defer sh.Gate.Unlock()
	sh.line++
	rep := sh.Router.Handle(ctx, bot.Request{Platform: Platform, User: sh.user, Room: sh.room, Text: text, RequestID: fmt.Sprintf("%s:%d", sh.seq, sh.line)})
	sh.printf("mimbot → %s: %s\n", sh.user, indent(rep.Text))
	sh.drain(ctx)
	if rep.Err == nil && rep.Incident != nil && rep.Incident.RoomName != "" && firstWord(text) == "declare" && sh.room != rep.Incident.RoomName {
		sh.room = rep.Incident.RoomName
		sh.printf("(you are now in #%s; /join to leave)\n", sh.room)
	}
}

func (sh *Shell) drain(ctx context.Context) {
	if sh.Relay == nil {
		return
	}
	if _, err := sh.Relay.Drain(ctx); err != nil && ctx.Err() == nil {
		sh.printf("(could not deliver messages yet: %v)\n", err)
	}
}

// flush delivers what is left before the shell ends.
func (sh *Shell) flush(ctx context.Context) {
	sh.Gate.Lock()
	defer sh.Gate.Unlock()
	sh.drain(ctx)
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return strings.ToLower(w)
}

const help = `Shell commands:
  /as <person>      type as someone else (a key under people:)
  /join <room>      move into a war room (#name or incident number); /join alone leaves
  /rooms            list the rooms
  /sleep <duration> wait (scripts), e.g. /sleep 5s: reminders fire meanwhile
  /quit             leave (EOF does too)
Everything else is an /incident command; "help" lists them.`

func (sh *Shell) builtin(ctx context.Context, line string) bool {
	verb, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	cfg := sh.Router.Service.Config
	switch verb {
	case "/quit", "/exit":
		return true
	case "/help":
		sh.printf("%s\n", help)
	case "/as":
		if _, ok := cfg.People[arg]; !ok {
			sh.printf("Unknown person %q. Known people: %s.\n", arg, strings.Join(cfg.PersonKeys(), ", "))
			return false
		}
		sh.user = arg
		sh.printf("(you are now %s, %s)\n", arg, sh.Router.Service.Config.Display(arg))
	case "/join":
		sh.join(ctx, arg)
	case "/rooms":
		sh.rooms(ctx)
	case "/sleep":
		// On the wall clock a sleep is real, so it is kept short; on a simulated
		// clock (Sleep set) days pass at once, as SLA and closure drills need.
		limit, say := time.Hour, "1h"
		if sh.Sleep != nil {
			limit, say = 30*24*time.Hour, "720h"
		}
		d, err := time.ParseDuration(arg)
		if err != nil || d < 0 || d > limit {
			sh.printf("/sleep takes a duration up to %s, such as 5s or 1m30s.\n", say)
			return false
		}
		if sh.Sleep != nil {
			sh.Sleep(ctx, d)
			return false
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	default:
		sh.printf("Unknown shell command %s. %s\n", verb, help)
	}
	return false
}

func (sh *Shell) join(ctx context.Context, arg string) {
	arg = strings.TrimPrefix(arg, "#")
	if arg == "" {
		sh.room = ""
		sh.printf("(you are in the lobby)\n")
		return
	}
	s := sh.Router.Service
	var n int
	if _, err := fmt.Sscanf(arg, "%d", &n); err == nil && fmt.Sprint(n) == arg {
		inc, err := s.Incident(ctx, n)
		if err != nil {
			sh.printf("%s\n", mim.ErrorMessage(err))
			return
		}
		if inc.RoomName == "" {
			sh.printf("%s has no war room (it is not a major incident); use incident=%d instead.\n", inc.Ref(), n)
			return
		}
		arg = inc.RoomName
	}
	if _, err := s.Store.IncidentByRoom(ctx, Platform, arg); err != nil {
		sh.printf("No war room #%s. /rooms lists them.\n", arg)
		return
	}
	sh.room = arg
	sh.printf("(you are now in #%s)\n", arg)
}

func (sh *Shell) rooms(ctx context.Context) {
	open, err := sh.Router.Service.Store.Incidents(ctx, mim.Filter{Open: true})
	if err != nil {
		sh.printf("%s\n", mim.ErrorMessage(err))
		return
	}
	sh.printf("#stakeholders\n")
	for _, inc := range open {
		if r, ok := inc.Room(Platform); ok {
			sh.printf("#%s (%s %s)\n", r.Name, inc.Ref(), inc.Title)
		}
	}
}

func (sh *Shell) printf(format string, args ...any) {
	sh.omu.Lock()
	defer sh.omu.Unlock()
	fmt.Fprintf(sh.out, format, args...)
}

// indent continues a multi-line text under its first line.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

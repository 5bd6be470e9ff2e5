package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mimbot/internal/config"
	"mimbot/mim"
	"mimbot/store"
	"mimbot/teams-app"
	"mimbot/templates"
)

// Exit statuses (the contract): 0 success, 1 failure, 2 bad usage or configuration.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// Main is the program with its environment injected, so that tests run the real thing.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Clock          mim.Clock // nil: the system clock
	// Advance, when set with a test clock, is what the shell's /sleep does instead of
	// sleeping: it moves the clock; the shell then fires what fell due.
	Advance func(d time.Duration)

	// Ready, when set, receives the HTTP listener's address once serve listens.
	Ready func(addr net.Addr)
	// Listener, when set, is used by serve instead of listening on MIMBOT_ADDR.
	Listener net.Listener
	// Registry, when set, receives serve's metrics (what GET /metrics serves), so that
	// a test can gather and lint them; nil: a registry of its own.
	Registry *prometheus.Registry

	log *slog.Logger // see logger
}

// usageError is bad usage or configuration: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `usage: mimbot [serve | shell | migrate | config check [FILE] | config demo | incident list [--json] | incident show <number> [--json] | summary <number> [--format json] | problem list [--json] | problem show <PRB-n> [--json] | known list [--json] | action list [--json] | report [--since 720h] [--format md|json] | teams manifest | healthcheck]
With no arguments: the terminal chat, or serve when SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN or TEAMS_APP_ID is set.
teams manifest: writes the Teams app package (zip) for TEAMS_APP_ID to standard output.
healthcheck: GET /healthz of the serve on MIMBOT_ADDR (3 s timeout); exit 0 on 200, else 1 (the container's HEALTHCHECK).`

// Run runs one invocation and returns its exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.run(ctx, args)
	var ue usageError
	var ce *config.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(m.Stderr, "mimbot:", err)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(m.Stderr, "mimbot: configuration is not valid:\n%v\n", err)
		return exitUsage
	default:
		fmt.Fprintln(m.Stderr, "mimbot:", err)
		return exitFail
	}
}

func (m *Main) run(ctx context.Context, args []string) error {
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "":
		if m.Getenv("SLACK_BOT_TOKEN") != "" || m.Getenv("DISCORD_BOT_TOKEN") != "" || m.Getenv("TEAMS_APP_ID") != "" {
			return m.serve(ctx)
		}
		return m.shell(ctx)
	case "serve":
		return m.serve(ctx)
	case "shell":
		return m.shell(ctx)
	case "migrate":
		return m.migrate(ctx)
	case "config":
		switch {
		case len(args) == 1 && args[0] == "demo":
			_, err := m.Stdout.Write(config.DemoYAML())
			return err
		case len(args) >= 1 && args[0] == "check" && len(args) <= 2:
			return m.configCheck(args[1:])
		}
		return usagef("usage: mimbot config check [FILE] | mimbot config demo (prints the demo configuration to start from)")
	case "incident":
		return m.incident(ctx, args)
	case "summary":
		return m.summary(ctx, args)
	case "problem":
		return m.problem(ctx, args)
	case "known":
		return m.known(ctx, args)
	case "action":
		return m.action(ctx, args)
	case "healthcheck":
		return m.healthcheck(ctx, args)
	case "report":
		return m.report(ctx, args)
	case "teams":
		if len(args) == 1 && args[0] == "manifest" {
			if err := teamsapp.Zip(m.Stdout, m.Getenv("TEAMS_APP_ID")); err != nil {
				return usagef("%v", err)
			}
			return nil
		}
		return usagef("usage: mimbot teams manifest > app.zip (the Teams app package for TEAMS_APP_ID, to upload in Teams)")
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, usage)
		return nil
	}
	return usagef("unknown command %q\n%s", cmd, usage)
}

// env returns the variable or its default.
func (m *Main) env(key, def string) string {
	if v := m.Getenv(key); v != "" {
		return v
	}
	return def
}

// logger is the one logger of this invocation, made on first use: serve and the
// engine it wires share it, so that their lines never interleave mid-line. The format
// is text (key=value) unless MIMBOT_LOG_FORMAT=json, for log collectors that parse
// JSON.
func (m *Main) logger() (*slog.Logger, error) {
	if m.log != nil {
		return m.log, nil
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if strings.EqualFold(m.Getenv("MIMBOT_LOG"), "debug") {
		opts.Level = slog.LevelDebug
	}
	switch f := m.Getenv("MIMBOT_LOG_FORMAT"); strings.ToLower(f) {
	case "", "text":
		m.log = slog.New(slog.NewTextHandler(m.Stderr, opts))
	case "json":
		m.log = slog.New(slog.NewJSONHandler(m.Stderr, opts))
	default:
		return nil, usagef("MIMBOT_LOG_FORMAT=%s: use json (one JSON object a line) or text (key=value, the default)", f)
	}
	return m.log, nil
}

func (m *Main) clock() mim.Clock {
	if m.Clock != nil {
		return m.Clock
	}
	return mim.SystemClock{}
}

// loadConfig reads MIMBOT_CONFIG, else ./mimbot.yaml, else the demo; it says which.
func (m *Main) loadConfig() (*mim.Config, string, error) {
	path := m.Getenv("MIMBOT_CONFIG")
	if path == "" {
		if _, err := os.Stat("mimbot.yaml"); err == nil {
			path = "mimbot.yaml"
		}
	}
	if path == "" {
		return config.Demo(), "the built-in demo configuration", nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, "", err
	}
	return cfg, path, nil
}

func (m *Main) templates() (*template.Template, error) {
	t, err := templates.Load(m.Getenv("MIMBOT_TEMPLATES"))
	if err != nil {
		return nil, usagef("%v", err)
	}
	return t, nil
}

// Store is what the program needs of a database beyond mim.Store.
type Store interface {
	mim.Store
	mim.TrendSource
	Ping(ctx context.Context) error
	Close() error
}

// openStore opens PostgreSQL when DATABASE_URL is set, else the SQLite file.
func (m *Main) openStore(ctx context.Context) (Store, string, error) {
	if url := m.Getenv("DATABASE_URL"); url != "" {
		db, err := store.OpenPostgres(ctx, url)
		if err != nil {
			return nil, "", fmt.Errorf("open DATABASE_URL: %w", err)
		}
		return db, "PostgreSQL", nil
	}
	path := m.env("MIMBOT_DB", "mimbot.db")
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", path, err)
	}
	return db, "SQLite " + path, nil
}

// migrate applies the pending migrations and opens nothing else (no pool).
func (m *Main) migrate(ctx context.Context) error {
	if url := m.Getenv("DATABASE_URL"); url != "" {
		if err := store.MigratePostgres(ctx, url); err != nil {
			return fmt.Errorf("migrate DATABASE_URL: %w", err)
		}
		fmt.Fprintln(m.Stdout, "migrations applied: PostgreSQL")
		return nil
	}
	path := m.env("MIMBOT_DB", "mimbot.db")
	if err := store.MigrateSQLite(ctx, path); err != nil {
		return fmt.Errorf("migrate %s: %w", path, err)
	}
	fmt.Fprintf(m.Stdout, "migrations applied: SQLite %s\n", path)
	return nil
}

func (m *Main) configCheck(args []string) error {
	var cfg *mim.Config
	var where string
	var err error
	if len(args) == 1 {
		cfg, err = config.Load(args[0])
		where = args[0]
	} else {
		cfg, where, err = m.loadConfig()
	}
	if err != nil {
		return err
	}
	if _, err := m.templates(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s is valid.\n\n%s", where, config.Describe(cfg, m.clock().Now()))
	return nil
}

// owner names this process in leases: host and pid, so an operator can tell replicas.
func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano()%1e6)
}

// Command mimbot is the major-incident chat-ops bot. With no configuration it runs the
// terminal chat on a local SQLite file with the built-in demo configuration.
//
//	mimbot                      terminal chat, or serve when a chat token is set
//	mimbot serve                the bot: engine, chat adapters, HTTP on MIMBOT_ADDR,
//	                            the e-mail intake on MIMBOT_SMTP_ADDR when set
//	mimbot shell                the terminal chat (scriptable through standard input)
//	mimbot migrate              apply database migrations and exit
//	mimbot config check [FILE]  validate a configuration and print what it resolves to
//	mimbot config demo          print the demo configuration, to start one's own
//	mimbot incident list|show <n> [--json]
//	mimbot summary <n> [--format json]
//	mimbot problem list [--json]
//	mimbot healthcheck          GET /healthz on MIMBOT_ADDR: exit 0 on 200, else 1
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := (&Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}).Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

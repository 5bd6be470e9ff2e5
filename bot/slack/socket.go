package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"mimbot/bot"
)

// RunSocketMode receives slash commands, interactions and events over Socket Mode
// until ctx ends, reconnecting when the connection drops. It returns an error only
// when Slack refuses the app token.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack: socket mode: no app token (SLACK_APP_TOKEN)")
	}
	api := slackapi.New(a.cfg.BotToken, slackapi.OptionAPIURL(a.cfg.APIURL),
		slackapi.OptionHTTPClient(a.http), slackapi.OptionAppLevelToken(a.cfg.AppToken))
	sm := socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.receive(ctx, sm)
	}()
	defer func() {
		cancel()
		<-done
	}()
	pause := time.Second
	for {
		err := sm.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if refusedToken(err) {
			return fmt.Errorf("slack: socket mode: Slack refused the app token (%v); check SLACK_APP_TOKEN", err)
		}
		a.log.Warn("slack: socket mode stopped, reconnecting", "err", err, "in", pause)
		if bot.Sleep(ctx, pause) != nil {
			return nil
		}
		pause = min(2*pause, time.Minute)
	}
}

// refusedToken tells whether a Socket Mode failure is the app token's fault.
func refusedToken(err error) bool {
	if err == nil {
		return false
	}
	switch err.Error() {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked", "not_allowed_token_type":
		return true
	}
	var sc slackapi.StatusCodeError
	return errors.As(err, &sc) && sc.Code == http.StatusNotFound
}

// receive acknowledges and dispatches what arrives over Socket Mode.
func (a *Adapter) receive(ctx context.Context, sm *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-sm.Events:
			// Each envelope is committed before it is acknowledged: one slow to
			// commit must not hold back the others.
			a.work.Now(bot.CommitBudget+time.Second, func(context.Context) { a.socketEvent(ctx, sm, evt) })
		}
	}
}

// socketEvent commits what one Socket Mode envelope asks for, acknowledges it (with
// the answer, where Slack allows), then starts the work that follows the answer.
func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	ack := func(payload any) {
		if evt.Request == nil {
			return
		}
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
			a.log.Error("slack: socket mode ack failed", "type", evt.Type, "err", err)
		}
	}
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack: socket mode connected")
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack: socket mode connection failed", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: socket mode: app token refused")
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackapi.SlashCommand)
		if !ok || !a.sameTeam(cmd.TeamID) {
			ack(nil)
			return
		}
		payload, then := a.command(ctx, cmd)
		ack(payload)
		then()
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slackapi.InteractionCallback)
		if !ok || !a.sameTeam(cb.Team.ID) {
			ack(nil)
			return
		}
		payload, then := a.interaction(ctx, cb)
		ack(payload)
		then()
	case socketmode.EventTypeEventsAPI:
		var env envelope
		if evt.Request == nil || json.Unmarshal(evt.Request.Payload, &env) != nil || !a.sameTeam(env.TeamID) {
			ack(nil)
			return
		}
		ok, then := a.event(ctx, env)
		if !ok {
			return // not acknowledged: Slack sends it again
		}
		ack(nil)
		then()
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go could not parse (an inner event type it does not know):
		// acknowledge it anyway, or Slack keeps sending it.
		bad, _ := evt.Data.(*socketmode.ErrorBadMessage)
		if bad == nil {
			return
		}
		var env struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
			if err := sm.AckCtx(ctx, env.EnvelopeID, nil); err != nil {
				a.log.Error("slack: socket mode ack failed", "err", err)
			}
		}
	}
}

// sameTeam reports whether a Socket Mode delivery is for the bot's workspace; others
// are acknowledged, logged and ignored.
func (a *Adapter) sameTeam(team string) bool {
	if a.checkTeam(team) == nil {
		return true
	}
	a.log.Warn("slack: socket mode delivery from another workspace ignored", "team", team)
	return false
}

package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"mimbot/bot"
)

// RunGateway receives interactions over Discord's gateway until ctx ends (use it when
// no HTTP interactions endpoint is configured). discordgo keeps the connection:
// heartbeats, resumes and reconnects are its own. It returns an error only when the
// first connection cannot be made for a reason that waiting will not fix.
func (a *Adapter) RunGateway(ctx context.Context) error {
	s, err := discordgo.New("Bot " + a.cfg.BotToken)
	if err != nil {
		return fmt.Errorf("discord: gateway: %w", err)
	}
	s.Client = a.http // GET /gateway goes where Config.APIURL says, and the URL follows
	s.UserAgent = userAgent
	s.Identify.Intents = discordgo.IntentsGuilds // interactions need no intent
	s.StateEnabled = false
	s.ShouldReconnectOnError = true
	s.LogLevel = -1 // discordgo prints with the log package; the adapter logs with slog
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		a.gatewayInteraction(ic.Interaction)
	})
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		a.log.Info("discord: gateway ready", "session", r.SessionID)
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		a.log.Warn("discord: gateway disconnected; reconnecting")
	})
	pause := time.Second
	for {
		err := s.Open()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		var rest *discordgo.RESTError
		if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("discord: gateway: Discord refused the bot token; check DISCORD_BOT_TOKEN")
		}
		a.log.Warn("discord: gateway connection failed", "err", err, "retry_in", pause)
		if bot.Sleep(ctx, pause) != nil {
			return nil
		}
		pause = min(2*pause, time.Minute)
	}
	<-ctx.Done()
	if err := s.Close(); err != nil {
		a.log.Debug("discord: gateway close", "err", err)
	}
	return nil
}

// gatewayInteraction answers one interaction with a callback (a REST call of its own
// bucket, outside the global limit), then starts its work. An interaction whose
// answer Discord did not take is dead: its work is not done, and the person sees that
// the application did not respond.
func (a *Adapter) gatewayInteraction(i *discordgo.Interaction) {
	ctx, cancel := context.WithTimeout(a.work.Context(), answerBudget)
	defer cancel()
	resp, then := a.answer(ctx, i)
	err := a.rest.do(ctx, call{
		method: http.MethodPost, path: "/interactions/" + i.ID + "/" + i.Token + "/callback",
		route: "POST /interactions/{id}/{token}/callback", major: i.ID, body: resp,
		idempotent: true, interaction: true, budget: answerBudget,
	}, nil)
	if err != nil && discordCode(err) != codeAlreadyAcknowledged {
		a.log.Warn("discord: interaction not answered", "method", "POST /interactions/{id}/{token}/callback", "type", int(i.Type), "err", err)
		return
	}
	then()
}

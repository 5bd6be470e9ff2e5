package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mimbot/bot/slack"
)

// An operator with a wrong token learns it at start, not from a silent bot.
func TestBadTokensAreReportedAtStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cfg := h.cfg
	cfg.BotToken = "xoxb-not-the-token"
	a, err := slack.NewAdapter(cfg, h.router, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(h.ctx); err == nil || !strings.Contains(err.Error(), "invalid_auth") || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Errorf("Start: %v, want the token refused, naming SLACK_BOT_TOKEN", err)
	}

	cfg = h.cfg
	cfg.AppToken = "xapp-not-the-token"
	a, err = slack.NewAdapter(cfg, h.router, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer cancel()
	if err := a.RunSocketMode(ctx); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("RunSocketMode: %v, want the app token refused, naming SLACK_APP_TOKEN", err)
	}
}

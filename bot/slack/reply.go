package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	slackapi "github.com/slack-go/slack"

	"mimbot/bot"
)

// maxReplyParts bounds the posts one answer may take: a response_url takes five.
const maxReplyParts = 4

// viaResponseURL answers through a command's response_url, ephemerally.
func (a *Adapter) viaResponseURL(responseURL string) replier {
	return func(ctx context.Context, text string, replace bool) error {
		if responseURL == "" {
			return fmt.Errorf("slack: reply: no response_url")
		}
		for i, p := range replyParts(text) {
			body := map[string]any{"response_type": "ephemeral", "text": p}
			if replace && i == 0 {
				body["replace_original"] = true
			}
			if err := a.postJSON(ctx, responseURL, body); err != nil {
				return fmt.Errorf("slack: reply: %w", err)
			}
		}
		return nil
	}
}

// replyParts splits an answer into the messages it takes, at most maxReplyParts.
func replyParts(text string) []string {
	parts := bot.Split(text, maxText)
	if len(parts) > maxReplyParts {
		parts = append(parts[:maxReplyParts-1], "(The answer is too long for Slack; `summary` and the status page have it all.)")
	}
	return parts
}

// postJSON posts body to a response_url, trying again once after a server or
// network failure.
func (a *Adapter) postJSON(ctx context.Context, target string, body any) error {
	js, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var last error
	for try := 1; try <= 2; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(js))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.http.Do(req)
		if err != nil {
			last = err
		} else {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				return nil
			case resp.StatusCode < 500:
				return fmt.Errorf("response_url answered %s", resp.Status)
			}
			last = fmt.Errorf("response_url answered %s", resp.Status)
		}
		if err := bot.Sleep(ctx, bot.Backoff(try)); err != nil {
			return err
		}
	}
	return last
}

// toUser answers a person ephemerally in channel, or in a direct message when there
// is no channel or the person cannot see it there.
func (a *Adapter) toUser(channel, user string) replier {
	return func(ctx context.Context, text string, _ bool) error {
		if channel != "" {
			err := a.ephemeral(ctx, channel, user, text)
			if err == nil {
				return nil
			}
			switch slackCode(err) {
			case "user_not_in_channel", "channel_not_found", "not_in_channel", "is_archived":
			default:
				return fmt.Errorf("slack: reply: %w", err)
			}
		}
		dm, err := a.dmChannel(ctx, user)
		if err != nil {
			return fmt.Errorf("slack: reply: %w", err)
		}
		if err := a.postText(ctx, dm, text, nil); err != nil {
			return fmt.Errorf("slack: reply: %w", err)
		}
		return nil
	}
}

// ephemeral shows text to user only, in channel.
func (a *Adapter) ephemeral(ctx context.Context, channel, user, text string) error {
	for _, p := range bot.Split(text, maxText) {
		err := a.call(ctx, "chat.postEphemeral", channel, func(ctx context.Context) error {
			_, err := a.api.PostEphemeralContext(ctx, channel, user, slackapi.MsgOptionText(p, false))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// dmChannel returns the bot's direct-message channel with a Slack user, opening it
// the first time.
func (a *Adapter) dmChannel(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch := a.dms[user]
	a.mu.Unlock()
	if ch != "" {
		return ch, nil
	}
	err := a.call(ctx, "conversations.open", "", func(ctx context.Context) error {
		c, _, _, err := a.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
		if err == nil {
			ch = c.ID
		}
		return err
	})
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	if len(a.dms) > 10000 {
		clear(a.dms)
	}
	a.dms[user] = ch
	a.mu.Unlock()
	return ch, nil
}

// quote makes text one word of the command grammar, so that key=value inside it
// stays text. The grammar has no escape for quotes, so they become apostrophes.
func quote(text string) string {
	text = strings.NewReplacer(`"`, "'", "“", "'", "”", "'").Replace(strings.TrimSpace(text))
	return `"` + text + `"`
}

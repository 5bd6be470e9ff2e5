// Package slack is mimbot's Slack adapter: it turns slash commands, interactions
// (buttons and modals) and events, delivered over Socket Mode or signed HTTP, into
// bot.Request values, and it is the mim.Chat of the "slack" platform: war rooms
// (channel, invites, topic, bridge bookmark, pinned incident card), messages, direct
// messages and the incident card.
//
// Inbound, both transports meet in one path. Slack never sends again a request it got
// an acknowledgement for, so the adapter commits the command first (bot.Router.Commit,
// milliseconds, bounded by bot.CommitBudget well within Slack's three seconds) and only
// then acknowledges: a slash command's answer travels in its acknowledgement, and a
// command that could not be committed is acknowledged with "Not done ... try again"
// (a form stays open with that error). No Web API call is made before the
// acknowledgement, except reading the message a pushpin captures. Answers to buttons
// and forms, and a declaration's progress ("Opening war room... done", in place), go
// out afterwards in a goroutine (at most Config.Concurrency at a time). An event whose
// work failed is not acknowledged, so that Slack sends it again.
//
// Outbound, every Web API call waits for its method's rate-limit tier (and
// chat.postMessage for one message per second per channel) before it is sent,
// honours Retry-After, retries server and network failures a few times, and gives up
// with mim.EUNAVAILABLE when waiting would outlast the outbox lease, so that the relay
// tries again later; errors Slack will never accept come back as mim.EINVALID. Calls to
// one channel go out one at a time, in the order they were asked for.
//
// HTTP requests are verified with Slack's v0 signing scheme (five-minute window,
// constant-time comparison) before anything else happens, bodies are bounded, and
// requests from another workspace, or naming none, are refused. Tokens, the signing secret and request
// bodies are never logged.
package slack

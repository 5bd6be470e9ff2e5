// Package slack is mimbot's Slack adapter: it turns slash commands, interactions
// (buttons and modals) and events, delivered over Socket Mode or signed HTTP, into
// bot.Request values, and it is the mim.Chat of the "slack" platform: war rooms
// (channel, invites, topic, bridge bookmark, pinned incident card), messages, direct
// messages and the incident card.
//
// Inbound, both transports meet in one path: the adapter acknowledges within Slack's
// three seconds before it touches the database or the Web API, then does the work in a
// goroutine (at most Config.Concurrency at a time) and answers the person through the
// command's response_url, or ephemerally for interactions. A declaration shows its
// progress in place until the war room is ready.
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
// requests from another workspace are refused. Tokens, the signing secret and request
// bodies are never logged.
package slack

// Package discord is mimbot's Discord adapter: it turns /incident interactions
// (slash command, autocomplete, buttons, forms), received over the gateway or as
// signed HTTP interactions, into bot.Request values, and it is the mim.Chat of the
// "discord" platform: war rooms (a text channel, a voice channel as the bridge, access
// for the team, topic, pinned incident card), messages, direct messages and the card.
//
// # The command
//
// Start registers one guild command, /incident, with a bulk overwrite (so registering
// again changes nothing). Each verb of the grammar is a subcommand; assign, escalate,
// task and model are subcommand groups. Options carry the grammar's key names
// (impact, urgency, towers, model, owner, reason, incident); the free text is the
// option title for declare, text for most verbs, and person, reason, duration, task,
// name or priority where that is what the text is. The adapter turns the options back
// into the grammar's line ("update \"DB failed over\" incident=3") for bot.Router, so
// every rule lives once, in mim. Towers, models (configured and saved) and people are
// suggested as they are typed.
//
// # Answering in time
//
// Discord wants an answer within three seconds and never sends an interaction again
// once it is answered. A command (and the Acknowledge button, and a submitted form)
// is therefore committed first (bot.Router.Commit, milliseconds, bounded by
// bot.CommitBudget), and its answer is the interaction's response: a private message
// with what was done, or that nothing was and to try again. No REST call is made
// before the answer. What follows (a declaration's "Opening war room..." completed
// with "done" in place, the rest of a long answer) runs in a goroutine (at most
// Config.Concurrency at a time) through the interaction webhook, which works for
// fifteen minutes. `declare` without a title and the
// Post update / Resolve buttons open forms at once; a form with mistakes is answered
// with what is wrong and what would work. Over HTTP the answer is the response body;
// over the gateway it is a callback in a rate-limit bucket of its own.
//
// # War rooms
//
// A war room is a text channel in the "Major incidents" category (found or created;
// "Major incidents 2" when one is full), created with its topic (priority, state, IM
// and the bridge's link) and recorded as soon as it exists; then, side by side, the
// incident card (an embed with the priority, state, IM, leads and their
// acknowledgements, SLA clocks and next update, with Acknowledge / Post update /
// Resolve buttons), posted and pinned, and a voice channel beside it as the bridge,
// which the topic then names. The adapter never writes to the domain: it returns the
// room as soon as the channel exists (the outbox relay records it before the other
// steps), then with its card and bridge, even when another step failed; a card posted
// again or a bridge deleted on archiving comes back from Send. An attempt that is
// resumed does only what is missing, adopting what an earlier attempt created but
// could not record. The adapter keeps what it knows of the guild's channels
// (listed at Start), so a declaration costs three calls in a row (create, post, pin);
// it lists them again when a request may be a retry, when it knows no category with
// room, and when Discord refuses the category. @everyone
// can read the room but not post in it or join the bridge; the team (declarer, IM,
// comms, paged leads, and the SMO head while there is no IM) can; people who join the
// team later are let in when the card is refreshed. Closing or cancelling moves the
// room to "Archived incidents", read-only, and deletes the voice channel.
//
// # Messages
//
// Mentions become <@id>, and every message sets allowed_mentions to exactly the users
// it names: never @everyone, @here or a role. Text longer than a message is split at
// line ends, in order, or attached as a Markdown file when it would take more than
// four messages; stakeholder posts and the digest are embeds; the post-incident
// summary is a Markdown file with its SVG timeline. Every message created carries a
// nonce made of the outbox message id and the part number, with enforce_nonce, so a
// retried post is not posted twice.
//
// # Calls to Discord
//
// Every REST call goes through one http.Client whose transport rewrites discord.com
// to Config.APIURL. Calls wait for their route's bucket as the X-RateLimit-* headers
// describe it and for the global limit (paced to stay under 50 a second; interaction
// callbacks and the interaction webhook are outside it, as on Discord), honour 429s,
// retry server and network failures a few times (those that are safe to repeat), and
// give up with mim.EUNAVAILABLE when waiting would take more than 20 seconds, so that
// the outbox relay tries again later; refusals Discord will never reverse (unknown
// channel, missing access, invalid form body...) come back as mim.EINVALID. Messages
// to one channel go out one at a time, in the order they were asked for.
//
// HTTP interactions are verified (Ed25519 over timestamp+body, and a timestamp within
// five minutes) before anything else happens; bodies are bounded. The bot token and
// request bodies are never logged.
package discord

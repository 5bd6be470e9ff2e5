// Package discordfake is an honest, stateful, in-process fake of Discord's
// REST API (v9 and v10), its gateway, and the HTTP-interactions sender, for
// end-to-end tests and benchmarks of a Discord bot. It is meant to fail where
// Discord fails: passing against it should mean the bot follows Discord's
// rules, not that the fake is lenient.
//
// # Using it
//
// New builds a Server and Start serves it on 127.0.0.1; it is also an
// http.Handler. Point a discordgo Session at it by setting its Client to
// Server.Client() (or any client whose transport rewrites https://discord.com
// to Server.URL()); GET /api/v*/gateway returns the fake's ws:// URL, so
// Session.Open connects to the fake gateway. Tests drive the bot with
// DispatchInteraction, DispatchMessage and PostInteraction, and inspect state
// with Channels, Messages, Pins, DMChannel, Commands, InteractionResult,
// Calls and EarlyRetries.
//
// # What is enforced
//
//   - Authentication: "Authorization: Bot <token>" on every bot route (401
//     {"code":0,"message":"401: Unauthorized"} otherwise); interaction
//     callbacks and interaction webhooks are authorised by their token. The
//     gateway Identify must carry the token (close 4004).
//   - Error bodies are Discord's: {"code","message","errors"} with nested
//     "_errors" for 50035 Invalid Form Body; invalid JSON is 50109; a guild
//     other than Options.GuildID is 10004, another application id 50001.
//   - Channels: types 0 (text), 2 (voice), 4 (category) only (others need a
//     Community guild); names 1-100 characters, text names lowercased with
//     whitespace turned into dashes; topic <= 1024; parent_id must be a
//     category of the guild, categories cannot nest, <= 50 channels per
//     category; <= 500 channels per guild (30013); permission overwrites are
//     parsed (allow/deny as numbers or strings) and a channel created in a
//     category without overwrites is synced to it; 2 name/topic changes per
//     10 minutes per channel (429). Deleting a category orphans its children.
//   - Permissions: the bot has Options.BotPermissions (no Administrator by
//     default) adjusted by @everyone, role (Options.BotRoleID) and member
//     overwrites; no VIEW_CHANNEL is 50001, no SEND_MESSAGES / ATTACH_FILES /
//     MANAGE_CHANNELS / MANAGE_ROLES / pin permission is 50013, and @everyone
//     only notifies with MENTION_EVERYONE.
//   - Messages: content <= 2000 characters; <= 10 embeds; title <= 256,
//     description <= 4096, <= 25 fields (name <= 256, value <= 1024, both
//     required), footer <= 2048, author <= 256, http(s) URLs, colour range,
//     ISO8601 timestamps, 6000 characters across all embeds; components
//     (<= 5 action rows of <= 5 buttons or one select, unique custom_ids,
//     button styles and label/emoji rules, select options, Components V2 only
//     with the IS_COMPONENTS_V2 flag and then without content/embeds, <= 40
//     components); allowed_mentions (parse vs explicit lists are exclusive)
//     decides Mentions; nonce is an integer or a string of <= 25 characters
//     and enforce_nonce returns the earlier message for a repeated nonce
//     within 2 minutes; empty messages are 50006; categories cannot hold
//     messages (50008); DMs to users with DMsDisabled are 50007; only the
//     bot's own messages can be edited (50005); <= 10 files of <= 10 MiB in
//     multipart payload_json + files[n]. Edits that would leave a message
//     empty are 50006. Ephemeral messages are never listed or dispatched.
//   - Pins: both PUT /channels/{c}/messages/pins/{m} and the deprecated
//     PUT /channels/{c}/pins/{m}, <= 50 pins (30003), a "pinned a message"
//     system message, CHANNEL_PINS_UPDATE.
//   - Application commands: bulk overwrite of <= 130 commands (<= 100 chat
//     input, <= 15 user, <= 15 message: 30032); chat-input names match
//     Discord's regex and are lowercase, 1-32 characters; descriptions 1-100
//     (none for context-menu commands); unique names per type; options
//     (<= 25, names, descriptions, required-before-optional, subcommand
//     nesting and mixing, choices <= 25 only on string/integer/number, not
//     with autocomplete, length limits); 8000 characters per command. Ids
//     stay stable across overwrites; versions change only when the
//     definition changes.
//   - Interactions: only registered commands, existing components and opened
//     modals can be dispatched; callbacks must fit the interaction type (PONG
//     only for pings, autocomplete results only for autocomplete, updates only
//     when there is a message); the first callback must come within 3 s of
//     dispatch by the Clock (404 10062 after), a second one is 400 40060;
//     callback data is validated like a message or a modal (custom_id 1-100,
//     title 1-45, 1-5 rows of one text input). The interaction webhook exists
//     only after a message-bearing callback (404 10015 before) and its token
//     works for 15 minutes (401 50027 after). After a deferred callback the
//     first follow-up replaces the "thinking" placeholder, as on Discord.
//     Pings are only sent over HTTP. ?with_response=true on the callback
//     returns the callback resource. Options.MaxFollowUps can cap follow-ups
//     (40094).
//   - Rate limits: fixed-window buckets per route and major parameter (see
//     DefaultRouteLimits; 5 per 5 s per channel for message create) and a
//     global 50 requests per second, both scaled by Options.RateLimitScale and
//     measured in real time; interaction callbacks and webhooks are exempt
//     from the global limit. Every response to a routed, authenticated
//     request (401s and unknown routes are not counted) carries X-RateLimit-Limit,
//     -Remaining, -Reset, -Reset-After and -Bucket; a 429 adds Retry-After,
//     X-RateLimit-Scope (and X-RateLimit-Global) and the JSON body with
//     retry_after and global. Requests that come before a given retry_after
//     has elapsed are counted by EarlyRetries.
//   - Faults: InjectFault queues failures for matching routes, SetLatency
//     holds answers back, and SetChaos answers a seeded share of every call
//     with a 429 on its bucket, a 502, a reset connection or a slow answer.
//   - Gateway: op 10 Hello, op 2 Identify (token, intents: unknown bits 4013,
//     privileged intents not in Options.AllowedPrivilegedIntents 4014,
//     shards 4010), READY then GUILD_CREATE (with the GUILDS intent), op 1 ->
//     op 11, op 6 Resume with replay of missed events then RESUMED (op 9 when
//     the session cannot be resumed), increasing sequence numbers, payloads
//     before Identify 4003, double Identify 4005, unknown opcodes 4001,
//     undecodable or > 4096-byte payloads 4002, > 120 payloads per minute
//     4008, silence past 1.5 heartbeat intervals 4009. Events honour intents
//     and shards; without MESSAGE_CONTENT, other users' guild messages arrive
//     without content unless they mention the bot. A client closing with 1000
//     or 1001 ends its session; DisconnectAll (close 4000) and
//     RequestReconnect (op 7) leave sessions resumable.
//   - HTTP interactions: PostInteraction signs timestamp+body with Ed25519
//     (PublicKeyHex is the key to verify with) and records a callback
//     returned in the HTTP response under the same rules.
//
// # What is not modelled
//
// Threads, forum/announcement/stage channels, reactions, roles and member
// management, guild and user objects beyond what READY/GUILD_CREATE need,
// audit logs, webhooks other than interaction webhooks, stickers and polls
// (accepted but not validated), message search, bulk delete, embeds
// permission (EMBED_LINKS is not checked), the rule that overwrites may only
// grant permissions the bot holds, the invalid-request limit (10,000 per 10
// minutes), Discord's exact per-route numbers (which it does not publish),
// shared-resource rate limits beyond the name/topic one, daily command
// creation limits, command permissions, localisation, the exact set of
// characters Discord strips from channel names, gateway compression and ETF
// (text JSON frames only; a compress query parameter is refused, and
// Identify's compress flag is recorded but ignored), presence
// and voice updates (accepted and ignored), guild member requests (op 8 is
// ignored, no GUILD_MEMBERS_CHUNK), session start limits (counted, not
// enforced), and the gateway's identify rate limit. Rate limits use real time
// even when a Clock is injected, so a frozen clock cannot wedge a client's
// retry loop.
package discordfake

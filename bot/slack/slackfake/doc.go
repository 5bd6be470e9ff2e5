// Package slackfake is a stateful, in-process fake of the Slack platform for
// end-to-end tests and benchmarks of a bot built on slack-go/slack and its
// socketmode package.
//
// One Server serves, from one base URL:
//
//   - the Web API at /api/<method> (point slack-go at it with
//     slack.OptionAPIURL(fake.URL()+"/api/"));
//   - Socket Mode: apps.connections.open returns ws://<host>/socket?ticket=...;
//   - response_url endpoints (/commands/..., /actions/...);
//   - file upload URLs (/upload/...).
//
// Use Start to listen on 127.0.0.1, or serve the Server (an http.Handler)
// with httptest and call SetURL with the test server's URL.
//
// Web API methods served: auth.test, apps.connections.open,
// conversations.{create,invite,setTopic,info,open,archive,members,history},
// chat.{postMessage,postEphemeral,update,delete}, pins.{add,list},
// bookmarks.{add,list}, views.{open,update}, users.{info,lookupByEmail},
// reactions.get, files.upload, files.getUploadURLExternal and
// files.completeUploadExternal (what slack-go's UploadFile uses). Any other
// method answers {"ok":false,"error":"unknown_method"}, so a bot that
// starts using a new method fails loudly until the fake learns it. Methods
// accept POST (form, multipart or JSON) and GET with query arguments.
//
// # What it enforces
//
// Passing against the fake is meant to mean something, so it applies the
// platform's rules rather than accepting anything:
//
//   - Authentication: token from "Authorization: Bearer" or the "token"
//     form field (never from a JSON body, as on Slack); not_authed,
//     invalid_auth, and not_allowed_token_type when the bot token is used for
//     apps.connections.open or the app token for anything else.
//   - Bodies: form-urlencoded, multipart and JSON, with invalid_json,
//     json_not_object, invalid_post_type.
//   - Conversations: channel-name rules (lowercase a-z, 0-9, "-", "_"; at most
//     80 characters; not only punctuation) with invalid_name_required,
//     invalid_name_maxlength, invalid_name_specials, invalid_name_punctuation
//     and name_taken (archived channels keep their names); channel_not_found
//     for unknown ids and for private conversations the bot is not in;
//     not_in_channel when the bot posts, invites, sets a topic or reads
//     history where it is not a member (the bot is modelled without
//     chat:write.public); is_archived; invite errors already_in_channel,
//     user_not_found, cant_invite_self (all-or-nothing unless force=true,
//     with Slack's "errors" array); topic length (too_long); #general cannot
//     be archived. Creating a channel, inviting, setting a topic and
//     archiving add the channel_join / channel_topic / channel_archive system
//     messages Slack adds, and conversations.history returns them.
//   - Messages: every message gets a unique, strictly increasing ts
//     ("1700000000.000100"); no_text; msg_too_long above 40,000 characters;
//     invalid_blocks for more than 50 blocks, unknown block types, duplicate
//     or oversized block_id and the main per-block limits (section text 3000,
//     fields 10x2000, header 150 plain_text, actions 25 and context 10
//     elements, input label/element, image alt_text); invalid_blocks_format;
//     too_many_attachments; chat.update/chat.delete on a missing ts give
//     message_not_found and on another author's message
//     cant_update_message / cant_delete_message; chat.update keeps blocks and
//     attachments it is not given; user_not_in_channel for chat.postEphemeral.
//   - Pins (already_pinned, message_not_found, bad_timestamp,
//     no_item_specified) and bookmarks (type "link" only, http(s) links,
//     emoji syntax).
//   - Modals: views.open needs a trigger_id the fake issued (with a slash
//     command, an interaction, or IssueTriggerID) less than 3 s ago
//     (expired_trigger_id otherwise) and not yet used (exchanged_trigger_id);
//     the view must be a modal with a plain_text title of at most 24
//     characters, at most 100 valid blocks and a submit button when it has
//     input blocks (invalid_arguments with Slack-style messages);
//     duplicate_external_id; views.update not_found and hash_conflict.
//   - Rate limits: a token bucket per method following Slack's tiers (Tier 1:
//     1/min, 2: 20/min, 3: 50/min, 4: 100/min, bursts up to the per-minute
//     count), and chat.postMessage's 1/s per channel with a burst of 3. Over
//     the limit: HTTP 429, Retry-After in whole seconds (rounded up), body
//     {"ok":false,"error":"ratelimited"}, and the exact wait in the
//     non-standard header X-Fake-Retry-After-Ms (RetryAfterMsHeader) because
//     Options.RateLimitScale can shrink waits below a second. Every call is
//     recorded (Calls); one that arrives before the Retry-After given to its
//     bucket has expired is an "early retry" (EarlyRetries) and is refused
//     again.
//   - Socket Mode: one-time tickets valid 30 s, hello on connect, periodic
//     WebSocket pings, envelopes for slash_commands, interactive and
//     events_api that wait for the client's ack; acks later than 3 s are
//     recorded as late (Acks, LateAcks); disconnect messages (DisconnectAll)
//     and abrupt drops (DropConnections).
//   - response_url: at most 5 uses within 30 minutes (used_url, expired_url);
//     in_channel responses become channel messages, others ephemeral
//     messages; replace_original / delete_original act on the interaction's
//     source message.
//   - HTTP mode: PostSlashCommand, PostInteraction and PostEvent sign requests
//     with Slack's v0 scheme, and can sign wrongly (WithSigningSecret,
//     WithStaleTimestamp, WithTimestamp, WithoutSignature).
//
// Tests can inject latency (SetLatency) and faults (InjectFault: an HTTP
// status such as 500/503/429, a Slack error code, or a dropped connection),
// or let a seeded Chaos answer a share of all calls with 429s, 503s, resets
// and slow answers (SetChaos, ChaosCounts), and inspect the state: Channels, Messages, Ephemerals, Pins, Bookmarks,
// OpenedViews, DMs, Files, ResponseURLPosts, Calls, Acks.
//
// All time comes from Options.Clock (rate limits, trigger expiry, ts values,
// ack latency), so tests can drive it with a fake clock. Injected latency
// and the disconnect grace period use real time.
//
// # What it does not model
//
//   - OAuth, scopes and missing_scope; user tokens; Enterprise Grid and
//     shared channels. Pins, bookmarks and archiving do not check the bot's
//     membership (Slack's documentation does not list not_in_channel there).
//   - The workspace-wide message limit, Slack's undocumented burst policies
//     beyond the token buckets above, and the 1/min conversations.history
//     limit of unlisted apps.
//   - Events API retries when an ack is missing (the fake records the miss
//     instead) and the url_verification handshake; events caused by the
//     bot's own actions (tests send events explicitly, e.g. the
//     ReactionAddedEvent returned by AddReaction).
//   - Message formatting, mentions and unfurling (text is stored verbatim);
//     threads beyond reply counts (no conversations.replies; an unknown
//     thread_ts is accepted, as Slack does).
//   - File scanning and previews; element-level Block Kit validation
//     (element types, option limits); views.push, views.publish and modal
//     stacks.
//   - Socket Mode connection refresh timing and the 10-connection limit;
//     rendering ack payloads (a slash command acked with a message is
//     recorded in Acks, not shown in the channel); replace_original for
//     slash-command responses (they have no source message here).
//   - Legacy files.upload is accepted, with a method_deprecated warning,
//     although Slack has retired it.
package slackfake

// Package teams is mimbot's Microsoft Teams adapter: it turns the Bot Framework
// activities Teams sends to POST /teams/messages (messages that mention the bot,
// Adaptive Card buttons and forms) into bot.Request values, and it is the mim.Chat of
// the "teams" platform: war rooms (a standard channel of one team, opened by the
// incident card, and a Teams meeting when the configuration asks for one),
// channel posts, personal chats and the card. The Microsoft APIs themselves (tokens,
// the Connector, Graph) are in bot/teams/msapi.
//
// # Activities in
//
// Every activity carries a Bot Framework token, checked before anything else (see
// verifier): RS256 only, the key found by the token's kid among the keys of the JWKS
// that the OpenID metadata names (keyfunc; fetched again at once for an unknown kid,
// at most once a minute), issuer https://api.botframework.com, audience the app id,
// expiry and not-before with five minutes of leeway, the serviceurl claim equal to the
// activity's serviceUrl, and a key that lists endorsements endorsing the activity's
// channel. Anything else is 401, logged with the reason and never the token; bodies
// are bounded (256 KB, 413).
//
// A message's text is Teams' markup: the bot's own <at> mention is removed (by its
// entity), another person's becomes <@entra-object-id> (a mention by Teams 29: id is
// looked up once with the Connector and remembered), tags are stripped and entities
// unescaped. What follows the word `incident` is the shared grammar; anything else
// gets a short usage reply. The command is committed (bot.Router.Commit, within
// bot.CommitBudget) before the activity is answered 200, so that the answer promises
// it will not be lost; no call to Microsoft is made before the answer, but for a
// mention to look up, when the answer comes first. The reply is then posted in the
// activity's thread; a declaration's reply ends "Opening war room..." and is edited in
// place with "done" once the room is ready. `incident declare` without a title
// answers with the declare form (an Adaptive Card).
//
// Buttons are Action.Submit (a message activity with a value and no text) or
// Action.Execute (an adaptiveCard/action invoke, answered in the invoke's response):
// {"mimbot": "ack"|"update"|"resolve"|"confirm"|"reopen"|"declare", "incident": n,
// "text": ...} becomes the grammar's command (ack incident=n, update "..."
// incident=n...). A page acknowledged in a personal chat loses its button.
//
// # War rooms
//
// OpenRoom creates a standard channel named like the room under Teams' rules
// (msapi.ChannelName: 50 characters, no forbidden characters), numbered when the name
// is taken, and returns it to be recorded; a request that may be a retry (Attempt
// other than 1), or a name taken, first looks for a channel of the room's name created
// since the declaration that no incident recorded (an earlier attempt's, here or in
// another replica) and adopts it, so an incident never gets two channels. The second
// step books the Teams meeting (bridge: {teams: meeting}; organised by the IM or the
// first smo.head; its join link kept in WarRoom.Voice), then posts the room's first
// message: a text that mentions the IM and the paged leads and gives the bridge, with
// the card under it, in one activity (its id kept in WarRoom.Card), so that a room is
// ready after two calls in a row. A step recorded as done is not done again.
//
// # Deliveries
//
// Send routes with bot.Route. The card is updated in place (PUT of its activity); a
// card that is gone is posted again and the room returned with it. Messages with
// buttons go as cards, others as XML text (escaped, <br> lines, <code>), split under
// Teams' 28 KB; people are mentioned with <at>Name</at> and a mention entity (in a
// card, its msteams.entities). A person's messages go to their personal chat,
// created with the Connector and remembered in memory; when Teams refuses it (the
// person has not installed the app) the delivery fails with an EINVALID error that
// says so. The message that closes or cancels an incident first renames its channel
// closed-<name>. Errors the APIs may get over (429, 5xx, network) are EUNAVAILABLE,
// which the relay retries; the others EINVALID.
package teams

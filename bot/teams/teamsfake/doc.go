// Package teamsfake is a stateful, in-process fake of the Microsoft side of
// a Teams bot, for end-to-end tests of mimbot's Teams adapter and of
// bot/teams/msapi.
//
// One Server serves, from one base URL:
//
//   - Entra's token endpoint (LoginURL): the client-credentials grant,
//     checking tenant, client id, secret and scope, with Entra's AADSTS
//     errors; tokens expire after 3599 s on the clock;
//   - the Bot Framework's OpenID metadata and JWKS (OpenIDURL), with RSA keys
//     endorsed for "msteams"; RotateKeys publishes a new key beside the
//     previous one;
//   - the Bot Connector (ServiceURL): personal conversations, messages,
//     replies, updates and members;
//   - Microsoft Graph (GraphURL): a team's channels and online meetings.
//
// Activities go the other way with Message, PersonalMessage and Submit,
// sent to the bot by Deliver signed as the Bot Framework signs them (RS256
// JWT, kid header, iss/aud/serviceurl/nbf/exp/iat); SignOptions make the
// tokens a bot must refuse.
//
// # What it enforces
//
// Passing against the fake is meant to mean something, so it applies the
// platform's rules with their real error shapes:
//
//   - Authentication: the Connector wants a valid, unexpired token of the
//     Connector scope, Graph one of the Graph scope; otherwise 401.
//   - Conversations: the team's channels (General from the start), personal
//     conversations opened by the bot, Options.Conversations; anything else
//     is 404 ConversationNotFound. Opening a 1:1 conversation with a user who
//     has not installed the app is 403; the same user always gets the same id.
//   - Activities: type "message", known attachment content types, an
//     Adaptive Card that parses with "type":"AdaptiveCard" and a "version"
//     (400 BadRequest naming the problem); 413 MessageSizeTooBig over 28 KB
//     of activity JSON or 40 KB of card; 404 ActivityNotFound for a reply to
//     or update of an unknown activity.
//   - Pacing per conversation: 7 messages per second and 60 per 30 seconds
//     (sliding windows on the clock, POST and PUT count), else 429 with
//     Retry-After; Graph channel creation 30 per minute per team. A call that
//     comes back inside a Retry-After is refused and counted in EarlyRetries.
//   - Channels: Teams' name rules and NameAlreadyExists (case-insensitive,
//     deleted channels' names stay taken for 30 days); General cannot be
//     renamed.
//
// Faults (InjectFault, by path prefix) and latency (SetLatency) are injected
// at the edge, before authentication; Calls logs every request answered,
// UnderWay counts those still waiting for their answer.
//
// # Test controls beyond the platform
//
// AddChannel and DeleteChannel change the team as someone in Teams would;
// SetAppInstalled installs the bot for a user; ExpireTokens ends every access
// token at once; RotateKeys and KeyIDs follow the signing keys; SignToken
// gives the JWT Deliver would send, for requests built by hand;
// Options.SigningKey lets a suite share one key between servers.
//
// # What it does not model
//
// Replies and threads are checked against the activities the fake knows
// (built here or posted by the bot): a reply to any other id is
// ActivityNotFound. Only standard channels; no archiving; Graph lists are
// never paged; the Connector's typing activities are accepted and not kept.
//
// The clock (Options.Clock) drives token expiry, JWT claims, pacing windows
// and Retry-After, so tests move time instead of sleeping.
package teamsfake

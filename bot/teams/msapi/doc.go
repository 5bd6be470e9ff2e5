// Package msapi holds the clients of the Microsoft APIs the Teams adapter calls: Entra
// ID tokens (client credentials), the Bot Framework Connector (messages into Teams
// conversations) and Microsoft Graph (the team's channels, online meetings).
//
// It knows nothing of incidents. Every call goes out through the *http.Client it is
// given, named with bot.Call so that the metrics transport counts it, and every wait
// (a Retry-After, the Connector's pacing) is measured on the injected mim.Clock and
// gives up when the context ends.
//
// The Connector keeps Teams' pace per conversation (7 messages a second, 60 in 30
// seconds) before it sends, so that a 429 is the exception; calls on one conversation
// go out one at a time, in the order they were made. A 429 or a 503 waits its
// Retry-After and tries again, a bounded number of times; a 401 drops the cached token
// and tries once more with a new one.
//
// Tokens are cached per scope until 5 minutes before they expire; callers that need
// one while it is being fetched share that fetch. The Connector sends its token only
// to an https serviceUrl (or to this machine, for tests).
//
// Code maps an error of this package to a mim error code for the adapter, Temporary
// tells whether the same call may work later.
package msapi

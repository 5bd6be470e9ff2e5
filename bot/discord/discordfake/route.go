package discordfake

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authMode says what authentication a route needs.
type authMode int

const (
	// authBot requires "Authorization: Bot <token>".
	authBot authMode = iota
	// authToken routes (interaction callbacks, interaction webhooks, GET
	// /gateway) are authenticated by the token in the path or need none; an
	// Authorization header, if sent, must still be valid.
	authToken
)

// route is one REST endpoint.
type route struct {
	method   string
	pattern  string
	segs     []string
	bucket   string
	major    []string
	noGlobal bool
	auth     authMode
	handle   func(*request) reply
}

func (rt *route) key() string { return rt.method + " " + rt.pattern }

// literals counts the fixed segments; more literals win over parameters, so
// ".../messages/pins" beats ".../messages/{message_id}".
func (rt *route) literals() int {
	n := 0
	for _, s := range rt.segs {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

func (rt *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// majorKey is the bucket's major parameter values, e.g. the channel id.
func (rt *route) majorKey(params map[string]string) string {
	parts := make([]string, len(rt.major))
	for i, m := range rt.major {
		parts[i] = params[m]
	}
	return strings.Join(parts, "/")
}

// request is what a handler sees.
type request struct {
	http   *http.Request
	params map[string]string
	query  url.Values
	body   []byte
	// now is the Clock's time at arrival.
	now time.Time
}

func (q *request) param(name string) string { return q.params[name] }

// routes builds the route table.
func (s *Server) routes() []*route {
	c := []string{"channel_id"}
	g := []string{"guild_id"}
	ag := []string{"application_id", "guild_id"}
	a := []string{"application_id"}
	wt := []string{"webhook_id", "webhook_token"}
	bot := func(method, pattern, bucket string, major []string, h func(*request) reply) *route {
		return &route{
			method: method, pattern: pattern, segs: strings.Split(strings.Trim(pattern, "/"), "/"),
			bucket: bucket, major: major, handle: h,
		}
	}
	// token routes are exempt from the global limit, like Discord's
	// interaction endpoints.
	token := func(method, pattern, bucket string, major []string, h func(*request) reply) *route {
		rt := bot(method, pattern, bucket, major, h)
		rt.auth = authToken
		rt.noGlobal = true
		return rt
	}
	gateway := bot(http.MethodGet, "/gateway", BucketGateway, nil, s.getGateway)
	gateway.auth = authToken
	const wh = "/webhooks/{webhook_id}/{webhook_token}"
	return []*route{
		bot(http.MethodGet, "/users/@me", BucketUser, nil, s.getCurrentUser),
		gateway,
		bot(http.MethodGet, "/gateway/bot", BucketGateway, nil, s.getGatewayBot),
		bot(http.MethodGet, "/guilds/{guild_id}/channels", BucketGuildChannels, g, s.listGuildChannels),
		bot(http.MethodPost, "/guilds/{guild_id}/channels", BucketGuildChannelCreate, g, s.createGuildChannel),
		bot(http.MethodGet, "/channels/{channel_id}", BucketChannel, c, s.getChannel),
		bot(http.MethodPatch, "/channels/{channel_id}", BucketChannel, c, s.modifyChannel),
		bot(http.MethodDelete, "/channels/{channel_id}", BucketChannel, c, s.deleteChannel),
		bot(http.MethodGet, "/channels/{channel_id}/messages", BucketMessageRead, c, s.listMessages),
		bot(http.MethodPost, "/channels/{channel_id}/messages", BucketMessageCreate, c, s.createMessage),
		bot(http.MethodGet, "/channels/{channel_id}/messages/{message_id}", BucketMessageRead, c, s.getMessage),
		bot(http.MethodPatch, "/channels/{channel_id}/messages/{message_id}", BucketMessageEdit, c, s.editMessage),
		bot(http.MethodDelete, "/channels/{channel_id}/messages/{message_id}", BucketMessageEdit, c, s.deleteMessage),
		bot(http.MethodGet, "/channels/{channel_id}/messages/pins", BucketPins, c, s.listPins),
		bot(http.MethodPut, "/channels/{channel_id}/messages/pins/{message_id}", BucketPins, c, s.pinMessage),
		bot(http.MethodDelete, "/channels/{channel_id}/messages/pins/{message_id}", BucketPins, c, s.unpinMessage),
		bot(http.MethodGet, "/channels/{channel_id}/pins", BucketPins, c, s.listPinsDeprecated),
		bot(http.MethodPut, "/channels/{channel_id}/pins/{message_id}", BucketPins, c, s.pinMessage),
		bot(http.MethodDelete, "/channels/{channel_id}/pins/{message_id}", BucketPins, c, s.unpinMessage),
		bot(http.MethodPost, "/users/@me/channels", BucketDMCreate, nil, s.createDM),
		bot(http.MethodGet, "/applications/{application_id}/guilds/{guild_id}/commands", BucketCommandsRead, ag, s.listCommands),
		bot(http.MethodPut, "/applications/{application_id}/guilds/{guild_id}/commands", BucketCommandsWrite, ag, s.overwriteCommands),
		bot(http.MethodGet, "/applications/{application_id}/commands", BucketCommandsRead, a, s.listCommands),
		bot(http.MethodPut, "/applications/{application_id}/commands", BucketCommandsWrite, a, s.overwriteCommands),
		token(http.MethodPost, "/interactions/{interaction_id}/{interaction_token}/callback", BucketInteractionCallback, []string{"interaction_id"}, s.interactionCallback),
		token(http.MethodPost, wh, BucketWebhook, wt, s.executeFollowUp),
		token(http.MethodGet, wh+"/messages/@original", BucketWebhook, wt, s.getWebhookMessage),
		token(http.MethodPatch, wh+"/messages/@original", BucketWebhook, wt, s.editWebhookMessage),
		token(http.MethodDelete, wh+"/messages/@original", BucketWebhook, wt, s.deleteWebhookMessage),
		token(http.MethodGet, wh+"/messages/{message_id}", BucketWebhook, wt, s.getWebhookMessage),
		token(http.MethodPatch, wh+"/messages/{message_id}", BucketWebhook, wt, s.editWebhookMessage),
		token(http.MethodDelete, wh+"/messages/{message_id}", BucketWebhook, wt, s.deleteWebhookMessage),
	}
}

// match finds the route for method and a versionless path. It returns a nil
// route and a 404 or 405 reply when nothing fits.
func (s *Server) match(method, path string) (*route, map[string]string, reply) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var best *route
	var bestParams map[string]string
	pathMatched := false
	for _, rt := range s.table {
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method != method {
			continue
		}
		if best == nil || rt.literals() > best.literals() {
			best, bestParams = rt, params
		}
	}
	if best != nil {
		return best, bestParams, reply{}
	}
	if pathMatched {
		return nil, nil, methodNotAllowed()
	}
	return nil, nil, notFound()
}

// stripVersion removes "/api/v9" or "/api/v10" from a request path.
func stripVersion(p string) (string, bool) {
	for _, prefix := range []string{"/api/v9/", "/api/v10/"} {
		if strings.HasPrefix(p, prefix) {
			return "/" + strings.TrimPrefix(p, prefix), true
		}
	}
	return "", false
}

package discord

import (
	"net/http"
	"net/url"
)

// transport sends requests meant for discord.com to Config.APIURL instead. discordgo
// builds its endpoints from fixed strings when the program starts, so the host is
// rewritten here, below both discordgo and the adapter's own calls; the gateway URL
// then follows, since it comes from GET /gateway.
type transport struct {
	base   http.RoundTripper // nil: http.DefaultTransport
	target *url.URL          // scheme and host that replace discord.com's
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if r.URL.Host != "discord.com" || (t.target.Scheme == r.URL.Scheme && t.target.Host == r.URL.Host) {
		return base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.target.Scheme, t.target.Host, t.target.Host
	if p := t.target.Path; p != "" && p != "/" {
		r.URL.Path = p + r.URL.Path
		r.URL.RawPath = ""
	}
	return base.RoundTrip(r)
}

package web

import (
	"regexp"
	"strings"
)

// What stakeholders must not see in text people typed: the platforms' mention
// syntax (<@U01ALICE>, <@!100000000000000001>, <#C01|ops>, <!here>), and e-mail
// addresses. The pages show the person's display name instead, or a word.
var (
	userMention    = regexp.MustCompile(`<@!?([^>|\s]+)(?:\|[^>]*)?>`)
	channelMention = regexp.MustCompile(`<#[^>|\s]+(?:\|([^>]*))?>`)
	specialMention = regexp.MustCompile(`<!([a-z]+)[^>]*>`)
	emailAddress   = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	platformID     = regexp.MustCompile(`\b(?:U[0-9A-Z]{6,}|[0-9]{17,20})\b`)
)

// name shows the person with key to stakeholders: their display name. A reporter
// known only by address is not named: the address is theirs to give.
func (s *Server) name(key string) string {
	if key == "" {
		return ""
	}
	if _, ok := s.svc.Config.People[key]; !ok && strings.Contains(key, "@") {
		return "a reporter by e-mail"
	}
	return s.svc.Config.Display(key)
}

// readable shows text someone typed to stakeholders: every mention as the display name
// of who it names ("someone" when nobody known), channels by name, addresses as the
// person they belong to or as "an e-mail address", and the platform ids of known
// people as their names.
func (s *Server) readable(text string) string {
	if !strings.ContainsAny(text, "<@0123456789U") {
		return text
	}
	cfg := s.svc.Config
	byID := map[string]string{}
	for _, k := range cfg.PersonKeys() {
		p := cfg.People[k]
		byID[k] = p.Display()
		for _, id := range []string{p.Slack, p.Discord} {
			if id != "" {
				byID[id] = p.Display()
			}
		}
	}
	text = userMention.ReplaceAllStringFunc(text, func(m string) string {
		if n, ok := byID[userMention.FindStringSubmatch(m)[1]]; ok {
			return n
		}
		return "someone"
	})
	text = channelMention.ReplaceAllStringFunc(text, func(m string) string {
		if label := channelMention.FindStringSubmatch(m)[1]; label != "" && !strings.ContainsAny(label, "@") {
			return "#" + label
		}
		return "a channel"
	})
	text = specialMention.ReplaceAllString(text, "@$1")
	text = emailAddress.ReplaceAllStringFunc(text, func(addr string) string {
		if k, ok := cfg.PersonByEmail(addr); ok {
			return cfg.Display(k)
		}
		return "an e-mail address"
	})
	return platformID.ReplaceAllStringFunc(text, func(id string) string {
		if n, ok := byID[id]; ok {
			return n
		}
		return id
	})
}

package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"
)

// Access to the stakeholder pages when they are not public (status.token): the
// reader follows the link with ?token= once, gets a cookie, and is sent on to the same
// address without the token, so that the token leaves the address bar, the history
// and any link copied from the page.
const (
	accessCookie = "mimbot_status"
	accessMaxAge = 30 * 24 * time.Hour
)

// pass is what the access cookie holds: a digest of the token, so that the cookie
// reveals nothing of it, yet changes when the token does (which locks out every
// reader of the old one).
func pass(token string) string {
	sum := sha256.Sum256([]byte("mimbot status access\x00" + token))
	return hex.EncodeToString(sum[:])
}

// sameSecret compares without telling by its timing how much of a matched.
func sameSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// stakeholder guards a stakeholder page with the status access of the configuration:
// public pages pass; otherwise the right ?token= sets the cookie and redirects, the
// right cookie passes, and anything else gets 401 with a page saying what to ask for.
// Every page for stakeholders goes through it: /status and all under it, and /reports
// when it is served (the same access, by contract).
func (s *Server) stakeholder(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		access := s.svc.Config.Status
		if access.Public {
			h(w, r)
			return
		}
		want := pass(access.Token)
		q := r.URL.Query()
		if q.Has("token") {
			if !sameSecret(q.Get("token"), access.Token) {
				s.log.Info("status page refused", "route", r.Pattern, "reason", "wrong token in the link")
				s.deny(w, r, "The link you followed has a token that is not (or no longer) valid.")
				return
			}
			http.SetCookie(w, &http.Cookie{Name: accessCookie, Value: want, Path: "/", MaxAge: int(accessMaxAge / time.Second),
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"})
			q.Del("token")
			to := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, to.String(), http.StatusSeeOther)
			return
		}
		if c, err := r.Cookie(accessCookie); err == nil && sameSecret(c.Value, want) {
			h(w, r)
			return
		}
		s.log.Info("status page refused", "route", r.Pattern, "reason", "no valid cookie")
		s.deny(w, r, "This status page is shared only with those given its link.")
	}
}

// deny answers 401 with the "denied" page.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusUnauthorized, "denied", Denied{Message: msg})
}

package config

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// minStatusToken is the shortest status.token accepted: the token is the whole of the
// pages' protection, and one that can be guessed protects nothing.
const minStatusToken = 16

// status reads status: {public, token}: who may read the stakeholder pages. Absent,
// they are public, as they were before the key existed. A token without public means
// the pages are not public; public: false needs a token, and public: true takes none,
// so that the file never says two things at once.
func (r *reader) status(n *yaml.Node, path string) mim.StatusAccess {
	f := r.fields(n, path, "public", "token")
	token := r.text(f["token"], join(path, "token"))
	public := token == ""
	if p := join(path, "public"); !absent(f["public"]) {
		switch v := strings.ToLower(r.text(f["public"], p)); v {
		case "true":
			public = true
		case "false":
			public = false
		default:
			if !r.reported(p) {
				r.addf(p, "%q is not true or false (true: anyone may read /status; false: readers need status.token)", v)
			}
		}
	}
	tpath := join(path, "token")
	switch {
	case r.reported(join(path, "public")) || r.reported(tpath):
	case public && token != "":
		r.addf(tpath, "a public status page takes no token: remove status.token, or set status.public: false so that readers need it")
	case !public && token == "":
		r.addf(tpath, "status.public is false, so readers need a token: set status.token to a random string of at least %d letters and digits (openssl rand -hex 16)", minStatusToken)
	case !public && len(token) < minStatusToken:
		r.addf(tpath, "the token has %d characters; use at least %d so it cannot be guessed (openssl rand -hex 16)", len(token), minStatusToken)
	case !public && strings.Trim(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~") != "":
		r.addf(tpath, "the token may hold only letters, digits and - _ . ~, so that it goes into a link as written (openssl rand -hex 16)")
	}
	if public {
		return mim.StatusAccess{Public: true}
	}
	return mim.StatusAccess{Token: token}
}

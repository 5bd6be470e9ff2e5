package config

import (
	"net/mail"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// intake reads intake.email: the recipients and sender domains the SMTP intake
// accepts, and the impact and urgency of the incidents it declares (low unless set:
// triage raises them).
func (r *reader) intake(n *yaml.Node, path string) mim.Intake {
	f := r.fields(n, path, "email")
	var in mim.Intake
	epath := join(path, "email")
	e := r.fields(f["email"], epath, "to", "allowed_domains", "impact", "urgency")
	in.Email.Impact, in.Email.Urgency = mim.Low, mim.Low
	for _, it := range r.texts(e["to"], join(epath, "to"), "[incidents@example.com]") {
		if !it.ok {
			continue
		}
		a, err := mail.ParseAddress(it.value)
		switch {
		case err != nil || a.Name != "" || !strings.Contains(a.Address, "@"):
			r.addf(it.path, "%q is not an e-mail address (use a bare address such as incidents@example.com)", it.value)
		case slices.Contains(in.Email.To, strings.ToLower(a.Address)):
			r.addf(it.path, "%q is listed twice", it.value)
		default:
			in.Email.To = append(in.Email.To, strings.ToLower(a.Address))
		}
	}
	for _, it := range r.texts(e["allowed_domains"], join(epath, "allowed_domains"), "[example.com]") {
		if !it.ok {
			continue
		}
		d := strings.ToLower(strings.TrimSpace(it.value))
		switch {
		case !validDomain(d):
			r.addf(it.path, "%q is not a domain (use the part after the @, such as example.com)", it.value)
		case slices.Contains(in.Email.AllowedDomains, d):
			r.addf(it.path, "%q is listed twice", it.value)
		default:
			in.Email.AllowedDomains = append(in.Email.AllowedDomains, d)
		}
	}
	if !absent(e["impact"]) {
		in.Email.Impact = r.level(e["impact"], join(epath, "impact"))
	}
	if !absent(e["urgency"]) {
		in.Email.Urgency = r.level(e["urgency"], join(epath, "urgency"))
	}
	return in
}

// validDomain accepts host names: dot-separated labels of letters, digits and
// hyphens.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

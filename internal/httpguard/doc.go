// Package httpguard holds the checks an endpoint that changes something makes before
// it trusts a request: the content type it expects, and the refusal of a signed
// request played again. The Slack and Discord endpoints and the Alertmanager webhook
// share them, so that each rule is written once.
package httpguard

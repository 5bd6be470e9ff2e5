// Package api holds the JSON shapes of mimbot's contracts: what `mimbot incident
// show --json` prints and what the HTTP API serves. Field names are part of the
// contract (../shared/DESIGN.md): extend, never rename.
package api

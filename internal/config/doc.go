// Package config turns the operator's YAML configuration into a validated
// *mim.Config, and describes a configuration for people.
//
// The format is the "Configuration" contract of DESIGN.md: every key written there is
// accepted as written, and nothing else is, so a typo never goes unnoticed. Parse reports
// every problem at once as an *Error, one Problem per line with the dotted key path and
// the reason (towers.database.leads[0]: unknown person "frnak"), so that an operator
// fixes a file in one round instead of one error at a time.
//
// Keys left out take the defaults of the contract: timezone UTC, max_concurrent 1,
// ack_within 10m, the contract's priority matrix and policy, major [P0, P1], war room
// mi-{{.Number}}-{{.Slug}}, bridge https://meet.jit.si/{{.Channel}}, no digest. A
// matrix or policy that is written must be complete.
//
// Cron schedules (smo.rotation.handoff, channels.digest) use the standard five fields
// and run in the configured timezone. Templates are checked by rendering them for a
// sample incident: the war room with fields Number (int), Slug, Title (string) and
// Priority (mim.Priority); the bridge with Channel, Slug (string) and Number (int).
//
// Demo is the built-in demo configuration (demo.yaml, embedded), used when no file is
// configured; DemoYAML is its text, a starting point to copy. Describe is the report that
// `mimbot config check` prints.
package config

// Package chaos measures what the README promises under faults: it runs the real
// `mimbot serve` binary against the in-repo fakes of Slack, Discord and PagerDuty, on
// SQLite and on PostgreSQL, and kills it, fails its calls, takes its database away,
// re-delivers its requests and splits its platforms between replicas. Every scenario
// asserts what a user would notice (a declare lost, a message missing, out of order or
// said twice, a reminder fired twice) and logs its figures as one line,
//
//	chaos: <scenario> <dialect> key=value ...
//
// which RELIABILITY.md at the repository root collects. The package has tests only;
// they build the binary once, before anything is timed, and skip with -short.
package chaos

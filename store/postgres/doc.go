// Package postgres implements mim.Store in PostgreSQL (pgx/v5 and its pool): the
// backend for production and for several replicas of mimbot sharing one database.
//
// Open applies the migrations in migrations/postgres under goose's session lock (a
// PostgreSQL advisory lock), so replicas starting together apply each migration once
// and none of them runs against a half-migrated schema.
//
// The store behaves as store/sqlite does (store/storetest holds both to it), but
// where SQLite serialises every writer on its one write lock, PostgreSQL lets
// replicas work side by side:
//   - UpdateIncident locks the incident's row (SELECT ... FOR UPDATE) for its
//     transaction: updates of one incident queue, updates of others do not wait.
//   - ClaimTimers and ClaimMessages lease rows with FOR UPDATE SKIP LOCKED: claimers
//     never wait for each other and never get the same row while a lease is live.
//   - CreateIncident numbers incidents from a sequence; two replicas declaring for
//     the same request key collide on its unique constraint and the loser returns
//     the winner's incident. A declaration that fails (or loses that race) leaves
//     its number unused, so numbers can have gaps where SQLite's have none.
//
// Times are timestamptz(3). Every time the store returns is in UTC and truncated to
// the millisecond (store.Truncate), as in store/sqlite.
//
// When the database cannot be reached (down, restarting, too many connections, or
// a deadline passed while waiting for it), errors carry mim.EUNAVAILABLE and a
// message a chat user can read; the pool reconnects by itself once the database is
// back.
//
// Incidents returns incidents without their timelines (Timeline is nil); Incident,
// IncidentByRoom, CreateIncident and UpdateIncident return the whole timeline, in
// (at, id) order, never nil.
package postgres

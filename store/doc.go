// Package store implements mim.Store in SQL, once, for two databases: SQLite
// (modernc.org/sqlite, pure Go; OpenSQLite, the embedded default for a single
// process) and PostgreSQL (pgx's database/sql driver; OpenPostgres, for production
// and several replicas sharing one database). store/storetest is the conformance
// suite both pass, so that the service behaves the same on either.
//
// Every rule (what a mim.Change writes and in which order, timers and their leases,
// the outbox's queues, war rooms) is written once, on database/sql, with queries
// written with '?' placeholders. A small dialect supplies only what differs:
//   - placeholders: '?' is rebound to $1, $2, ... for PostgreSQL;
//   - times: SQLite keeps INTEGER Unix milliseconds, so that SQL compares due times
//     itself; PostgreSQL keeps timestamptz(3). Every time the store returns is in
//     UTC and truncated to Precision, whichever the database;
//   - how writers exclude each other: SQLite has one writer, every write transaction
//     beginning IMMEDIATE (writers queue for the lock instead of deadlocking on an
//     upgrade), and a process's write transactions run on one goroutine that commits
//     those waiting together, each in a savepoint (writer.go); PostgreSQL lets
//     replicas work side by side, UpdateIncident locking the incident's row (FOR
//     UPDATE), claims of timers and messages passing over rows another claim holds
//     (FOR UPDATE SKIP LOCKED) and leasing what they take;
//   - numbering: SQLite's incident numbers are dense (max + 1 under the write
//     lock); PostgreSQL's come from a sequence before the incident is built, so a
//     declaration that fails, or loses a race for its request key, leaves a gap;
//   - errors: which error is a unique violation, and, for PostgreSQL, which means
//     that the database cannot be reached: those carry mim.EUNAVAILABLE and a
//     message a chat user can read, and the pool reconnects by itself once the
//     database is back.
//
// Migrations live in migrations/sqlite and migrations/postgres and are applied by
// Open (PostgreSQL's under goose's session lock, a PostgreSQL advisory lock, so
// replicas starting together apply each migration once).
//
// An incident is kept as a handful of columns that SQL filters and sorts on (number,
// request key, state, priority, major, declared, resolved and closed times) plus one
// JSON document for the rest of the aggregate, encoded with EncodeIncident. The
// document has its own, stable field names: renaming a field of mim.Incident must not
// make stored incidents unreadable. The timeline is not in the document but in a
// table of its own. Beside the document, the trend column keeps a small copy of the
// keys the trend report reads (towers, first response, pages, the cadence tally, the
// problem record), written with the document in the same statement: a year of
// reports reads it and never the documents, which post-incident summaries make large.
//
// After the incident, problem records, the incidents they link, known errors and
// follow-up actions are tables of their own: a problem may link several incidents
// and outlive them, and known errors and open actions are searched and listed across
// all of them. The incident's document keeps only the problem's hand-off (ref, owner,
// due); Incident (a read, not an update) adds the record as worked and the actions.
// Known errors and actions are numbered max + 1 under the write lock (SQLite) or a
// transaction advisory lock (PostgreSQL), so their numbers have no gaps.
//
// Incidents returns incidents without their timelines (Timeline is nil), and so does
// ClaimMessages with each message: no list and no delivery needs it. Incident,
// IncidentByRoom, CreateIncident and UpdateIncident return the whole timeline, in
// (at, id) order, never nil; CreateIncident and UpdateIncident return what they
// wrote, without reading it back.
package store

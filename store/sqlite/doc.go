// Package sqlite implements mim.Store in one SQLite file (modernc.org/sqlite, pure
// Go): mimbot's embedded default, for a single process.
//
// Open applies the migrations in migrations/sqlite. Connections run in WAL mode, so
// that readers never wait for the writer, and every write transaction begins
// IMMEDIATE: writers queue for the one write lock (busy_timeout) instead of
// deadlocking on a lock upgrade. That lock is what makes a claim of timers or
// messages exclusive; PostgreSQL does the same with FOR UPDATE SKIP LOCKED.
//
// Times are stored as INTEGER Unix milliseconds, so SQL compares due times itself.
// Every time the store returns is in UTC and truncated to the millisecond
// (store.Truncate); a time passed in with more precision comes back truncated.
//
// Incidents returns incidents without their timelines (Timeline is nil); Incident,
// IncidentByRoom, CreateIncident and UpdateIncident return the whole timeline, in
// (at, id) order, never nil.
package sqlite

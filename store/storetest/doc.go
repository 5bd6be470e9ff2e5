// Package storetest is the conformance suite of mim.Store: every backend runs it from
// its own tests, so that the service behaves the same whichever store it is given.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) mim.Store {
//			db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "mimbot.db"))
//			...
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// The suite is written against the interface only, in terms a user would notice:
// incidents that come back as saved, timers that fire once, messages that arrive in
// order. It uses fixed times from 2026-03-01T10:00:00Z and never sleeps: a lease runs
// out because a later now is passed in.
//
// Every time a store returns is expected in UTC and truncated to the millisecond
// (store.Truncate); the suite's times are whole milliseconds except where it checks
// that truncation.
package storetest

// Package store is what mimbot's storage backends share: the stored form of an
// incident and the time precision every backend keeps.
//
// The backends live below it and implement mim.Store: store/sqlite (embedded, the
// default) and store/postgres (production, several replicas). store/storetest is the
// conformance suite both must pass, so that the service behaves the same on either.
//
// An incident is kept as a handful of columns that SQL filters and sorts on (number,
// request key, state, priority, major, declared, resolved and closed times) plus one
// JSON document for the rest of the aggregate, encoded here with EncodeIncident. The
// document has its own, stable field names: renaming a field of mim.Incident must not
// make stored incidents unreadable. The timeline is not in the document; backends
// keep it in a table of its own.
package store

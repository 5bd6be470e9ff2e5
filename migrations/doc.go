// Package migrations holds mimbot's database schema as goose SQL migrations, one
// folder per dialect, embedded in the binary so that `mimbot migrate` and every
// store's Open need no files on disk.
//
// Each dialect's folder describes the same logical schema; the conformance suite in
// store/storetest keeps the backends in step. A migration is never edited once
// released: a change is a new, higher-numbered file in every dialect's folder, and
// its SQL comments say why it exists.
package migrations

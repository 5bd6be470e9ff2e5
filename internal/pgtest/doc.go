// Package pgtest gives tests real PostgreSQL databases of their own: each call of DB
// creates a fresh, empty database and drops it when the test ends, so that test
// packages, and parallel tests within one, never see each other's rows. Clone makes
// the fresh database a copy of another (CREATE DATABASE ... TEMPLATE), which is much
// faster than migrating every database anew: migrate one, clone it per test.
//
// The databases live on the server of the admin URL: $MIMBOT_TEST_DATABASE_URL when
// set, else postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable (the local
// server with trust authentication, as on the project's machines and CI). The admin
// role must be allowed to create databases. They are called
// mimbot_<package>_<pid>_<n>, so that packages tested in parallel never collide and
// a database left by a killed run says where it came from.
//
// When the server cannot be reached, the test is skipped, so that `go test ./...`
// works on a machine without PostgreSQL; with MIMBOT_TEST_POSTGRES=1 (CI) it fails
// instead.
package pgtest

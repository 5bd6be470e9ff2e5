package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite returns the SQLite migrations, at the root of the returned file system as
// goose's Provider expects them.
func SQLite() fs.FS {
	sub, err := fs.Sub(files, "sqlite")
	if err != nil {
		// fs.Sub fails only on an invalid path; "sqlite" is a constant.
		panic(err)
	}
	return sub
}

// Postgres returns the PostgreSQL migrations, at the root of the returned file system
// as goose's Provider expects them.
func Postgres() fs.FS {
	sub, err := fs.Sub(files, "postgres")
	if err != nil {
		// fs.Sub fails only on an invalid path; "postgres" is a constant.
		panic(err)
	}
	return sub
}

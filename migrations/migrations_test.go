package migrations

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestFiles checks what goose would only find out on a live database: every
// migration is named NNNNN_what.sql, numbered without gaps from 1, and has both an
// Up and a Down section.
func TestFiles(t *testing.T) {
	name := regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)
	for _, d := range []struct {
		dialect string
		fsys    fs.FS
	}{
		{"sqlite", SQLite()},
		{"postgres", Postgres()},
	} {
		t.Run(d.dialect, func(t *testing.T) {
			entries, err := fs.ReadDir(d.fsys, ".")
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				t.Fatal("no migrations")
			}
			for i, e := range entries {
				m := name.FindStringSubmatch(e.Name())
				if m == nil {
					t.Errorf("%s: want a name like 00001_init.sql", e.Name())
					continue
				}
				if want := i + 1; m[1] != padded(want) {
					t.Errorf("%s: want version %s (no gaps, no duplicates)", e.Name(), padded(want))
				}
				b, err := fs.ReadFile(d.fsys, e.Name())
				if err != nil {
					t.Fatal(err)
				}
				for _, section := range []string{"-- +goose Up\n", "-- +goose Down\n"} {
					if !strings.Contains(string(b), section) {
						t.Errorf("%s: no %q section", e.Name(), strings.TrimSpace(section))
					}
				}
			}
		})
	}
}

func padded(n int) string { return fmt.Sprintf("%05d", n) }

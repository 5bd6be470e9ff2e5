package web_test

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/config"
	"mimbot/internal/web"
	"mimbot/mim"
	"mimbot/mim/mimtest"
	"mimbot/store"
	"mimbot/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// t0 is a Monday morning in London (GMT); the golden pages depend on it.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const token = "test-token-3f9a"

// fixture is a web server on a real service, over a fresh SQLite file and a clock
// that starts at t0.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	clock *mimtest.Clock
	svc   *mim.Service
	mux   *http.ServeMux
}

func newFixture(t testing.TB, cfg web.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, ctx: ctx, clock: mimtest.NewClock(t0), mux: http.NewServeMux()}
	f.svc = mim.NewService(db, config.Demo(), templates.Must(), f.clock, nil, "shell")
	cfg.Service = f.svc
	web.New(cfg).Routes(f.mux)
	return f
}

// response is what a client got.
type response struct {
	code   int
	header http.Header
	body   string
}

// do sends a request; auth is the Authorization header, "" for none.
func (f *fixture) do(method, path, auth, body string) response {
	f.t.Helper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return f.doWith(method, path, h, body)
}

// doWith sends a request with the given headers.
func (f *fixture) doWith(method, path string, header http.Header, body string) response {
	f.t.Helper()
	req := httptest.NewRequestWithContext(f.ctx, method, path, strings.NewReader(body))
	req.Header = header
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{code: rec.Code, header: rec.Result().Header, body: string(b)}
}

func (f *fixture) declare(title string, impact, urgency mim.Level, towers ...string) *mim.Incident {
	f.t.Helper()
	inc, _, err := f.svc.Declare(f.ctx, mim.DeclareInput{Title: title, Impact: impact, Urgency: urgency, Towers: towers, By: "sam", Platform: "shell"})
	if err != nil {
		f.t.Fatalf("declare: %v", err)
	}
	return inc
}

func (f *fixture) incident(n int) *mim.Incident {
	f.t.Helper()
	inc, err := f.svc.Incident(f.ctx, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return inc
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// personKeys returns the person keys that appear as words in page.
func personKeys(cfg *mim.Config, page string) []string {
	var out []string
	for _, k := range cfg.PersonKeys() {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(k) + `\b`).MatchString(page) {
			out = append(out, k)
		}
	}
	return out
}

// contains checks that body has every one of want, in that order.
func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	rest := body
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			if strings.Contains(body, w) {
				t.Errorf("%q is there but out of order in:\n%s", w, body)
			} else {
				t.Errorf("missing %q in:\n%s", w, body)
			}
			return
		}
		rest = rest[i+len(w):]
	}
}

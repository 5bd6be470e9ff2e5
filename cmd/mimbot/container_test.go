package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// buildLine is the build stage's go build: the environment it sets and its argv.
type buildLine struct {
	env  map[string]string
	argv []string
	out  string // the -o path
}

// dockerBuildLine finds the RUN of the build stage that runs go build, and parses it.
func dockerBuildLine(t *testing.T, stages []stage) buildLine {
	t.Helper()
	for _, s := range stages[:len(stages)-1] {
		for _, run := range s.all("RUN") {
			words := shellWords(t, run)
			for len(words) > 0 && strings.HasPrefix(words[0], "--") { // --mount=... and the like
				words = words[1:]
			}
			b := buildLine{env: s.env(t)}
			for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
				k, v, _ := strings.Cut(words[0], "=")
				b.env[k] = v
				words = words[1:]
			}
			if len(words) < 2 || words[0] != "go" || words[1] != "build" {
				continue
			}
			b.argv = words
			for i, w := range words {
				if w == "-o" && i+1 < len(words) {
					b.out = words[i+1]
				}
			}
			if b.out == "" {
				t.Fatalf("Dockerfile: %q has no -o: the final stage copies the binary by its path", run)
			}
			return b
		}
	}
	t.Fatal("Dockerfile: no RUN ... go build in a build stage")
	return buildLine{}
}

// staticELF says why the file at path is not a static executable, or nil when it
// is: no program interpreter (the dynamic loader) and no shared library needed.
func staticELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("it has a program interpreter (PT_INTERP): it needs the dynamic loader")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return err
	}
	if len(libs) > 0 {
		return fmt.Errorf("it needs shared libraries (DT_NEEDED): %q", libs)
	}
	return nil
}

// TestStaticELF: the check tells a dynamic executable from a static one, so that
// TestDockerfileBuild's verdict means something.
func TestStaticELF(t *testing.T) {
	for _, dyn := range []string{"/bin/sh", "/usr/bin/env"} {
		if _, err := os.Stat(dyn); err != nil {
			continue
		}
		if err := staticELF(dyn); err == nil {
			t.Errorf("%s is dynamically linked, but staticELF found nothing", dyn)
		}
		return
	}
	t.Skip("no dynamically linked executable at hand to check against")
}

// TestDockerfileBuild runs the build stage's go build line as the Dockerfile writes
// it (its environment and arguments, only -o pointed at a temporary directory), checks
// that the binary is static, and runs it as the container would: serve, then the
// HEALTHCHECK command against it (exit 0), then SIGTERM as `docker stop` sends it
// (exit 0, well within 10 s), then the HEALTHCHECK again (exit 1).
//
// The build reuses the build cache: the line has no -trimpath, which changes every
// package's cache key. CGO_ENABLED=0 is a build configuration of its own, though, so
// the first run on a machine compiles everything once (about 2 minutes on two
// cores); later runs relink only (about 3 s). So it is skipped with -short.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary (the first time without a warm cache: minutes); skipped with -short")
	}
	stages := readDockerfile(t)
	b := dockerBuildLine(t, stages)
	if b.env["CGO_ENABLED"] != "0" {
		t.Errorf("the build line sets CGO_ENABLED=%q, want 0 (a static binary)", b.env["CGO_ENABLED"])
	}
	bin := filepath.Join(t.TempDir(), "mimbot")
	argv := slices.Clone(b.argv)
	argv[slices.Index(argv, "-o")+1] = bin
	cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
	cmd.Dir = repoRoot(t)
	// The image's context has no .git (.dockerignore), so go build stamps no VCS
	// information there; here it is turned off to match.
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -buildvcs=false"))
	for k, v := range b.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	t.Logf("%s took %s", strings.Join(argv, " "), time.Since(start).Round(time.Millisecond))
	if err := staticELF(bin); err != nil {
		t.Fatalf("the binary is not static: %v", err)
	}

	e := newEnv(t)
	addr := freeAddr(t)
	environ := append(os.Environ(), "MIMBOT_CONFIG="+e.vars["MIMBOT_CONFIG"], "MIMBOT_DB="+e.vars["MIMBOT_DB"], "MIMBOT_ADDR="+addr)
	healthcheck := func() (int, string) {
		c := exec.Command(bin, "healthcheck")
		c.Env = environ
		out, err := c.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := healthcheck(); code != 1 {
		t.Errorf("healthcheck with nothing listening: exit %d (%s), want 1", code, out)
	}
	serve := exec.Command(bin, "serve")
	serve.Env = environ
	var logs syncBuffer
	serve.Stderr = &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	defer func() {
		if serve.ProcessState == nil {
			serve.Process.Kill()
			<-exited
		}
	}()
	healthy := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && !healthy; {
		code, _ := healthcheck()
		healthy = code == 0
		if !healthy {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !healthy {
		t.Fatalf("healthcheck never passed against the binary's serve; its log:\n%s", logs.String())
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, logs.String())
		}
		t.Logf("serve exited %s after SIGTERM", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("serve still running 10 s after SIGTERM; its log:\n%s", logs.String())
	}
	if code, out := healthcheck(); code != 1 {
		t.Errorf("healthcheck after serve stopped: exit %d (%s), want 1", code, out)
	}
}

// TestDockerfile checks what the image promises and no test can run here: a
// non-root user, port 8080, the health check through the binary, serve by default,
// and the SQLite file in a volume.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	b := dockerBuildLine(t, stages)
	final := stages[len(stages)-1]
	if len(stages) < 2 || !strings.HasPrefix(stages[0].from, "golang:1.26") {
		t.Errorf("stages %q: want a golang:1.26 build stage, then the image", stages[0].from)
	}
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && final.from != "scratch" {
		t.Errorf("image FROM %s, want distroless static or scratch (nothing the binary does not need)", final.from)
	}
	user, _, _ := strings.Cut(final.last("USER"), ":")
	if user == "" || user == "root" || user == "0" {
		t.Errorf("USER %q: the image must run as a user other than root", final.last("USER"))
	}
	if !slices.Contains(strings.Fields(strings.Join(final.all("EXPOSE"), " ")), "8080") {
		t.Errorf("EXPOSE %q, want 8080", final.all("EXPOSE"))
	}
	hc := final.last("HEALTHCHECK")
	_, form, ok := strings.Cut(hc, "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %q: want HEALTHCHECK [options] CMD [...]", hc)
	}
	bin := "/" + filepath.Base(b.out)
	if diff := cmp.Diff([]string{bin, "healthcheck"}, execForm(t, "HEALTHCHECK", form)); diff != "" {
		t.Errorf("HEALTHCHECK (-want +got):\n%s", diff)
	}
	run := append(execForm(t, "ENTRYPOINT", final.last("ENTRYPOINT")), execForm(t, "CMD", final.last("CMD"))...)
	if diff := cmp.Diff([]string{bin, "serve"}, run); diff != "" {
		t.Errorf("ENTRYPOINT and CMD run (-want +got):\n%s", diff)
	}
	copied := false
	for _, c := range final.all("COPY") {
		f := strings.Fields(c)
		copied = copied || len(f) >= 3 && f[len(f)-2] == b.out && f[len(f)-1] == bin
	}
	if !copied {
		t.Errorf("no COPY of the built %s to %s: the image would not hold the binary the build line made", b.out, bin)
	}
	env := final.env(t)
	if env["MIMBOT_DB"] != "/data/mimbot.db" || !slices.Contains(final.all("VOLUME"), "/data") {
		t.Errorf("MIMBOT_DB=%q and VOLUME %q: want the SQLite file in the /data volume", env["MIMBOT_DB"], final.all("VOLUME"))
	}
	if env["MIMBOT_ADDR"] != ":8080" {
		t.Errorf("MIMBOT_ADDR=%q, want :8080 as exposed", env["MIMBOT_ADDR"])
	}
}

// composeFile is what TestCompose reads of deploy/compose.yaml.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string `yaml:"image"`
	Build       *struct{ Context, Dockerfile string }
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Ports   []string `yaml:"ports"`
	Volumes []string `yaml:"volumes"`
}

// TestCompose reads deploy/compose.yaml as compose would (YAML with its anchors and
// merge keys) and checks the deployment it describes: PostgreSQL with a health check
// and a volume, and exactly two mimbot replicas on the same DATABASE_URL, each with
// its health check, started once PostgreSQL is healthy, on distinct host ports, with
// the chat tokens passed through from the host's environment.
func TestCompose(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	pg, ok := f.Services["postgres"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:") {
		t.Fatalf("no postgres service with a postgres image: %+v", f.Services)
	}
	if pg.Healthcheck == nil || !slices.Contains(pg.Healthcheck.Test, "pg_isready") {
		t.Errorf("postgres health check %+v, want pg_isready", pg.Healthcheck)
	}
	if len(pg.Volumes) == 0 || !strings.HasSuffix(pg.Volumes[0], ":/var/lib/postgresql/data") {
		t.Errorf("postgres volumes %q: its data must outlive the container", pg.Volumes)
	} else if name, _, _ := strings.Cut(pg.Volumes[0], ":"); f.Volumes == nil || !hasKey(f.Volumes, name) {
		t.Errorf("postgres volume %q is not declared under volumes", name)
	}

	var replicas []string
	for name, s := range f.Services {
		if s.Build != nil || strings.HasPrefix(s.Image, "mimbot") {
			replicas = append(replicas, name)
		}
	}
	slices.Sort(replicas)
	if len(replicas) != 2 {
		t.Fatalf("mimbot services %q, want exactly two replicas", replicas)
	}
	url := f.Services[replicas[0]].Environment["DATABASE_URL"]
	if !strings.Contains(url, "@postgres:5432/"+pg.Environment["POSTGRES_DB"]) || !strings.HasPrefix(url, "postgres://"+pg.Environment["POSTGRES_USER"]+":") {
		t.Errorf("DATABASE_URL %q does not name the postgres service's user and database", url)
	}
	ports := map[string]string{}
	for _, name := range replicas {
		s := f.Services[name]
		if s.Build == nil || s.Build.Context != ".." || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s: build %+v, want the repository's Dockerfile", name, s.Build)
		}
		if got := s.Environment["DATABASE_URL"]; got != url {
			t.Errorf("%s: DATABASE_URL %q, want %q as the other replica: one database", name, got, url)
		}
		if s.Healthcheck == nil || !cmp.Equal(s.Healthcheck.Test, []string{"CMD", "/mimbot", "healthcheck"}) {
			t.Errorf("%s: health check %+v, want [CMD /mimbot healthcheck]", name, s.Healthcheck)
		}
		if s.DependsOn["postgres"].Condition != "service_healthy" {
			t.Errorf("%s: depends_on %+v, want postgres: {condition: service_healthy}", name, s.DependsOn)
		}
		if len(s.Command) > 0 && !cmp.Equal(s.Command, []string{"serve"}) {
			t.Errorf("%s: command %q, want serve", name, s.Command)
		}
		if len(s.Ports) != 1 || !strings.HasSuffix(s.Ports[0], ":8080") {
			t.Errorf("%s: ports %q, want one host port published to 8080", name, s.Ports)
			continue
		}
		host := strings.TrimSuffix(s.Ports[0], ":8080")
		if other, dup := ports[host]; dup {
			t.Errorf("%s and %s both publish host port %s", other, name, host)
		}
		ports[host] = name
		for _, token := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN", "DISCORD_PUBLIC_KEY", "MIMBOT_API_TOKEN"} {
			if got, want := s.Environment[token], "${"+token+":-}"; got != want {
				t.Errorf("%s: %s=%q, want %q (from the host's environment, never written here)", name, token, got, want)
			}
		}
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimbot/internal/api"
	"mimbot/internal/config"
	"mimbot/internal/pgtest"
	"mimbot/mim/mimtest"
)

// env is a test environment: a temporary directory with a database and a
// configuration whose major priorities want an update every 3 seconds.
type env struct {
	t     *testing.T
	dir   string
	vars  map[string]string
	clock *mimtest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	yaml := strings.NewReplacer("update_every: 15m", "update_every: 3s", "update_every: 30m", "update_every: 3s").Replace(string(config.DemoYAML()))
	cfg := filepath.Join(dir, "mimbot.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, dir: dir, clock: mimtest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)),
		vars: map[string]string{"MIMBOT_CONFIG": cfg, "MIMBOT_DB": filepath.Join(dir, "mimbot.db")}}
}

// run runs mimbot with args and stdin; it returns the exit status and the output.
func (e *env) run(stdin string, args ...string) (int, string, string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return e.vars[k] },
		Clock: e.clock, Advance: e.clock.Advance}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := m.Run(ctx, args)
	return code, out.String(), errOut.String()
}

func (e *env) show(n string) api.Incident {
	e.t.Helper()
	code, out, errOut := e.run("", "incident", "show", n, "--json")
	if code != 0 {
		e.t.Fatalf("incident show: exit %d: %s", code, errOut)
	}
	var inc api.Incident
	if err := json.Unmarshal([]byte(out), &inc); err != nil {
		e.t.Fatalf("incident show --json: %v\n%s", err, out)
	}
	return inc
}

func lines(out, contains string) []string {
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, contains) {
			got = append(got, l)
		}
	}
	return got
}

func TestShellMajorIncident(t *testing.T) {
	e := newEnv(t)
	script := `declare Payments down impact=high urgency=high towers=application,database
/sleep 2600ms
/sleep 2s
/as carol
update Failing over to the secondary provider
/as dave
ack
resolve fixed it
`
	code, out, errOut := e.run(script, "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`Declared #1 "Payments down": P0 major incident.`,
		"War room: #mi-1-payments-down · Bridge: https://meet.jit.si/mi-1-payments-down",
		"Incident manager: carol",
		"Paged: dave (application), frank (database)",
		"[dm @dave] You are paged to #1",
		"[dm @frank] You are paged to #1",
		"[#mi-1-payments-down] @carol status update for #1 due in 400ms",
		"[dm @hana] Escalation on #1 Payments down (P0): status update overdue",
		"Update (Carol Diaz, 10:00:04 GMT): Failing over to the secondary provider",
		"Only the incident manager (carol) or the SMO",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if got := lines(out, "[#stakeholders]"); len(got) != 2 {
		t.Errorf("stakeholder posts: %q", got)
	}
	if t.Failed() {
		t.Log(out)
	}
	inc := e.show("1")
	if inc.Priority != "P0" || !inc.Major || inc.IncidentManager != "carol" || inc.State != "investigating" || len(inc.Paged) != 2 || !inc.Paged[0].Acked || inc.Paged[1].Acked {
		t.Errorf("incident show: %+v", inc)
	}
	if len(inc.WarRooms) != 1 || inc.WarRooms[0].Name != "mi-1-payments-down" || inc.Bridge == "" || inc.DeclaredAt == nil || inc.ResolvedAt != nil {
		t.Errorf("incident show: rooms %+v bridge %q", inc.WarRooms, inc.Bridge)
	}
	kinds := map[string]int{}
	for _, en := range inc.Timeline {
		kinds[en.Kind]++
	}
	for _, k := range []string{"declared", "im_assigned", "paged", "reminder", "escalated", "update", "page_acked"} {
		if kinds[k] == 0 {
			t.Errorf("timeline has no %s entry: %v", k, kinds)
		}
	}
}

func TestShellRefusalsChangeNothing(t *testing.T) {
	e := newEnv(t)
	e.run("declare Payments down impact=high urgency=high towers=database\n", "shell")
	before := len(e.show("1").Timeline)
	script := `/join 1
/as carol
priority P9 reason=test
declare Other impact=huge
frobnicate
assign comms nobody
/as nobody
`
	_, out, _ := e.run(script, "shell")
	for _, want := range []string{
		`"P9" is not a priority: use P0, P1, P2, P3 or P4`,
		"impact=huge is not valid: use impact=high, impact=medium or impact=low",
		`Unknown command "frobnicate"`,
		`Unknown person "nobody". Known people:`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if after := len(e.show("1").Timeline); after != before {
		t.Errorf("timeline went from %d to %d entries", before, after)
	}
	if code, out, _ := e.run("", "incident", "list", "--json"); code != 0 || strings.Count(out, `"number"`) != 1 {
		t.Errorf("a refused declare created an incident: %s", out)
	}
}

func TestConfigCheck(t *testing.T) {
	e := newEnv(t)
	bad := filepath.Join(e.dir, "bad.yaml")
	yaml := strings.Replace(string(config.DemoYAML()), "leads: [frank", "leads: [frnak", 1)
	if err := os.WriteFile(bad, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := e.run("", "config", "check", bad)
	if code != 2 || !strings.Contains(errOut, `towers.database.leads[0]: unknown person "frnak"`) {
		t.Errorf("config check bad.yaml: exit %d, %s", code, errOut)
	}
	code, out, _ := e.run("", "config", "check")
	if code != 0 || !strings.Contains(out, "is valid") {
		t.Errorf("config check: exit %d, %s", code, out)
	}
	code, demo, _ := e.run("", "config", "demo")
	if _, err := config.Parse([]byte(demo)); code != 0 || err != nil {
		t.Errorf("config demo: exit %d, does not parse back: %v", code, err)
	}
	// Nothing starts on a bad configuration.
	e.vars["MIMBOT_CONFIG"] = bad
	if code, _, _ := e.run("declare x\n", "shell"); code != 2 {
		t.Errorf("shell on a bad configuration: exit %d, want 2", code)
	}
	if code, _, _ := e.run("", "bogus"); code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", code)
	}
}

// TestShellNeutralIM: with the on-call member leading an impacted tower, the shell
// shows the skip and its reason; with nobody eligible, the head is escalated to and
// the incident still opens.
func TestShellNeutralIM(t *testing.T) {
	e := newEnv(t)
	cfg, err := config.Load(e.vars["MIMBOT_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	on := cfg.Rotation.OnCall(e.clock.Now()).Member
	yaml, _ := os.ReadFile(e.vars["MIMBOT_CONFIG"])
	leads := strings.Replace(string(yaml), "leads: [frank", "leads: ["+on+", frank", 1)
	os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(leads), 0o600)
	_, out, _ := e.run("declare DB down impact=high urgency=high towers=database\n", "shell")
	if !strings.Contains(out, "Skipped "+on+" as incident manager: leads the impacted database tower") {
		t.Errorf("the skip is not shown:\n%s", out)
	}
	if inc := e.show("1"); inc.IncidentManager == on || inc.IncidentManager == "" {
		t.Errorf("IM %q", inc.IncidentManager)
	}

	// Every member leads the database tower: nobody is eligible.
	everyone := strings.Replace(string(yaml), "leads: [frank", "leads: ["+strings.Join(cfg.Rotation.Members, ", ")+", frank", 1)
	os.WriteFile(e.vars["MIMBOT_CONFIG"], []byte(everyone), 0o600)
	_, out, _ = e.run("declare Storage down impact=high urgency=high towers=database\n", "shell")
	inc := e.show("2")
	if inc.IncidentManager != "" || !inc.Major || len(inc.WarRooms) != 1 || !strings.Contains(out, "none eligible; escalated to hana") || !strings.Contains(out, "[dm @hana]") {
		t.Errorf("nobody eligible: IM %q, rooms %v\n%s", inc.IncidentManager, inc.WarRooms, out)
	}
}

// TestShellPageTimeout: a page not acknowledged within ack_within pages the tower's
// next lead.
func TestShellPageTimeout(t *testing.T) {
	e := newEnv(t)
	_, out, _ := e.run("declare Checkout errors impact=high urgency=high towers=application\n/sleep 9m\n/sleep 61s\n", "shell")
	i := strings.Index(out, "/sleep 61s")
	if i < 0 || !strings.Contains(out[i:], "[dm @erin] You are paged to #1") || strings.Contains(out[:i], "[dm @erin]") {
		t.Errorf("erin (application's second lead) must be paged after 10 minutes, not before:\n%s", out)
	}
	if inc := e.show("1"); len(inc.Paged) != 2 || inc.Paged[1].Person != "erin" {
		t.Errorf("pages %+v", inc.Paged)
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestShellTranscript keeps what people read in the terminal (declare, pages, reminders,
// escalation, updates, the lifecycle, the summary) in a golden file: a change to any of
// it shows in review. Regenerate with go test ./cmd/mimbot -run Transcript -update.
func TestShellTranscript(t *testing.T) {
	e := newEnv(t)
	script := `declare Payments down impact=high urgency=high towers=application,database
/sleep 2600ms
/sleep 2s
/as carol
task add Fail over to the secondary provider owner=frank
update Card payments failing; failing over
priority P1 reason="EU only now"
/as frank
ack
note "retry=3 did not help"
diagnose Connection pool exhausted after the deploy
/as carol
snooze 2s reason="on the bridge with the vendor"
workaround Traffic on the secondary provider
status
resolve Pool size raised
close
/sleep 1s
`
	code, out, errOut := e.run(script, "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	path := filepath.Join("testdata", "transcript.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != out {
		t.Errorf("the transcript changed; if that is meant, run with -update and review the diff.\n--- got\n%s", out)
	}
}

func TestMigrate(t *testing.T) {
	e := newEnv(t)
	for _, url := range []string{"", pgtest.DB(t)} {
		e.vars["DATABASE_URL"] = url
		if code, out, errOut := e.run("", "migrate"); code != 0 || !strings.Contains(out, "migrations applied") {
			t.Errorf("migrate (DATABASE_URL=%q): exit %d %s %s", url, code, out, errOut)
		}
		if code, out, _ := e.run("", "incident", "list", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
			t.Errorf("after migrate, list: exit %d %s", code, out)
		}
	}
}

// TestShellServiceDesk is the service desk's day in the terminal: ten printer P4s and
// then a P0; the queue puts the P0 first; a network member takes a P4 and its respond
// clock stops; an unowned P3 tells its tower's leads at 75% of its respond target and
// the head at the breach; a resolved incident closes when its reporter confirms, and
// one whose reporter never answers closes after confirm_within.
func TestShellServiceDesk(t *testing.T) {
	e := newEnv(t)
	var script strings.Builder
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&script, "declare Printer %d jams impact=low urgency=low towers=network\n", i)
	}
	script.WriteString(`declare Payments down impact=high urgency=high towers=application,database
/join
queue
/as omar
take incident=3
/as sam
declare Invoices slow impact=medium urgency=low towers=database
/sleep 6h1m
/sleep 2h
/as omar
resolve Toner replaced incident=3
/as sam
confirm incident=3
/as omar
take incident=4
resolve Paper tray fixed incident=4
/sleep 72h1m
`)
	code, out, errOut := e.run(script.String(), "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	queue := out[strings.Index(out, "sam> queue"):]
	if lines := strings.Split(queue, "\n"); len(lines) < 3 || !strings.Contains(lines[2], "#11 P0") {
		t.Errorf("the P0 is not first in the queue:\n%s", queue)
	}
	three := e.show("3")
	if three.Owner != "omar" || three.RespondedAt == nil || three.State != "closed" || three.ConfirmedAt == nil {
		t.Errorf("#3: owner %q, responded %v, state %s, confirmed %v", three.Owner, three.RespondedAt, three.State, three.ConfirmedAt)
	}
	p3 := e.show("12")
	kinds := map[string]int{}
	for _, en := range p3.Timeline {
		kinds[en.Kind]++
	}
	// 80 hours in all: the respond clock (8h) warns its leads at 75% and breaches; the
	// resolve clock (72h) warns at 75% and breaches too. Each breach goes to the head.
	if p3.Priority != "P3" || kinds["escalated"] != 3 || kinds["sla_breach"] != 2 || kinds["sla_warning"] != 1 {
		t.Errorf("#12 (%s) timeline kinds %v, want a functional escalation (respond at 75%%), two breaches each escalated to the head, one resolve warning", p3.Priority, kinds)
	}
	for _, who := range []string{"frank", "grace"} {
		if !strings.Contains(out, "[dm @"+who+"] Nobody owns #12") {
			t.Errorf("%s (a database lead) was not told that #12 is unowned", who)
		}
	}
	if !strings.Contains(out, "[dm @hana] Escalation on #12") {
		t.Errorf("hana was not told of #12's breach")
	}
	four := e.show("4")
	last := four.Timeline[len(four.Timeline)-1]
	if four.State != "closed" || four.ConfirmedAt != nil || !strings.Contains(strings.Join(timelineTexts(four), "\n"), "Closed without confirmation") {
		t.Errorf("#4 after confirm_within: %s, last entry %+v", four.State, last)
	}
}

func timelineTexts(inc api.Incident) []string {
	var out []string
	for _, en := range inc.Timeline {
		out = append(out, en.Text)
	}
	return out
}

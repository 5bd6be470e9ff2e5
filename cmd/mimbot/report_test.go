package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mimbot/mim"
)

// reportScript makes the report's fixture through the shell, with the test clock
// from Mon 2 Mar 2026 10:00 GMT and the demo configuration (P0: respond 5m, resolve
// 4h, update every 3s here; P2: respond 1h, resolve 24h; application and database
// ack within 10m).
//
//	#1 P0 application+database, IM carol: carol's update at +2s is its first response
//	   (MTTA 2s, met) and on time (due at +3s); the next one, due at +5s, is missed:
//	   the overdue escalation fires at +6.5s. frank (database) acks at +7s (met); dave
//	   (application) never acks, and his page is still inside its 10m at the end: left
//	   out. Resolved at +7s (MTTR 7s, met).
//	#2 P2, declared at +7s, nobody takes it: two hours later its 1h respond target
//	   has passed (missed) and its 24h resolve target is still running (left out).
//
// Report at +2h0m7s over 720h: 2 incidents, 1 major; MTTA 2s; MTTR 7s; respond 1/2;
// resolve 1/1; updates 1/2; pages 1/1.
const reportScript = `declare Payments down impact=high urgency=high towers=application,database
/sleep 2s
/as carol
update Card payments failing; failing over
/sleep 5s
/as frank
ack
/as carol
resolve Pool size raised
/as sam
declare VPN slow for remote staff impact=medium urgency=medium
/sleep 2h
`

func TestReport(t *testing.T) {
	e := newEnv(t)
	if code, _, errOut := e.run(reportScript, "shell"); code != 0 {
		t.Fatalf("shell: exit %d: %s", code, errOut)
	}
	code, out, errOut := e.run("", "report", "--format", "json")
	if code != 0 {
		t.Fatalf("report --format json: exit %d: %s", code, errOut)
	}
	golden(t, "report.json", out)
	var rep mim.TrendReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	ratio := func(f float64) *float64 { return &f }
	secs := func(s int64) *int64 { return &s }
	want := mim.Figures{Incidents: 2, Major: 1, MTTASeconds: secs(2), MTTRSeconds: secs(7),
		RespondSLAMet: ratio(0.5), ResolveSLAMet: ratio(1), UpdatesOnTime: ratio(0.5), PagesAckedInOLA: ratio(1)}
	if diff := cmp.Diff(want, rep.Total); diff != "" {
		t.Errorf("total, computed by hand in reportScript (-want +got):\n%s", diff)
	}
	code, out, errOut = e.run("", "report", "--since", "720h", "--format", "md")
	if code != 0 {
		t.Fatalf("report --format md: exit %d: %s", code, errOut)
	}
	golden(t, "report.md", out)
}

func TestReportUsage(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"report", "--since", "yesterday"},
		{"report", "--since", "-24h"},
		{"report", "--format", "csv"},
		{"report", "--until", "1h"},
	} {
		if code, _, errOut := e.run("", args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and what would work", args, code, errOut)
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s changed; if that is meant, run with -update and review the diff (-want +got):\n%s", name, diff)
	}
}

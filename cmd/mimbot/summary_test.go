package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mimbot/internal/llm/llmfake"
)

// incidentScript works a major incident to closure in the shell.
const incidentScript = `declare Payments down impact=high urgency=high towers=application,database
/as carol
task add Fail over to the secondary provider owner=frank
update Card payments failing; failing over
/as frank
ack
diagnose Connection pool exhausted after the deploy
/as carol
workaround Traffic on the secondary provider
resolve Pool size raised
close
model save gateway-pool
`

func TestSummaryProblemAndModel(t *testing.T) {
	e := newEnv(t)
	code, out, errOut := e.run(incidentScript+"/sleep 1s\n", "shell")
	if code != 0 {
		t.Fatalf("shell: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "# Post-incident summary: #1 Payments down") || !strings.Contains(out, "Problem record PRB-1 opened") {
		t.Errorf("the war room did not get the summary and the problem record:\n%s", out)
	}
	code, md, _ := e.run("", "summary", "1")
	if code != 0 || !strings.Contains(md, "| Respond (SLA) | 5m |") || !strings.Contains(md, "| Problem record | PRB-1, RCA owner hana") {
		t.Errorf("mimbot summary 1: exit %d:\n%s", code, md)
	}
	code, js, _ := e.run("", "summary", "1", "--format", "json")
	var sum struct {
		Incident int    `json:"incident"`
		SVG      string `json:"svg"`
		Problem  struct {
			Ref string `json:"ref"`
		} `json:"problem"`
	}
	if err := json.Unmarshal([]byte(js), &sum); code != 0 || err != nil || sum.Incident != 1 || !strings.HasPrefix(sum.SVG, "<svg") || sum.Problem.Ref != "PRB-1" {
		t.Errorf("summary --format json: exit %d, %v: %.300s", code, err, js)
	}
	code, list, _ := e.run("", "problem", "list")
	if code != 0 || !strings.Contains(list, "PRB-1") || !strings.Contains(list, "hana") {
		t.Errorf("problem list: exit %d:\n%s", code, list)
	}
	_, out, _ = e.run("declare Gateway pool again model=gateway-pool\n", "shell")
	inc := e.show("2")
	if inc.Priority != "P0" || strings.Join(inc.Towers, ",") != "application,database" || len(inc.Tasks) != 1 || inc.Tasks[0].Text != "Fail over to the secondary provider" {
		t.Errorf("declare model=gateway-pool did not seed from the saved model: %+v\n%s", inc, out)
	}
}

// TestSummaryWithHostileLLM points mimbot at the fake LLM answering with things a
// summary must never carry; the summary still arrives, without them.
func TestSummaryWithHostileLLM(t *testing.T) {
	tests := []struct {
		name    string
		reply   llmfake.Behaviour
		want    string
		wantNot []string
	}{
		{"pages and uncited claims", llmfake.Reply(`{"narrative":[{"text":"@channel <!here> page <@U0FRANK> now","cites":[1]},{"text":"The pool ran out after the deploy.","cites":[2]},{"text":"The vendor is to blame.","cites":[]},{"text":"Entry 999 proves it.","cites":[999]}],"contributing_factors":[],"rca_questions":[],"action_items":[]}`),
			"The pool ran out after the deploy. [2]", []string{"@channel", "<!here>", "<@U0FRANK>", "vendor is to blame", "999 proves"}},
		{"invalid JSON", llmfake.Reply(`{"narrative": [ oops`), "no LLM draft:", []string{"oops"}},
		{"silent for a minute", llmfake.Reply(`{}`).WithDelay(time.Minute), "no LLM draft: the LLM did not answer within", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := llmfake.New(llmfake.Options{})
			fake.Start()
			t.Cleanup(fake.Close)
			fake.SetDefault(tc.reply)
			e := newEnv(t)
			e.vars["OPENAI_BASE_URL"] = fake.URL()
			e.vars["OPENAI_API_KEY"] = llmfake.DefaultAPIKey
			e.vars["MIMBOT_LLM_MODEL"] = llmfake.DefaultModel
			e.vars["MIMBOT_LLM_TIMEOUT"] = "300ms"
			start := time.Now()
			code, out, errOut := e.run("declare DB down impact=high urgency=high towers=database\n/as carol\nupdate Investigating\nsummary\n", "shell")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("the summary took %s", took)
			}
			if !strings.Contains(out, "# Post-incident summary: #1") || !strings.Contains(out, tc.want) {
				t.Errorf("summary lacks %q:\n%s", tc.want, out)
			}
			for _, bad := range tc.wantNot {
				if strings.Contains(out, bad) {
					t.Errorf("summary carries %q", bad)
				}
			}
			if len(fake.Requests()) == 0 {
				t.Error("the LLM was never asked")
			}
		})
	}
}

package web_test

import (
	"net/http"
	"testing"

	"mimbot/internal/web"
	"mimbot/mim"
)

// FuzzAlertWebhook posts arbitrary bodies to the Alertmanager webhook, each twice, as
// Alertmanager does when a send times out: the webhook never panics nor answers 5xx,
// and one body creates at most one incident however often it is sent.
func FuzzAlertWebhook(f *testing.F) {
	for _, s := range []string{
		webhook("g1", "firing", map[string]string{"severity": "critical", "mimbot_towers": "application, mainframe"}, "Card payments failing"),
		webhook("g1", "resolved", nil, ""),
		webhook("g2", "firing", map[string]string{"mimbot_model": "nope", "mimbot_declarer": "ghost", "mimbot_impact": "huge"}, ""),
		webhook("g3", "firing", map[string]string{"mimbot_towers": ",,,", "severity": "info"}, "   "),
		`{"version":"4","groupKey":"x","status":"firing","alerts":[{"status":"firing","startsAt":"not a time"}]}`,
		`{"version":"5","groupKey":"x","status":"firing"}`,
		`{"groupKey":"  ","status":"firing"}`, `{"groupKey":"k","status":"pending"}`,
		`{"groupKey":"k","status":"firing","commonAnnotations":{"summary":"` + string(make([]byte, 300)) + `"}}`,
		`[]`, `null`, `{"groupKey":1}`, ``, `{`,
	} {
		f.Add(s)
	}
	shared := newFixture(f, web.Config{Token: token}) // one store for every input: faster, and bodies meet earlier groups
	f.Fuzz(func(t *testing.T, body string) {
		fx := *shared
		fx.t = t
		before := count(t, &fx)
		for i := range 2 {
			got := fx.do(http.MethodPost, "/api/v1/alerts", "Bearer "+token, body)
			if got.code >= 500 || got.code < 200 {
				t.Fatalf("send %d of %q = %d %s", i+1, body, got.code, got.body)
			}
		}
		if n := count(t, &fx) - before; n > 1 {
			t.Fatalf("%q sent twice created %d incidents", body, n)
		}
	})
}

func count(t *testing.T, fx *fixture) int {
	t.Helper()
	list, err := fx.svc.Store.Incidents(fx.ctx, mim.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

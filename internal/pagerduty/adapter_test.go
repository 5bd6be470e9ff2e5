package pagerduty_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"mimbot/internal/config"
	"mimbot/internal/pagerduty"
	"mimbot/internal/pagerduty/pagerdutyfake"
	"mimbot/mim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Routing keys are 32 characters; these are distinctive so that a leak is found.
const (
	appKey = "appRoutingKeySecret0000000000032"
	dbKey  = "dbRoutingKeySecret00000000000032"
)

// t0 is when the pages in these tests were decided.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// logBuffer keeps what the adapter (and the relay) log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fixture is an adapter on a fresh fake PagerDuty, with the demo configuration whose
// application and database towers have routing keys.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	fake    *pagerdutyfake.Server
	conf    *mim.Config
	adapter *pagerduty.Adapter
	logs    *logBuffer
}

func newFixture(t *testing.T, edit func(conf *mim.Config, cfg *pagerduty.Config)) *fixture {
	t.Helper()
	if len(appKey) != pagerdutyfake.RoutingKeyLength || len(dbKey) != pagerdutyfake.RoutingKeyLength {
		t.Fatal("test routing keys must be 32 characters")
	}
	fake := pagerdutyfake.New(pagerdutyfake.Options{})
	fake.Start()
	t.Cleanup(fake.Close)
	conf := config.Demo()
	setKey(conf, "application", appKey)
	setKey(conf, "database", dbKey)
	cfg := pagerduty.Config{EventsURL: fake.EnqueueURL()}
	if edit != nil {
		edit(conf, &cfg)
	}
	f := &fixture{t: t, ctx: context.Background(), fake: fake, conf: conf, logs: &logBuffer{}}
	a, err := pagerduty.New(cfg, conf, f.logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	f.adapter = a
	return f
}

func setKey(conf *mim.Config, tower, key string) {
	t := conf.Towers[tower]
	t.PagerDutyRoutingKey = key
	conf.Towers[tower] = t
}

// incident is a major incident as the relay hands it to the adapter.
func incident(n int, p mim.Priority) *mim.Incident {
	return &mim.Incident{
		Number:   n,
		Title:    "Payments down",
		Impact:   mim.High,
		Urgency:  mim.High,
		Priority: p,
		Major:    true,
		State:    mim.Investigating,
		Towers:   []string{"application", "database"},
		IM:       "alice",
		Bridge:   "https://meet.jit.si/mi-12-payments-down",
		WarRooms: []mim.WarRoom{{Platform: "slack", ID: "C0WAR12", Name: "mi-12-payments-down", Ready: true}},
		RoomName: "mi-12-payments-down",
	}
}

// page is a pager message about inc, as mim.Service queues it.
func page(inc *mim.Incident, kind mim.Kind, person, tower string) mim.Delivery {
	return mim.Delivery{
		Message:  mim.Outgoing{Platform: mim.PagerDuty, Incident: inc.Number, To: mim.ToPager, Person: person, Kind: kind, Text: tower, Created: t0},
		Incident: inc,
	}
}

// pdIncident is what a responder sees of one PagerDuty incident.
type pdIncident struct {
	RoutingKey string
	DedupKey   string
	State      pagerdutyfake.State
	Severity   string
	Events     []string // "trigger: <summary>", "acknowledge", "resolve"
}

func incidents(fake *pagerdutyfake.Server) []pdIncident {
	var out []pdIncident
	for _, in := range fake.Incidents() {
		got := pdIncident{RoutingKey: in.RoutingKey, DedupKey: in.DedupKey, State: in.State, Severity: in.Severity}
		for _, ev := range in.Events {
			s := ev.Action
			if ev.Payload != nil {
				s += ": " + ev.Payload.Summary
			}
			got.Events = append(got.Events, s)
		}
		out = append(out, got)
	}
	return out
}

func TestSendFollowsAPageOnOnePagerDutyIncident(t *testing.T) {
	const (
		davePaged = "trigger: #12 Payments down (P0): application tower paged, Dave Kowalski"
		erinPaged = "trigger: #12 Payments down (P0): application tower paged, Erin Walsh"
	)
	tests := []struct {
		name  string
		pages func(inc *mim.Incident) []mim.Delivery
		want  []pdIncident
	}{
		{
			name: "trigger, acknowledge, resolve",
			pages: func(inc *mim.Incident) []mim.Delivery {
				return []mim.Delivery{
					page(inc, mim.KindPaged, "dave", "application"),
					page(inc, mim.KindPageAcked, "dave", "application"),
					page(inc, mim.KindResolved, "dave", "application"),
				}
			},
			want: []pdIncident{{RoutingKey: appKey, DedupKey: "mimbot-12-application", State: pagerdutyfake.Resolved, Severity: "critical",
				Events: []string{davePaged, "acknowledge", "resolve"}}},
		},
		{
			name: "acknowledged, not yet resolved",
			pages: func(inc *mim.Incident) []mim.Delivery {
				return []mim.Delivery{
					page(inc, mim.KindPaged, "dave", "application"),
					page(inc, mim.KindPageAcked, "dave", "application"),
				}
			},
			want: []pdIncident{{RoutingKey: appKey, DedupKey: "mimbot-12-application", State: pagerdutyfake.Acknowledged, Severity: "critical",
				Events: []string{davePaged, "acknowledge"}}},
		},
		{
			name: "second lead paged on the same tower re-triggers the same incident",
			pages: func(inc *mim.Incident) []mim.Delivery {
				return []mim.Delivery{
					page(inc, mim.KindPaged, "dave", "application"),
					page(inc, mim.KindPaged, "erin", "application"),
				}
			},
			want: []pdIncident{{RoutingKey: appKey, DedupKey: "mimbot-12-application", State: pagerdutyfake.Triggered, Severity: "critical",
				Events: []string{davePaged, erinPaged}}},
		},
		{
			name: "escalated page acknowledged by the second lead, then resolved",
			pages: func(inc *mim.Incident) []mim.Delivery {
				return []mim.Delivery{
					page(inc, mim.KindPaged, "dave", "application"),
					page(inc, mim.KindPaged, "erin", "application"),
					page(inc, mim.KindPageAcked, "erin", "application"),
					page(inc, mim.KindResolved, "erin", "application"),
				}
			},
			want: []pdIncident{{RoutingKey: appKey, DedupKey: "mimbot-12-application", State: pagerdutyfake.Resolved, Severity: "critical",
				Events: []string{davePaged, erinPaged, "acknowledge", "resolve"}}},
		},
		{
			name: "two towers are two incidents on their own routing keys",
			pages: func(inc *mim.Incident) []mim.Delivery {
				return []mim.Delivery{
					page(inc, mim.KindPaged, "dave", "application"),
					page(inc, mim.KindPaged, "frank", "database"),
					page(inc, mim.KindPageAcked, "frank", "database"),
				}
			},
			want: []pdIncident{
				{RoutingKey: appKey, DedupKey: "mimbot-12-application", State: pagerdutyfake.Triggered, Severity: "critical",
					Events: []string{davePaged}},
				{RoutingKey: dbKey, DedupKey: "mimbot-12-database", State: pagerdutyfake.Acknowledged, Severity: "critical",
					Events: []string{"trigger: #12 Payments down (P0): database tower paged, Frank Mueller", "acknowledge"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			for _, d := range tt.pages(incident(12, mim.P0)) {
				if err := f.adapter.Page(f.ctx, d); err != nil {
					t.Fatalf("%s of %s: %v", d.Message.Kind, d.Message.Person, err)
				}
			}
			if diff := cmp.Diff(tt.want, incidents(f.fake)); diff != "" {
				t.Errorf("PagerDuty incidents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendSeverityByPriority(t *testing.T) {
	tests := []struct {
		name     string
		priority mim.Priority
		want     string
	}{
		{"P0 is critical", mim.P0, "critical"},
		{"P1 is an error", mim.P1, "error"},
		{"P2 is a warning", mim.P2, "warning"},
		{"P3 is a warning", mim.P3, "warning"},
		{"P4 is a warning", mim.P4, "warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if err := f.adapter.Page(f.ctx, page(incident(7, tt.priority), mim.KindPaged, "dave", "application")); err != nil {
				t.Fatal(err)
			}
			got := f.fake.Incidents()
			if len(got) != 1 {
				t.Fatalf("PagerDuty has %d incidents, want 1", len(got))
			}
			if got[0].Severity != tt.want {
				t.Errorf("severity = %q, want %q", got[0].Severity, tt.want)
			}
		})
	}
}

func TestSendSummaryIsBounded(t *testing.T) {
	const tail = " (P0): application tower paged, Dave Kowalski"
	tests := []struct {
		name   string
		title  string
		person string
		want   func(t *testing.T, summary string)
	}{
		{
			name: "short title whole", title: "Payments down", person: "dave",
			want: func(t *testing.T, s string) {
				if want := "#12 Payments down" + tail; s != want {
					t.Errorf("summary = %q, want %q", s, want)
				}
			},
		},
		{
			name: "long title cut, tower and person kept", title: strings.Repeat("checkout is slow ", 100), person: "dave",
			want: func(t *testing.T, s string) {
				if n := utf8.RuneCountInString(s); n != 1024 {
					t.Errorf("summary has %d characters, want 1024", n)
				}
				if !strings.HasPrefix(s, "#12 checkout is slow") || !strings.HasSuffix(s, "…"+tail) {
					t.Errorf("summary = %q, want the title cut before %q", s, tail)
				}
			},
		},
		{
			name: "long title in multibyte characters counted in characters", title: strings.Repeat("支払い障害", 300), person: "dave",
			want: func(t *testing.T, s string) {
				if n := utf8.RuneCountInString(s); n != 1024 {
					t.Errorf("summary has %d characters, want 1024", n)
				}
				if !utf8.ValidString(s) || !strings.HasSuffix(s, tail) {
					t.Errorf("summary = %q, want valid UTF-8 ending in %q", s, tail)
				}
			},
		},
		{
			name: "person without a name shown by key", title: "Payments down", person: "zed",
			want: func(t *testing.T, s string) {
				if want := "#12 Payments down (P0): application tower paged, zed"; s != want {
					t.Errorf("summary = %q, want %q", s, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			inc := incident(12, mim.P0)
			inc.Title = tt.title
			if err := f.adapter.Page(f.ctx, page(inc, mim.KindPaged, tt.person, "application")); err != nil {
				t.Fatal(err) // PagerDuty refuses a summary over 1,024 characters
			}
			got := f.fake.Incidents()
			if len(got) != 1 {
				t.Fatalf("PagerDuty has %d incidents, want 1", len(got))
			}
			tt.want(t, got[0].Summary)
		})
	}
}

// TestTriggerGolden keeps what a responder reads of a page on PagerDuty: summary,
// details, links. Regenerate with -update.
func TestTriggerGolden(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.adapter.Page(f.ctx, page(incident(12, mim.P0), mim.KindPaged, "dave", "application")); err != nil {
		t.Fatal(err)
	}
	evs := f.fake.Events()
	if len(evs) != 1 {
		t.Fatalf("PagerDuty got %d events, want 1", len(evs))
	}
	var body bytes.Buffer
	if err := json.Indent(&body, bytes.ReplaceAll(evs[0].Body, []byte(appKey), []byte("<routing key>")), "", "  "); err != nil {
		t.Fatal(err)
	}
	body.WriteByte('\n')
	path := filepath.Join("testdata", "trigger.golden.json")
	if *update {
		if err := os.WriteFile(path, body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), body.String()); diff != "" {
		t.Errorf("trigger event (-want +got):\n%s", diff)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(f *fixture) // before the adapter sends
		client   func(cfg *pagerduty.Config)
		send     func(inc *mim.Incident) mim.Delivery
		code     string
		says     string // part of the error a person reads in the relay's log
		attempts int    // requests PagerDuty saw
	}{
		{
			name:  "500 is retried later",
			setup: func(f *fixture) { f.fake.InjectFault(pagerdutyfake.Fault{Status: http.StatusInternalServerError}) },
			send:  func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPaged, "dave", "application") },
			code:  mim.EUNAVAILABLE, says: "PagerDuty answered 500 Internal Server Error to the trigger of the application tower; will retry", attempts: 1,
		},
		{
			name:  "502 is retried later",
			setup: func(f *fixture) { f.fake.InjectFault(pagerdutyfake.Fault{Status: http.StatusBadGateway}) },
			send:  func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindResolved, "dave", "application") },
			code:  mim.EUNAVAILABLE, says: "PagerDuty answered 502 Bad Gateway to the resolve", attempts: 1,
		},
		{
			name:  "429 is retried later",
			setup: func(f *fixture) { f.fake.InjectFault(pagerdutyfake.Fault{Status: http.StatusTooManyRequests}) },
			send:  func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPaged, "dave", "application") },
			code:  mim.EUNAVAILABLE, says: "throttling", attempts: 1,
		},
		{
			name:   "no answer in time is retried later",
			setup:  func(f *fixture) { f.fake.InjectFault(pagerdutyfake.Fault{Delay: 5 * time.Second}) },
			client: func(cfg *pagerduty.Config) { cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} },
			send:   func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPaged, "dave", "application") },
			code:   mim.EUNAVAILABLE, says: "PagerDuty could not be reached for the trigger of the application tower", attempts: 1,
		},
		{
			name:  "PagerDuty down is retried later",
			setup: func(f *fixture) { f.fake.Close() },
			send:  func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPaged, "dave", "application") },
			code:  mim.EUNAVAILABLE, says: "PagerDuty could not be reached", attempts: 0,
		},
		{
			name:  "invalid routing key is given up, with PagerDuty's reason",
			setup: func(f *fixture) { setKey(f.conf, "application", appKey[:31]) },
			send:  func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPaged, "dave", "application") },
			code:  mim.EINVALID, says: "PagerDuty refused the trigger event of the application tower: 'routing_key' must be 32 characters", attempts: 1,
		},
		{
			name:  "tower without a routing key is given up before any call",
			setup: func(f *fixture) { setKey(f.conf, "application", "") },
			send:  func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPageAcked, "dave", "application") },
			code:  mim.EINVALID, says: "the application tower has no pagerduty_routing_key", attempts: 0,
		},
		{
			name: "unknown tower is given up before any call",
			send: func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindPaged, "dave", "mainframe") },
			code: mim.EINVALID, says: "the mainframe tower has no pagerduty_routing_key", attempts: 0,
		},
		{
			name: "a kind PagerDuty has no event for is given up",
			send: func(inc *mim.Incident) mim.Delivery { return page(inc, mim.KindUpdate, "dave", "application") },
			code: mim.EINVALID, says: `no PagerDuty event tells that a page was "update"`, attempts: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(_ *mim.Config, cfg *pagerduty.Config) {
				if tt.client != nil {
					tt.client(cfg)
				}
			})
			if tt.setup != nil {
				tt.setup(f)
			}
			err := f.adapter.Page(f.ctx, tt.send(incident(12, mim.P0)))
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := mim.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q, want %q (err: %v)", got, tt.code, err)
			}
			if !strings.HasPrefix(err.Error(), "pagerduty: ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %q, want it to say %q", err, tt.says)
			}
			for _, key := range []string{appKey, appKey[:31], dbKey} {
				if strings.Contains(err.Error(), key) {
					t.Errorf("err shows the routing key: %q", err)
				}
			}
			if got := f.fake.Attempts(); got != tt.attempts {
				t.Errorf("PagerDuty saw %d requests, want %d", got, tt.attempts)
			}
			if got := f.fake.Incidents(); len(got) != 0 {
				t.Errorf("PagerDuty opened %d incidents, want none", len(got))
			}
		})
	}
}

// TestSendAfterAFaultLands: what the relay does with EUNAVAILABLE, sending again, pages
// once on PagerDuty.
func TestSendAfterAFaultLands(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.InjectFault(pagerdutyfake.Fault{Status: http.StatusServiceUnavailable}, pagerdutyfake.Fault{Status: http.StatusTooManyRequests})
	d := page(incident(12, mim.P0), mim.KindPaged, "dave", "application")
	for i := range 2 {
		if err := f.adapter.Page(f.ctx, d); mim.ErrorCode(err) != mim.EUNAVAILABLE {
			t.Fatalf("attempt %d: err = %v, want EUNAVAILABLE", i+1, err)
		}
	}
	if err := f.adapter.Page(f.ctx, d); err != nil {
		t.Fatalf("attempt 3: %v", err)
	}
	want := []pdIncident{{RoutingKey: appKey, DedupKey: "mimbot-12-application", State: pagerdutyfake.Triggered, Severity: "critical",
		Events: []string{"trigger: #12 Payments down (P0): application tower paged, Dave Kowalski"}}}
	if diff := cmp.Diff(want, incidents(f.fake)); diff != "" {
		t.Errorf("PagerDuty incidents (-want +got):\n%s", diff)
	}
}

func TestRoutingKeyNeverLogged(t *testing.T) {
	f := newFixture(t, func(conf *mim.Config, _ *pagerduty.Config) {
		setKey(conf, "network", "netKeyTooShort")
	})
	inc := incident(12, mim.P0)
	var errs []string
	send := func(d mim.Delivery) {
		if err := f.adapter.Page(f.ctx, d); err != nil {
			errs = append(errs, err.Error())
		}
	}
	send(page(inc, mim.KindPaged, "dave", "application"))
	send(page(inc, mim.KindPageAcked, "dave", "application"))
	f.fake.InjectFault(pagerdutyfake.Fault{Status: http.StatusInternalServerError})
	send(page(inc, mim.KindPaged, "frank", "database"))
	send(page(inc, mim.KindPaged, "frank", "database"))
	send(page(inc, mim.KindPaged, "ivan", "network"))
	send(page(inc, mim.KindResolved, "dave", "application"))

	logs := f.logs.String()
	for _, want := range []string{"action=trigger", "action=acknowledge", "action=resolve", "dedup_key=mimbot-12-application", "dedup_key=mimbot-12-database"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs do not say %q:\n%s", want, logs)
		}
	}
	if len(errs) != 2 {
		t.Errorf("errors = %q, want the 500 and the short key", errs)
	}
	all := logs + strings.Join(errs, "\n")
	for _, key := range []string{appKey, dbKey, "netKeyTooShort"} {
		if strings.Contains(all, key) {
			t.Errorf("the routing key %q shows in logs or errors:\n%s", key, all)
		}
	}
}

func TestEventsURL(t *testing.T) {
	tests := []struct {
		name string
		url  func(fake *pagerdutyfake.Server) string
	}{
		{"full enqueue URL", func(fake *pagerdutyfake.Server) string { return fake.EnqueueURL() }},
		{"full enqueue URL with a trailing slash", func(fake *pagerdutyfake.Server) string { return fake.EnqueueURL() + "/" }},
		{"base URL", func(fake *pagerdutyfake.Server) string { return fake.URL() }},
		{"base URL with a trailing slash", func(fake *pagerdutyfake.Server) string { return fake.URL() + "/" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			a, err := pagerduty.New(pagerduty.Config{EventsURL: tt.url(f.fake)}, f.conf, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Page(f.ctx, page(incident(12, mim.P0), mim.KindPaged, "dave", "application")); err != nil {
				t.Fatal(err)
			}
			if got := f.fake.Incidents(); len(got) != 1 || got[0].DedupKey != "mimbot-12-application" {
				t.Errorf("PagerDuty incidents = %+v, want mimbot-12-application", got)
			}
		})
	}
}

func TestNewRefusesABadEventsURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		says string
	}{
		{"not http", "ftp://events.example.com/v2/enqueue", "want an http(s) URL"},
		{"no scheme", "events.pagerduty.com/v2/enqueue", "want an http(s) URL"},
		{"not a URL", "http://[::1", "not a URL"},
		{"a query", "https://events.example.com/v2/enqueue?debug=1", "remove the query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pagerduty.New(pagerduty.Config{EventsURL: tt.url}, config.Demo(), nil)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("New(%q) = %v, want an error saying %q", tt.url, err, tt.says)
			}
		})
	}
	if _, err := pagerduty.New(pagerduty.Config{}, config.Demo(), nil); err != nil {
		t.Errorf("New with the default URL: %v", err)
	}
}

func TestSendIgnoresOtherAudiences(t *testing.T) {
	tests := []struct {
		name string
		to   mim.Audience
	}{
		{"war room", mim.ToWarRoom},
		{"stakeholders", mim.ToStakeholders},
		{"direct message", mim.ToPerson},
		{"card", mim.ToCard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			d := page(incident(12, mim.P0), mim.KindPaged, "dave", "application")
			d.Message.To = tt.to
			if err := f.adapter.Page(f.ctx, d); err != nil {
				t.Fatal(err)
			}
			if got := f.fake.Attempts(); got != 0 {
				t.Errorf("PagerDuty saw %d requests, want none", got)
			}
		})
	}
}
